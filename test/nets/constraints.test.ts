// Hard constraints (src/nets/constraints.ts): the constrained network meets its initial and
// Dirichlet data exactly (to float32 rounding of the data itself) at random boundary points, its
// derivatives there are the data's, and periodicity through the embedding is exact.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { fromData, startEngine, tree } from "../../src/engine/index.js";
import { inputJet } from "../../src/jet/jet.js";
import { jetLayout } from "../../src/jet/multiindex.js";
import { hardPlan } from "../../src/nets/constraints.js";
import type { Condition } from "../../src/problem/conditions.js";
import { resolveRun } from "../../src/train/resolve.js";
import { prepare } from "../../src/train/trainer.js";
import { Rng } from "../../src/util/rng.js";

before(async () => {
  await startEngine();
});

/** Values (and one derivative channel) of the prepared network at points X [n, dims]. */
async function evalNet(problem: string, hard: string, X: Float64Array, deriv: number[] = []) {
  const run = resolveRun(problem, [
    ["hard", hard],
    ["width", 16],
    ["depth", 2],
  ]);
  const { net, problem: p } = prepare(run.problem, run.config);
  const params = net.init(3);
  const dims = run.problem.domain.inputs.length;
  const n = X.length / dims;
  const layout = jetLayout(dims, deriv.length ? [deriv] : []);
  const out = net.applyJet(params, inputJet(layout, fromData(X, [n, dims], "float32")));
  const u = Float64Array.from(await (out.ch[0] as { data(): Promise<Float32Array> }).data());
  const k = deriv.length ? (layout.indexOf(deriv) as number) : -1;
  const du =
    k >= 0
      ? Float64Array.from(await (out.ch[k] as { data(): Promise<Float32Array> }).data())
      : null;
  for (const c of out.ch.slice(1)) if (c && c !== out.ch[k]) c.dispose();
  tree.dispose(params);
  return { u, du, run, termNames: p.termNames };
}

/** n random points with input `fixed` pinned to `value`, in the problem's box. */
function boundary(problem: string, n: number, pin: Record<string, number>, seed: number) {
  const d = resolveRun(problem, []).problem.domain;
  const rng = new Rng(seed);
  const X = new Float64Array(n * d.inputs.length);
  for (let r = 0; r < n; r++) {
    d.inputs.forEach((name, i) => {
      X[r * d.inputs.length + i] = Object.hasOwn(pin, name)
        ? pin[name]
        : d.lo[i] + (d.hi[i] - d.lo[i]) * rng.uniform();
    });
  }
  return { X, inputs: d.inputs };
}

/** The condition's value at the rows of X (float64). */
function targets(cond: Condition, X: Float64Array, inputs: readonly string[]): number[] {
  if (cond.kind !== "initial" && cond.kind !== "dirichlet") throw new Error("no value");
  const v = cond.value;
  const n = X.length / inputs.length;
  return Array.from({ length: n }, (_, r) => {
    const p = Object.fromEntries(inputs.map((name, i) => [name, X[r * inputs.length + i]]));
    return typeof v === "number" ? v : v(p);
  });
}

// float32 rounding of the data's own evaluation (inputs rounded to float32, sin/exp in float32)
const TOL = 2e-6;

const cases: { problem: string; hard: string; cond: string; pin: Record<string, number>[] }[] = [
  { problem: "convection", hard: "ic", cond: "ic", pin: [{ t: 0 }] },
  { problem: "reaction", hard: "ic", cond: "ic", pin: [{ t: 0 }] },
  { problem: "allen-cahn", hard: "ic", cond: "ic", pin: [{ t: 0 }] },
  { problem: "kdv", hard: "ic", cond: "ic", pin: [{ t: 0 }] },
  { problem: "burgers", hard: "ic,bc", cond: "ic", pin: [{ t: 0 }] },
  { problem: "burgers", hard: "ic,bc", cond: "bc", pin: [{ x: -1 }, { x: 1 }] },
  { problem: "wave1d", hard: "bc", cond: "bc", pin: [{ x: 0 }, { x: 1 }] },
  { problem: "wave1d", hard: "ic,ic_t,bc", cond: "ic", pin: [{ t: 0 }] },
  { problem: "wave1d", hard: "ic,ic_t,bc", cond: "bc", pin: [{ x: 0 }, { x: 1 }] },
  { problem: "klein-gordon", hard: "ic,bc", cond: "ic", pin: [{ t: 0 }] },
  { problem: "klein-gordon", hard: "ic,bc", cond: "bc", pin: [{ x: 0 }, { x: 1 }] },
  { problem: "poisson1d", hard: "bc", cond: "bc", pin: [{ x: 0 }, { x: 1 }] },
  {
    problem: "helmholtz2d",
    hard: "bc",
    cond: "bc",
    pin: [{ x: -1 }, { x: 1 }, { y: -1 }, { y: 1 }],
  },
];

