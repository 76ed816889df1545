// Curriculum and time-marching bookkeeping: stage values and steps, window bounds and ownership,
// the window problem's domain and inherited initial state, and a tiny end-to-end of each.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { startEngine } from "../../src/engine/index.js";
import { box } from "../../src/geometry/box.js";
import { initial, initialRate } from "../../src/problem/conditions.js";
import { defineProblem } from "../../src/problem/problem.js";
import { problemFactory } from "../../src/problems/factory.js";
import { curriculumStages } from "../../src/train/curriculum.js";
import { interpolant, windowBounds, windowOf, windowProblem } from "../../src/train/marching.js";
import { resolveRun } from "../../src/train/resolve.js";
import { laterWindow } from "../../src/train/config.js";
import { trainRun } from "../../src/train/run.js";
import type { StepRecord } from "../../src/train/trainer.js";
import { TINY_RUN } from "./helpers.js";

before(async () => {
  await startEngine();
});

test("curriculumStages: evenly spaced values ending at the target, early stages' steps", () => {
  const s = curriculumStages(30, {
    curriculumStart: 1,
    curriculumStages: 3,
    curriculumSteps: 500,
    steps: 2000,
  });
  assert.deepEqual(s, [
    { index: 0, value: 1, steps: 500 },
    { index: 1, value: 15.5, steps: 500 },
    { index: 2, value: 30, steps: 2000 },
  ]);
  const one = curriculumStages(7, {
    curriculumStart: 1,
    curriculumStages: 1,
    curriculumSteps: 0,
    steps: 9,
  });
  assert.deepEqual(one, [{ index: 0, value: 7, steps: 9 }]);
  const dflt = curriculumStages(4, {
    curriculumStart: 0,
    curriculumStages: 2,
    curriculumSteps: 0,
    steps: 9,
  });
  assert.deepEqual(
    dflt.map((x) => x.steps),
    [9, 9],
    "curriculumSteps 0 means steps",
  );
});

test("windowBounds and windowOf: equal windows, the last owns t1", () => {
  const w = windowBounds(0, 1, 4);
  assert.deepEqual(w, [
    [0, 0.25],
    [0.25, 0.5],
    [0.5, 0.75],
    [0.75, 1],
  ]);
  assert.equal(windowOf(w, 0), 0);
  assert.equal(windowOf(w, 0.2499), 0);
  assert.equal(windowOf(w, 0.25), 1);
  assert.equal(windowOf(w, 0.75), 3);
  assert.equal(windowOf(w, 1), 3);
});

test("windowBounds: graded windows grow by windowRatio, tile [t0, t1] and end at t1", () => {
  // lengths 1, 2, 4 over [0, 7]
  assert.deepEqual(windowBounds(0, 7, 3, 2), [
    [0, 1],
    [1, 3],
    [3, 7],
  ]);
  const w = windowBounds(0.5, 1.5, 10, 1.3);
  for (let i = 1; i < w.length; i++) {
    assert.equal(w[i][0], w[i - 1][1], "windows tile the range");
    const ratio = (w[i][1] - w[i][0]) / (w[i - 1][1] - w[i - 1][0]);
    assert.ok(Math.abs(ratio - 1.3) < 1e-9, `window ${i} is 1.3 times the one before (${ratio})`);
  }
  assert.equal(w[0][0], 0.5);
  assert.equal(w[9][1], 1.5);
  // first window (t1 - t0) (r - 1) / (r^K - 1)
  assert.ok(Math.abs(w[0][1] - 0.5 - 0.3 / (1.3 ** 10 - 1)) < 1e-12);
  // a ratio below 1 grades towards t1
  const back = windowBounds(0, 7, 3, 0.5);
  assert.ok(Math.abs(back[0][1] - 4) < 1e-12 && Math.abs(back[1][1] - 6) < 1e-12);
  assert.throws(() => windowBounds(0, 1, 2, 0), /windowRatio: 0/);
});

