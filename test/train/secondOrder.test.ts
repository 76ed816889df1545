// The second-order phases in training: each reaches an accuracy on 1-D Poisson (u = sin(4 pi x))
// that the same budget of Adam steps does not, against the exact solution; LM's residual vector
// and Jacobian agree with the loss and its gradient.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { startEngine, tree } from "../../src/engine/index.js";
import { predictGrid, relativeL2 } from "../../src/train/evaluate.js";
import { type Override, resolveRun } from "../../src/train/resolve.js";
import { train } from "../../src/train/trainer.js";

before(async () => {
  await startEngine();
});

async function relL2(
  extra: readonly Override[],
): Promise<{ err: number; message: string; logged: number | undefined }> {
  const r = resolveRun("poisson1d", [
    ["width", 10],
    ["depth", 1],
    ["precision", "float64"],
    ["bcPoints", 2],
    ["logEvery", 1000],
    ["checkpointEvery", 0],
    ...extra,
  ]);
  const res = await train({ problem: r.problem, config: r.config, weights: r.weights });
  assert.equal(res.status, "completed", res.message);
  const ref = r.problem.reference!();
  const pred = await predictGrid(res.net, res.params, ref, r.problem.fields);
  tree.dispose(res.params);
  const logged = res.history[res.history.length - 1].rel_l2;
  return { err: relativeL2(pred.values, ref.values), message: res.message, logged };
}

test("Levenberg-Marquardt: 1-D Poisson k = 4 to rel L2 < 1e-3 in 120 iterations (Adam: > 1e-1)", async () => {
  const lm = await relL2([
    ["optimizer", "lm"],
    ["lmSteps", 120],
    ["lmPoints", 128],
  ]);
  const adam = await relL2([
    ["optimizer", "adam"],
    ["steps", 600],
    ["points", 128],
    ["lr", 1e-2],
  ]);
  assert.ok(lm.err < 1e-3, `lm rel L2 ${lm.err} (${lm.message})`);
  // the last record's error probe saw the whole grid (1001 points): the same number
  assert.ok(
    lm.logged !== undefined && Math.abs(lm.logged - lm.err) <= 1e-12 * lm.err,
    `logged ${lm.logged} vs ${lm.err}`,
  );
  assert.ok(adam.err > 1e-1, `adam rel L2 ${adam.err}`);
});

test("self-scaled Broyden after Adam improves 1-D Poisson by 10x over Adam alone", async () => {
  const base: Override[] = [
    ["steps", 500],
    ["points", 128],
    ["lr", 1e-2],
  ];
  const adam = await relL2([...base, ["optimizer", "adam"]]);
  const qn = await relL2([
    ...base,
    ["optimizer", "adam+ssbroyden"],
    ["bfgsSteps", 300],
    ["bfgsPoints", 128],
    ["redrawEvery", 100],
    ["redrawPool", 1024],
  ]);
  assert.ok(qn.err < adam.err / 10, `ssbroyden ${qn.err} vs adam ${adam.err} (${qn.message})`);
});

test("LM's residuals and Jacobian: sum r^2 is the weighted loss and 2 J'r its gradient", async () => {
  const { flatObjective, flatResiduals } = await import("../../src/train/objective.js");
  const { prepare, sampleBatches } = await import("../../src/train/setup.js");
  const { flattenParams } = await import("../../src/nets/flat.js");
  const { Rng } = await import("../../src/util/rng.js");
  // modified MLP with weight factorisation: several leaves per layer, so a column permutation
  // between the Jacobian's and the flat vector's orders would show
  const r = resolveRun("helmholtz2d", [
    ["width", 6],
    ["depth", 2],
    ["arch", "modified-mlp"],
    ["rwf", true],
    ["precision", "float64"],
    ["backend", "jax"],
    ["w.bc", 7],
  ]);
  const { problem, net } = prepare(r.problem, r.config);
  const params = net.init(1);
  const { flat: x, layout } = await flattenParams(params);
  tree.dispose(params);
  const batches = sampleBatches(problem, r.config, new Rng(3), 20);
  const ctx = { problem, net, c: r.config } as Parameters<typeof flatObjective>[0];
  const ids = Float64Array.from({ length: layout.size }, (_, i) => i);
  const { unflattenParams } = await import("../../src/nets/flat.js");
  const { orderedLeaves } = await import("../../src/loss/layout.js");
  const order = new Array<number>(layout.size);
  let col = 0;
  const p = unflattenParams(ids, layout, "float64");
  for (const a of orderedLeaves(p)) for (const v of await a.ref.data()) order[v] = col++;
  tree.dispose(p);
  const fo = flatObjective(ctx, null, batches, r.weights, layout);
  const ro = flatResiduals(ctx, batches, r.weights, layout, order);
  const { f, g } = await fo.fg(x);
  const { r: res, J } = await ro.resid(x);
  const P = x.length;
  let ss = 0;
  for (const v of res) ss += v * v;
  // the two paths are compiled apart, and jax-js evaluates the source term's sin to float32
  // accuracy even in float64 (DESIGN.md): they agree to ~1e-8, not to rounding
  assert.ok(Math.abs(ss - f) <= 1e-6 * f, `sum r^2 ${ss} vs loss ${f}`);
  let worst = 0;
  const gmax = Math.max(...g.map(Math.abs));
  for (let j = 0; j < P; j++) {
    let jr = 0;
    for (let i = 0; i < res.length; i++) jr += J[i * P + j] * res[i];
    worst = Math.max(worst, Math.abs(2 * jr - g[j]));
  }
  assert.ok(worst <= 1e-6 * gmax, `max |2 J'r - grad| = ${worst} (max |grad| ${gmax})`);
  fo.dispose();
  ro.dispose();
});
