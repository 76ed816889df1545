// The trainer's adaptive weights: the first update must equal the scheme's formula applied to
// statistics measured independently on the same parameters and batch.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startEngine, tree } from "../../src/engine/index.js";
import { gradientStats, makeTermGradients, readTermGradients } from "../../src/loss/gradients.js";
import { paramLayout } from "../../src/loss/layout.js";
import { type Batches, uploadBatches } from "../../src/train/backend.js";
import { type Override, resolveRun } from "../../src/train/resolve.js";
import { networkFor, sampleBatches, train } from "../../src/train/trainer.js";
import { Rng } from "../../src/util/rng.js";

await startEngine();

const base: Override[] = [
  ["optimizer", "adam"],
  ["width", 16],
  ["depth", 2],
  ["points", 64],
  ["bcPoints", 32],
  ["logEvery", 1],
  ["seed", 4],
];

test("weighting=gradnorm: the first update is learning-rate annealing of the measured gradients", async () => {
  const every = 5;
  // weights stay 1 until the first update, so a fixed-weight run of `every` steps reaches the
  // same parameters the gradnorm run has when it first updates
  const fixed = resolveRun("helmholtz2d", [...base, ["steps", every]]);
  const r5 = await train({ problem: fixed.problem, config: fixed.config });
  // replay the sampler to the batch of the last of those steps
  const rng = new Rng(fixed.config.seed);
  let batch: Batches = sampleBatches(fixed.problem, fixed.config, rng, fixed.config.points);
  for (let k = 1; k < every; k++)
    batch = sampleBatches(fixed.problem, fixed.config, rng, fixed.config.points);
  const net = networkFor(fixed.problem, fixed.config);
  const layout = paramLayout(r5.params);
  const [X, T] = uploadBatches(fixed.problem, batch, fixed.config);
  const [G, L] = makeTermGradients(fixed.problem, net)(r5.params, X, T);
  const tg = await readTermGradients(fixed.problem.termNames, G, L);
  const ratio = gradientStats(tg.grads, layout, fixed.problem.terms).imbalance[0].ratio;
  // Wang, Teng & Perdikaris (2021) as in their code: lambda <- 0.9 lambda + 0.1 lambda_hat with
  // lambda_hat = max|grad L_res| / mean|grad (lambda L_bc)|; from lambda = 1 that is 0.9 + 0.1 ratio
  const want = 0.9 * 1 + 0.1 * ratio;

  const adaptive = resolveRun("helmholtz2d", [
    ...base,
    ["steps", every + 1],
    ["weighting", "gradnorm"],
    ["weightEvery", every],
  ]);
  const r6 = await train({ problem: adaptive.problem, config: adaptive.config });
  tree.dispose(r6.params);
  assert.deepEqual(
    r6.history[every - 1].weights,
    { res: 1, bc: 1 },
    "weights fixed before the update",
  );
  const got = r6.history[every].weights.bc;
  // float32 gradients (kernel backend vs jax-js for the measurement): ~1e-5 relative
  assert.ok(Math.abs(got - want) <= 1e-3 * want, `bc weight ${got}, formula ${want}`);
  assert.equal(r6.history[every].weights.res, 1, "the residual keeps weight 1");
  assert.ok(ratio > 10, `helmholtz's boundary gradients are weaker than the residual's (${ratio})`);
});

test("weighting=self-adaptive: after the first Adam ascent every point weight is (1 + saLr)^2, on both backends", async () => {
  const every = 3;
  const lr = 0.5;
  for (const backend of ["jax", "kernels"] as const) {
    const common: Override[] = [...base, ["resampleEvery", 0], ["backend", backend]];
    const fixed = resolveRun("helmholtz2d", [...common, ["steps", every + 1]]);
    const rf = await train({ problem: fixed.problem, config: fixed.config });
    const sa = resolveRun("helmholtz2d", [
      ...common,
      ["steps", every + 1],
      ["weighting", "self-adaptive"],
      ["weightEvery", every],
      ["saLr", lr],
    ]);
    const rs = await train({ problem: sa.problem, config: sa.config });
    tree.dispose(rf.params);
    tree.dispose(rs.params);
    for (let k = 0; k < every; k++)
      assert.equal(
        rs.history[k].loss,
        rf.history[k].loss,
        `${backend} step ${k}: lambda = 1 so far`,
      );
    // Step `every` starts from the same parameters in both runs; Adam's first step moves each
    // lambda_j by lr * g / (|g| + 1e-8) ~ lr, so m(lambda) = lambda^2 = (1 + lr)^2 at every point:
    // the weighted total scales by 2.25 while the logged plain means stay as they were.
    const want = (1 + lr) ** 2 * rf.history[every].loss;
    const got = rs.history[every].loss;
    assert.ok(Math.abs(got - want) <= 1e-3 * want, `${backend}: total ${got} vs ${want}`);
    for (const t of sa.problem.termNames) {
      const a = rs.history[every].terms[t];
      const b = rf.history[every].terms[t];
      assert.ok(Math.abs(a - b) <= 1e-6 * b, `${backend} ${t}: plain mean ${a} vs ${b}`);
    }
  }
});

test("weighting=self-adaptive needs fixed points: resampleEvery != 0 is rejected naming the key", () => {
  assert.throws(
    () => resolveRun("helmholtz2d", [["weighting", "self-adaptive"]]),
    /^Error: resampleEvery: weighting=self-adaptive keeps one trainable weight per point/,
  );
  assert.doesNotThrow(() =>
    resolveRun("helmholtz2d", [
      ["weighting", "self-adaptive"],
      ["resampleEvery", 0],
    ]),
  );
});
