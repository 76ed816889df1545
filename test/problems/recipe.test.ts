// The default recipe for problems nobody tuned (issue 14): a problem file trains with it unless a
// preset is named, `--preset plain` stays the vanilla PINN, `pinnlab train` gives a built-in
// problem its measured best; `train()` without a configuration trains the recipe; output scaling measures each field's data and scales the network's every jet channel by it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadProblemFile } from "../../src/cli/problemFile.js";
import { fromData, startEngine, tree } from "../../src/engine/index.js";
import { disk } from "../../src/geometry/domain.js";
import { dirichlet } from "../../src/problem/conditions.js";
import { defineProblem, domainMask } from "../../src/problem/problem.js";
import { asBuiltin } from "../../src/problems/factory.js";
import { predictGrid, relativeL2 } from "../../src/train/evaluate.js";
import { train } from "../../src/train/trainer.js";
import { jetLayout } from "../../src/jet/multiindex.js";
import { inputJet } from "../../src/jet/jet.js";
import { outputScales } from "../../src/nets/scaling.js";
import { problemFactory } from "../../src/problems/factory.js";
import { DEFAULT_RECIPE, canRedraw, defaultRecipeConfig } from "../../src/problems/presets.js";
import { defaultTrainConfig } from "../../src/train/config.js";
import { commandPreset, resolveRun } from "../../src/train/resolve.js";
import { getProblem } from "../../src/problems/index.js";
import { networkFor } from "../../src/train/setup.js";
import { Rng } from "../../src/util/rng.js";

test("a problem file trains with the default recipe; --preset plain is the vanilla PINN", async () => {
  const beam = await loadProblemFile("bench/unseen/beam.ts");
  const implicit = resolveRun(beam, []);
  // no preset: the recipe and the autopilot; --preset default: the recipe alone
  assert.deepEqual(implicit.config, { ...defaultRecipeConfig(), auto: true });
  assert.deepEqual(resolveRun(beam, [], "default").config, defaultRecipeConfig());
  assert.equal(resolveRun(beam, [["auto", false]]).config.auto, false, "--set auto=false");
  assert.equal(implicit.config.precision, "float64");
  assert.equal(implicit.config.optimizer, "adam+ssbroyden");
  assert.equal(implicit.config.outputScale, "data");
  for (const [k, v] of Object.entries(DEFAULT_RECIPE.set)) {
    assert.equal(String((implicit.config as unknown as Record<string, unknown>)[k]), String(v), k);
  }
  assert.deepEqual(resolveRun(beam, [], "plain").config, defaultTrainConfig(), "plain: vanilla");
  assert.equal(resolveRun(beam, [["width", 7]]).config.width, 7, "the user's --set wins");
  // resolveRun keeps a built-in problem's own defaults unless a preset is named; the command
  // names its best (a problem file's none: the recipe above)
  assert.deepEqual(resolveRun("burgers", []).config, resolveRun("burgers", [], "plain").config);
  assert.equal(commandPreset(getProblem("burgers")), "best");
  assert.equal(commandPreset(beam), undefined);
  assert.equal(resolveRun("burgers", [], "default").config.optimizer, "adam+ssbroyden");
  // each time window has its own initial values, so output scaling and marching are refused
  assert.throws(() => resolveRun(beam, [["windows", 4]]), /outputScale: data is not supported/);
  assert.equal(
    resolveRun(beam, [
      ["windows", 4],
      ["outputScale", "none"],
    ]).config.windows,
    4,
  );
});

test("a factory's own training defaults apply over the recipe", () => {
  const file = {
    ...problemFactory({
      name: "f",
      params: {},
      defaults: { width: 12, steps: 10 },
      build: () => resolveRun("poisson1d", []).problem,
    }),
    source: "/nowhere/f.ts",
  };
  const c = resolveRun(file, []).config;
  assert.equal(c.width, 12);
  assert.equal(c.steps, 10);
  assert.equal(c.precision, "float64", "the recipe's other keys stay");
});

