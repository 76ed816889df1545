// Causal training (Wang, Sankaran & Perdikaris 2022): the chunk weights against a hand
// computation, the eps schedule, the jax-js loss and its stop-gradient, and the logged records.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { fromData, np, startEngine, tree, valueAndGrad } from "../../src/engine/index.js";
import { causalLoss, causalSchedule, causalWeights, sortByTime } from "../../src/loss/causal.js";
import { validateTrainConfig } from "../../src/train/config.js";
import { resolveRun } from "../../src/train/resolve.js";
import { train } from "../../src/train/trainer.js";
import { TINY_RUN } from "./helpers.js";

before(async () => {
  await startEngine();
});

test("causalWeights: w_i = exp(-eps * sum_{k<i} L_k)", () => {
  const w = causalWeights([0.5, 2, 1, 4], 0.3);
  const hand = [1, Math.exp(-0.3 * 0.5), Math.exp(-0.3 * 2.5), Math.exp(-0.3 * 3.5)];
  w.forEach((v, i) => assert.ok(Math.abs(v - hand[i]) < 1e-15, `w[${i}] ${v} vs ${hand[i]}`));
});

test("causalSchedule steps eps up only when min w exceeds the threshold, up to epsMax", () => {
  const c = { chunks: 3, eps: 0.01, epsMax: 1, growth: 10, threshold: 0.99 };
  let s = causalSchedule.init(c);
  assert.equal(s.eps, 0.01);
  // sum of the first two losses 0.5: min w = exp(-0.005) = 0.995 > 0.99 -> eps 0.1
  s = causalSchedule.update(c, s, [0.25, 0.25, 9]);
  assert.equal(s.eps, 0.1);
  assert.ok(Math.abs(s.weights[2] - Math.exp(-0.005)) < 1e-15);
  // min w = exp(-0.05) = 0.951 < 0.99: stays
  s = causalSchedule.update(c, s, [0.25, 0.25, 9]);
  assert.ok(Math.abs(s.eps - 0.1) < 1e-15);
  s = causalSchedule.update(c, s, [0.01, 0.01, 9]);
  assert.ok(Math.abs(s.eps - 1) < 1e-12);
  s = causalSchedule.update(c, s, [0, 0, 0]);
  assert.ok(Math.abs(s.eps - 1) < 1e-12, "capped at epsMax");
});

test("causalLoss: chunk losses, weighted loss and a gradient that ignores the weights", async () => {
  // 6 points in 3 chunks of 2
  const r = [1, -1, 2, 0, 0.5, 0.5];
  const L = [1, 2, 0.25];
  const eps = 0.2;
  const w = causalWeights(L, eps);
  const loss = (rr: np.Array) =>
    causalLoss(np.square(rr), fromData([eps, eps, eps], [3], "float64")).loss;
  const [v, g] = valueAndGrad(loss)(fromData(r, [6], "float64"));
  const hand = (w[0] * L[0] + w[1] * L[1] + w[2] * L[2]) / 3;
  // jax-js computes exp in float32 even for float64 arrays (DESIGN.md): ~1e-7 relative
  const TOL = 1e-6;
  assert.ok(Math.abs((await v.data())[0] - hand) < TOL * hand);
  // d/dr_j of (1/M) sum_i w_i mean_chunk(r^2) with w held fixed = w_chunk(j) * 2 r_j / N
  const gd = await g.data();
  r.forEach((rj, j) => {
    const want = (w[Math.floor(j / 2)] * 2 * rj) / 6;
    assert.ok(Math.abs(gd[j] - want) <= TOL * Math.abs(want), `grad[${j}] ${gd[j]} vs ${want}`);
  });
  const { loss: l2, chunks } = causalLoss(
    np.square(fromData(r, [6], "float64")),
    fromData([eps, eps, eps], [3], "float64"),
  );
  l2.dispose();
  assert.deepEqual(Array.from(await chunks.data()), L);
});

test("sortByTime orders rows by the time input and keeps targets with their rows", () => {
  const b = sortByTime(
    {
      X: Float64Array.from([0.5, 1, 0.1, 2, 0.9, 3]),
      rows: 3,
      target: Float64Array.from([10, 20, 30]),
    },
    2,
    0,
  );
  assert.deepEqual(Array.from(b.X), [0.1, 2, 0.5, 1, 0.9, 3]);
  assert.deepEqual(Array.from(b.target ?? []), [20, 10, 30]);
});

test("validateTrainConfig names causalChunks when the batch does not split into chunks", () => {
  const run = resolveRun("convection", [["causal", true]]);
  assert.throws(
    () => validateTrainConfig({ ...run.config, points: 1000 }),
    /^Error: causalChunks: points \(1000\)/,
  );
  assert.throws(
    () =>
      resolveRun("convection", [
        ["causal", true],
        ["points", 100],
      ]),
    /causalChunks: points \(100\) must be a multiple of causalChunks \(32\)/,
  );
});

test("causal training logs per-chunk losses and the weights the step used", async () => {
  const run = resolveRun("convection", [
    ["steps", 3],
    ...TINY_RUN,
    ["causal", true],
    ["causalChunks", 4],
    ["causalEps", 0.5],
  ]);
  const r = await train({ problem: run.problem, config: run.config, weights: run.weights });
  tree.dispose(r.params);
  assert.equal(r.history.length, 3);
  for (const h of r.history) {
    const c = h.causal;
    assert.ok(c, "every record carries the causal block");
    assert.equal(c.eps, 0.5);
    const { loss, weight } = c.chunks.res;
    assert.equal(loss.length, 4);
    const hand = causalWeights(loss, 0.5);
    weight.forEach((v, i) => assert.ok(Math.abs(v - hand[i]) < 1e-12));
    // the term's logged loss is the plain mean square: the mean of equal-sized chunks
    const mean = loss.reduce((a, b) => a + b, 0) / 4;
    assert.ok(Math.abs(h.terms.res - mean) / mean < 1e-5, `${h.terms.res} vs ${mean}`);
  }
  assert.deepEqual(r.causal?.weights.length, 4);
});
