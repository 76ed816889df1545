// Residual-adaptive samplers (Wu et al. 2023): RAD's distribution against hand probabilities,
// RAR's refinement set, and both wired into training with a fixed batch shape.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { startEngine, tree } from "../../src/engine/index.js";
import { adaptiveSampler, drawAdaptive } from "../../src/sampling/adaptive.js";
import { resolveRun } from "../../src/train/resolve.js";
import { train } from "../../src/train/trainer.js";
import { Rng } from "../../src/util/rng.js";
import { TINY_RUN } from "../train/helpers.js";

before(async () => {
  await startEngine();
});

test("RAD: p ~ |r|^k / mean|r|^k + c, drawn by inverse CDF", () => {
  const cfg = { kind: "rad", k: 2, c: 1 } as const;
  // 1-D pool {0, 1, 2, 3}, residuals 0, 1, 1, 2: |r|^2 = 0, 1, 1, 4, mean 1.5
  const s = adaptiveSampler.update(cfg, adaptiveSampler.init(cfg), [0, 1, 2, 3], [0, -1, 1, 2], 1);
  const w = [0 / 1.5 + 1, 1 / 1.5 + 1, 1 / 1.5 + 1, 4 / 1.5 + 1];
  const total = w.reduce((a, b) => a + b, 0);
  if (s.kind !== "rad") throw new Error("kind");
  let acc = 0;
  w.forEach((v, i) => {
    acc += v / total;
    assert.ok(Math.abs(s.cdf[i] - acc) < 1e-12);
  });
  const n = 40000;
  const X = drawAdaptive(s, new Rng(1), n, [0], [3]);
  const counts = [0, 0, 0, 0];
  for (const x of X) counts[x]++;
  counts.forEach((cnt, i) => {
    const p = w[i] / total;
    const sd = Math.sqrt((p * (1 - p)) / n);
    assert.ok(Math.abs(cnt / n - p) < 5 * sd, `point ${i}: ${cnt / n} vs ${p}`);
  });
  // before any measurement RAD is uniform in the box
  const u = drawAdaptive(adaptiveSampler.init(cfg), new Rng(2), 100, [5], [6]);
  assert.ok(u.every((v) => v >= 5 && v <= 6));
});

test("RAR: adds the largest residuals, keeps at most max points, fills the batch uniformly", () => {
  const cfg = { kind: "rar", add: 2, max: 3 } as const;
  let s = adaptiveSampler.init(cfg);
  s = adaptiveSampler.update(cfg, s, [10, 11, 12, 13, 14], [0.1, -5, 0.2, 3, 0], 1);
  assert.deepEqual(s.kind === "rar" && s.added, [11, 13]);
  s = adaptiveSampler.update(cfg, s, [20, 21, 22], [7, 0, -9], 1);
  // [11, 13, 22, 20] capped at 3, oldest dropped
  assert.deepEqual(s.kind === "rar" && s.added, [13, 22, 20]);
  const X = drawAdaptive(s, new Rng(3), 5, [0], [1]);
  assert.deepEqual(Array.from(X.subarray(0, 3)), [13, 22, 20]);
  assert.ok(X[3] >= 0 && X[3] <= 1 && X[4] >= 0 && X[4] <= 1);
});

for (const sampler of ["rad", "rar"] as const) {
  test(`sampler=${sampler} trains with a fixed batch and refreshes its state`, async () => {
    const run = resolveRun("convection", [
      ["steps", 6],
      ...TINY_RUN,
      ["sampler", sampler],
      ["adaptEvery", 2],
      ["adaptPool", 256],
      ["rarAdd", 8],
    ]);
    const r = await train({ problem: run.problem, config: run.config, weights: run.weights });
    tree.dispose(r.params);
    assert.equal(r.status, "completed");
    assert.equal(r.history.length, 6);
    assert.ok(r.history.every((h) => Number.isFinite(h.loss)));
  });
}

test("adaptive keys are validated with the key named", () => {
  assert.throws(
    () =>
      resolveRun("convection", [
        ["sampler", "rar"],
        ["rarAdd", 600],
        ["points", 1024],
      ]),
    /^Error: rarAdd: 600 exceeds half/,
  );
  assert.throws(
    () =>
      resolveRun("convection", [
        ["sampler", "rad"],
        ["adaptPool", 10],
      ]),
    /^Error: adaptPool: 10 candidates/,
  );
});