test("interpolant: exact on cubics, clamped outside", () => {
  const f = interpolant(Float64Array.from([0, 1, 3]), Float64Array.from([0, 2, 6]));
  assert.ok(Math.abs(f(0.5) - 1) < 1e-15);
  assert.ok(Math.abs(f(2) - 4) < 1e-15);
  assert.equal(f(-1), 0);
  assert.equal(f(9), 6);
  const x = Float64Array.from([0, 0.5, 1.5, 2, 3.5, 4]);
  const cubic = (p: number) => 1 - 2 * p + 0.5 * p ** 3;
  const g = interpolant(x, x.map(cubic));
  for (const p of [0.1, 0.7, 1.9, 2.8, 3.9]) assert.ok(Math.abs(g(p) - cubic(p)) < 1e-12, `${p}`);
});

test("interpolant: fourth-order accurate on a smooth state (error / 16 when h / 2)", () => {
  const err = (n: number) => {
    const x = Float64Array.from({ length: n }, (_, i) => (2 * Math.PI * i) / (n - 1));
    const f = interpolant(x, x.map(Math.sin));
    let e = 0;
    for (let i = 0; i < 997; i++) {
      const p = (2 * Math.PI * (i + 0.5)) / 997;
      e = Math.max(e, Math.abs(f(p) - Math.sin(p)));
    }
    return e;
  };
  const e1 = err(65);
  const e2 = err(129);
  assert.ok(e1 < 5e-6, `${e1}`);
  assert.ok(e1 / e2 > 12 && e1 / e2 < 20, `ratio ${e1 / e2}`);
});

test("windowProblem: the window's time range, its inherited initial state, the rest unchanged", () => {
  const base = resolveRun("convection", [["beta", 2]]).problem;
  const p = windowProblem(base, [0.25, 0.5], { u: (x) => 3 * x });
  assert.deepEqual(p.domain.lo, [0.25, 0]);
  assert.deepEqual(p.domain.hi, [0.5, 2 * Math.PI]);
  assert.deepEqual(p.termNames, base.termNames);
  const ic = p.conditions.ic;
  assert.equal(ic.kind, "initial");
  if (ic.kind === "initial" && typeof ic.value === "function")
    assert.equal(ic.value({ t: 0.25, x: 2 }), 6);
  assert.equal(p.conditions.bc, base.conditions.bc);
  // the first window keeps the problem's own initial condition
  assert.equal(windowProblem(base, [0, 0.25], null).conditions.ic, base.conditions.ic);
  const wave = resolveRun("wave1d", []).problem;
  // second order in time: the first window keeps u_t(0); later ones take the end rate passed
  assert.equal(windowProblem(wave, [0, 0.5], null).conditions.ic_t, wave.conditions.ic_t);
  assert.throws(() => windowProblem(wave, [0.5, 1], { u: (x) => x }), /ic_t fixes u_t at t0/);
  const w2 = windowProblem(wave, [0.5, 1], { u: (x) => x }, { u: (x) => -2 * x });
  const rate = w2.conditions.ic_t;
  assert.ok(rate.kind === "initial" && rate.derivative === 1);
  if (rate.kind === "initial" && typeof rate.value === "function")
    assert.equal(rate.value({ t: 0.5, x: 0.25 }), -0.5);
});

test("curriculum run: stages train in order, records carry their stage and increasing steps", async () => {
  const run = resolveRun("convection", [
    ...TINY_RUN,
    ["beta", 6],
    ["steps", 3],
    ["curriculum", "beta"],
    ["curriculumStart", 2],
    ["curriculumStages", 3],
    ["curriculumSteps", 2],
  ]);
  const recs: StepRecord[] = [];
  const notes: string[] = [];
  const out = await trainRun(run, { onRecord: (r) => recs.push(r), onNote: (m) => notes.push(m) });
  out.dispose();
  assert.deepEqual(
    out.stages.map((s) => s.value),
    [2, 4, 6],
  );
  assert.equal(out.steps, 2 + 2 + 3);
  assert.deepEqual(
    recs.map((r) => r.stage),
    [0, 0, 1, 1, 2, 2, 2],
  );
  assert.deepEqual(
    recs.map((r) => r.step),
    [0, 1, 2, 3, 4, 5, 6],
  );
  assert.match(notes[2], /stage 3\/3: beta = 6/);
  assert.throws(
    () => resolveRun("convection", [["curriculum", "rho"]]),
    /--set curriculum=rho: convection has no such parameter/,
  );
});