test("output scales come from each field's value data; the network's jets scale with them", async () => {
  const furnace = (await loadProblemFile("bench/unseen/furnace.ts")).build({});
  assert.deepEqual(outputScales(furnace), [1300], "u(0) = 300, u(1) = 1300");
  // y1(0) = 1; y2(0) = 0 gives no scale
  const spiral = (await loadProblemFile("bench/unseen/spiral.ts")).build({});
  assert.deepEqual(outputScales(spiral), [1, 1]);
  // the largest |initial value| of sin(pi x) sin(pi y) at 256 random points: just below 1
  const heat = (await loadProblemFile("bench/unseen/heat2d.ts")).build({});
  const [s] = outputScales(heat);
  assert.ok(s > 0.95 && s <= 1, `heat2d scale ${s}`);
  // u(+-1) = sin(+-4 pi) is zero up to round-off (4.9e-16): no scale, not a scale of 5e-16
  const poisson = resolveRun("poisson1d", []).problem;
  const ends = poisson.terms.find((t) => t.name === "bc")?.sample(new Rng(0), 8, "uniform");
  const largest = Math.max(...Array.from(ends?.target ?? [], Math.abs));
  assert.ok(largest > 0 && largest < 1e-15, `poisson1d's end values ${largest}`);
  assert.deepEqual(outputScales(poisson), [1]);
  // every channel (value and derivatives) of the scaled network is 1300 x the unscaled one's
  await startEngine();
  const c = { ...defaultRecipeConfig(), width: 8, depth: 2 };
  const layout = jetLayout(1, [[0], [0, 0], [0, 0, 0, 0]]);
  const X = [0, 0.3, 0.7, 1];
  const jets = (["data", "none"] as const).map((outputScale) => {
    const net = networkFor(furnace, { ...c, outputScale });
    const out = net.applyJet(net.init(3), inputJet(layout, fromData(X, [4, 1], "float64")));
    return out.ch.map((ch) => (ch ? Array.from(ch.dataSync()) : []));
  });
  assert.equal(jets[0].length, layout.channels.length);
  jets[0].forEach((ch, k) =>
    ch.forEach((v, i) => {
      const want = 1300 * jets[1][k][i];
      assert.ok(Math.abs(v - want) <= 1e-12 * Math.max(1, Math.abs(want)), `ch ${k}[${i}]`);
    }),
  );
});

test("on a disk the recipe keeps its second-order points fixed (RAD needs a box) and trains", async () => {
  // u = x solves Laplace's equation in the unit disk with u = cos(theta) on the circle
  const problem = defineProblem({
    name: "laplace-disk",
    domain: disk([0, 0], 1),
    fields: ["u"],
    residuals: { res: ({ d }) => d("u", "xx").add(d("u", "yy")) },
    conditions: { bc: dirichlet("u", "circle", (p) => Math.cos(Math.atan2(p.y, p.x))) },
    exact: (p) => p.x,
  });
  assert.equal(canRedraw(problem), false);
  assert.equal(defaultRecipeConfig(problem).redrawEvery, 0);
  assert.equal(defaultRecipeConfig(resolveRun("poisson1d", []).problem).redrawEvery, 500);
  const file = asBuiltin(problem, "/nowhere/disk.ts");
  assert.equal(resolveRun(file, []).config.redrawEvery, 0);
  assert.equal(resolveRun(file, [], "default").config.redrawEvery, 0);
  assert.equal(resolveRun(file, [["redrawEvery", 7]]).config.redrawEvery, 7, "unless asked");
  // a short run of the recipe end to end (it failed at the second-order phase before)
  await startEngine();
  const run = resolveRun(file, [
    ["steps", 200],
    ["bfgsSteps", 200],
    ["points", 256],
    ["bfgsPoints", 256],
    ["bcPoints", 64],
  ]);
  const r = await train({ problem: run.problem, config: run.config, weights: run.weights });
  assert.equal(r.status, "completed");
  const ref = problem.reference!();
  const mask = domainMask(problem.domain, ref.axes) ?? undefined;
  const pred = await predictGrid(r.net, r.params, ref, problem.fields);
  const err = relativeL2(pred.values, ref.values, mask);
  tree.dispose(r.params);
  assert.ok(err < 1e-2, `rel L2 ${err}`);
});

test("train() without a configuration trains the default recipe; some keys go over it", async () => {
  const problem = resolveRun("poisson1d", []).problem;
  const keys = { steps: 4, bfgsSteps: 3, points: 32, bfgsPoints: 32, bcPoints: 2, logEvery: 1 };
  const r = await train({ problem, config: keys });
  assert.equal(r.status, "completed", r.message);
  assert.deepEqual(r.config, defaultRecipeConfig(problem, keys));
  assert.equal(r.config.precision, "float64");
  assert.equal(r.config.outputScale, "data");
  assert.equal(r.config.redrawEvery, 500, "a box domain keeps the recipe's RAD redraws");
  // the recipe's phases ran: 4 Adam steps, then self-scaled Broyden
  const phases = new Set(r.history.map((h) => h.phase));
  assert.deepEqual([...phases], ["adam", "ssbroyden"]);
  assert.ok(Number.isFinite(r.finalTerms.res));
  // keys are checked before anything trains, the culprit named
  await assert.rejects(
    train({ problem, config: { stepz: 3 } as never }),
    /config\.stepz: unknown training key/,
  );
  await assert.rejects(
    train({ problem, config: { weighting: "self-adaptive", resampleEvery: 10 } }),
    /resampleEvery/,
  );
});