for (const c of cases) {
  test(`${c.problem} hard=${c.hard}: ${c.cond} holds exactly at random boundary points`, async () => {
    for (const [j, pin] of c.pin.entries()) {
      const { X, inputs } = boundary(c.problem, 64, pin, 17 + j);
      const { u, run, termNames } = await evalNet(c.problem, c.hard, X);
      for (const h of c.hard.split(",")) assert.ok(!termNames.includes(h), `${h} left the loss`);
      const want = targets(run.problem.conditions[c.cond], X, inputs);
      want.forEach((w, r) => {
        assert.ok(
          Math.abs(u[r] - w) <= TOL * Math.max(1, Math.abs(w)),
          `row ${r}: ${u[r]} vs ${w}`,
        );
      });
    }
  });
}

test("the constrained network is not the data away from the boundary (the net still matters)", async () => {
  const { X } = boundary("convection", 32, { t: 0.5 }, 5);
  const { u } = await evalNet("convection", "ic", X);
  const dev = u.reduce((m, v, r) => Math.max(m, Math.abs(v - Math.sin(X[2 * r + 1]))), 0);
  assert.ok(dev > 1e-3, `max deviation ${dev}`);
});

test("hard ic: derivatives at t0 are the data's (u_x = cos x, u_xx = -sin x for convection)", async () => {
  const { X } = boundary("convection", 32, { t: 0 }, 9);
  const ux = await evalNet("convection", "ic", X, [1]);
  const uxx = await evalNet("convection", "ic", X, [1, 1]);
  for (let r = 0; r < 32; r++) {
    const x = X[2 * r + 1];
    assert.ok(Math.abs((ux.du as Float64Array)[r] - Math.cos(x)) <= TOL, `u_x row ${r}`);
    assert.ok(Math.abs((uxx.du as Float64Array)[r] + Math.sin(x)) <= TOL, `u_xx row ${r}`);
  }
});

test("hard ic,ic_t: u_t(0, x) = 0 exactly for the wave, and the net still shapes u_t later", async () => {
  const { X } = boundary("wave1d", 32, { t: 0 }, 13);
  // jet index [0] is d/dt (inputs t, x)
  const at0 = await evalNet("wave1d", "ic,ic_t,bc", X, [0]);
  for (let r = 0; r < 32; r++) {
    assert.ok(Math.abs((at0.du as Float64Array)[r]) <= TOL, `u_t row ${r}`);
  }
  assert.ok(!at0.termNames.includes("ic_t"), "ic_t left the loss");
  const later = boundary("wave1d", 32, { t: 0.5 }, 13);
  const { du } = await evalNet("wave1d", "ic,ic_t,bc", later.X, [0]);
  const dev = (du as Float64Array).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assert.ok(dev > 1e-3, `max |u_t| at t = 0.5: ${dev}`);
});

test("hard periodic (embedding): u and u_x agree at both ends of x", async () => {
  const { X: L } = boundary("reaction-diffusion", 32, { x: 0 }, 11);
  const R = Float64Array.from(L);
  for (let r = 0; r < 32; r++) R[2 * r + 1] = 2 * Math.PI;
  for (const deriv of [[], [1]]) {
    const a = await evalNet("reaction-diffusion", "bc", L, deriv);
    const b = await evalNet("reaction-diffusion", "bc", R, deriv);
    const va = deriv.length ? (a.du as Float64Array) : a.u;
    const vb = deriv.length ? (b.du as Float64Array) : b.u;
    for (let r = 0; r < 32; r++) assert.ok(Math.abs(va[r] - vb[r]) <= TOL, `row ${r}`);
  }
});

test("hard: errors name the key and the condition", () => {
  assert.throws(
    () => resolveRun("convection", [["hard", "nope"]]),
    /--set hard=nope: no condition named "nope"/,
  );
  const wave = resolveRun("wave1d", []).problem;
  assert.throws(
    () => hardPlan(wave, ["ic_t"]),
    /hard: ic_t fixes u_t at t0 exactly only with u\(t0\) hard too/,
  );
  // Klein-Gordon's Dirichlet data depend on time: the rate form would need their t-derivative
  const kg = resolveRun("klein-gordon", []).problem;
  assert.throws(
    () => hardPlan(kg, ["ic", "ic_t", "bc"]),
    /hard: ic_t with bc needs a constant Dirichlet value/,
  );
});