test("time marching run: one network per window, stitched prediction follows the owning window", async () => {
  const run = resolveRun("convection", [
    ...TINY_RUN,
    ["steps", 2],
    ["windows", 2],
    ["windowGrid", 16],
  ]);
  const out = await trainRun(run, {});
  assert.deepEqual(
    out.stages.map((s) => s.window),
    [
      [0, 0.5],
      [0.5, 1],
    ],
  );
  const grid = { axes: [Float64Array.from([0, 0.49, 0.5, 1]), Float64Array.from([1])], values: {} };
  const pred = await out.predictGrid(grid);
  // the last window's network is also the final result: its prediction at t >= 0.5 must match
  const last = await trainRunPredict(out.result, [0.5, 1, 1, 1]);
  assert.ok(Math.abs(pred.values.u[2] - last[0]) < 1e-6);
  assert.ok(Math.abs(pred.values.u[3] - last[1]) < 1e-6);
  out.dispose();
});

test("time marching run: a window starts from the previous network extrapolated, windowSteps first-order steps", async () => {
  const firstIc = async (how: string) => {
    const run = resolveRun("reaction", [
      ...TINY_RUN,
      ["precision", "float64"],
      ["steps", 5],
      ["windowSteps", 3],
      ["windows", 2],
      ["windowInit", how],
    ]);
    const records: StepRecord[] = [];
    const out = await trainRun(run, { onRecord: (r) => records.push(r) });
    out.dispose();
    const second = records.filter((r) => r.stage === 1);
    // 5 steps in the first window, 3 in the second
    assert.equal(records.filter((r) => r.stage === 0).length, 5);
    assert.equal(second.length, 3);
    return second[0].terms.ic;
  };
  // the inherited state is the previous network's own end state: extrapolating starts on it
  assert.ok((await firstIc("extrapolate")) < 1e-12);
  assert.ok((await firstIc("copy")) > 1e-4);
});

test("time marching run: windowBfgsSteps quasi-Newton iterations in the windows after the first", async () => {
  const run = resolveRun("reaction", [
    ...TINY_RUN,
    ["precision", "float64"],
    ["optimizer", "adam+ssbroyden"],
    ["bfgsPoints", 64],
    ["steps", 5],
    ["bfgsSteps", 4],
    ["windowSteps", 0],
    ["windowBfgsSteps", 2],
    ["windows", 3],
  ]);
  const records: StepRecord[] = [];
  const out = await trainRun(run, { onRecord: (r) => records.push(r) });
  out.dispose();
  const phases = (stage: number) =>
    records.filter((r) => r.stage === stage).map((r) => r.phase as string);
  // the first window: 5 Adam steps, then 4 SSBroyden iterations; the later ones: 2 SSBroyden
  assert.deepEqual(phases(0), [
    ...Array<string>(5).fill("adam"),
    ...Array<string>(4).fill("ssbroyden"),
  ]);
  assert.deepEqual(phases(1), ["ssbroyden", "ssbroyden"]);
  assert.deepEqual(phases(2), ["ssbroyden", "ssbroyden"]);
  assert.equal(out.result.steps, 2, "the last window's own count");
  // -1 (the default) keeps bfgsSteps in every window
  const c = resolveRun("reaction", [
    ["bfgsSteps", 7],
    ["windowSteps", 0],
  ]).config;
  assert.equal(laterWindow(c).bfgsSteps, 7);
  assert.equal(laterWindow(c).steps, 0);
  assert.equal(laterWindow({ ...c, windowBfgsSteps: 3 }).bfgsSteps, 3);
  assert.equal(laterWindow(c).bfgsPoints, c.bfgsPoints);
  assert.equal(laterWindow({ ...c, windowBfgsPoints: 512 }).bfgsPoints, 512);
  assert.throws(
    () => resolveRun("reaction", [["windowBfgsPoints", 0]]),
    /^Error: windowBfgsPoints: 0 points/,
  );
  assert.throws(
    () =>
      resolveRun("reaction", [
        ["redrawEvery", 100],
        ["redrawPool", 5000],
        ["bfgsPoints", 2048],
        ["windowBfgsPoints", 8192],
        ["optimizer", "adam+ssbroyden"],
      ]),
    /^Error: redrawPool: 5000 candidates are fewer than the 8192 points/,
  );
  // windowRedrawEvery: the later windows' RAD interval (-1 keeps redrawEvery); its pool is checked
  // even when the first window keeps its points fixed
  assert.equal(laterWindow(c).redrawEvery, c.redrawEvery);
  assert.equal(laterWindow({ ...c, redrawEvery: 0, windowRedrawEvery: 250 }).redrawEvery, 250);
  assert.throws(
    () =>
      resolveRun("reaction", [
        ["windows", 4],
        ["windowRedrawEvery", 100],
        ["redrawPool", 5000],
        ["windowBfgsPoints", 8192],
        ["optimizer", "adam+ssbroyden"],
      ]),
    /^Error: redrawPool: 5000 candidates are fewer than the 8192 points/,
  );
});

// y'' = -y on t in [0, 2], y(0) = 0, y'(0) = 1 (y = sin t): an ODE, time its only input
const oscillator = defineProblem({
  name: "oscillator",
  domain: box({ t: [0, 2] }, { time: "t" }),
  fields: ["y"],
  residuals: { r: ({ d }) => d("y", "tt").add(d("y")) },
  conditions: { y0: initial("y", 0), v0: initialRate("y", 1) },
  exact: (p) => ({ y: Math.sin(p.t) }),
});

test("windowProblem of an ODE: the inherited state and rate are constants (hard-constrainable)", () => {
  const w = windowProblem(oscillator, [1, 2], { y: () => 0.8 }, { y: () => 0.5 });
  assert.deepEqual([w.domain.lo, w.domain.hi], [[1], [2]]);
  const y0 = w.conditions.y0;
  const v0 = w.conditions.v0;
  assert.ok(y0.kind === "initial" && y0.derivative === 0 && y0.value === 0.8);
  assert.ok(v0.kind === "initial" && v0.derivative === 1 && v0.value === 0.5);
  assert.throws(() => windowProblem(oscillator, [1, 2], { y: () => 0.8 }), /v0 fixes u_t at t0/);
});

test("time marching an ODE: each window starts at the previous network's end value and rate", async () => {
  const run = resolveRun(
    problemFactory({ name: "oscillator", params: {}, build: () => oscillator }),
    [
      ...TINY_RUN,
      ["width", 16],
      ["precision", "float64"],
      ["points", 32],
      ["bcPoints", 1],
      ["hard", "y0"],
      ["optimizer", "adam+lbfgs"],
      ["steps", 200],
      ["lr", 1e-2],
      ["lbfgsSteps", 100],
      ["lbfgsPoints", 32],
      ["windows", 2],
    ],
  );
  const out = await trainRun(run, {});
  const [a, b] = out.parts;
  const { predict } = await import("../../src/train/evaluate.js");
  // y and y' of the first window's network at t = 1 are the second window's initial values
  const end = await predict(a.net, a.params, Float64Array.of(1));
  const endRate = await predict(a.net, a.params, Float64Array.of(1), [0]);
  const start = await predict(b.net, b.params, Float64Array.of(1));
  const c = b.problem.conditions;
  assert.ok(c.y0.kind === "initial" && c.y0.value === end[0]);
  assert.ok(c.v0.kind === "initial" && c.v0.value === endRate[0]);
  assert.ok(Math.abs(start[0] - end[0]) < 1e-12, "y0 is imposed exactly (hard)");
  // the stitched solution follows sin t across both windows
  const ts = Float64Array.from({ length: 21 }, (_, i) => i / 10);
  const pred = await out.predictGrid({ axes: [ts], values: {} });
  const err = Math.max(...ts.map((t, i) => Math.abs(pred.values.y[i] - Math.sin(t))));
  assert.ok(err < 1e-3, `max error ${err}`);
  out.dispose();
});

async function trainRunPredict(
  r: Awaited<ReturnType<typeof trainRun>>["result"],
  X: number[],
): Promise<Float64Array> {
  const { predict } = await import("../../src/train/evaluate.js");
  return predict(r.net, r.params, Float64Array.from(X));
}
