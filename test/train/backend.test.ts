// The fused-kernel backend must train exactly like the jax-js backend: same parameters in, same
// batches, same Adam, so the loss histories agree up to float32 rounding, step after step.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startEngine, tree } from "../../src/engine/index.js";
import { type Override, resolveRun } from "../../src/train/resolve.js";
import { train } from "../../src/train/trainer.js";

await startEngine();

async function losses(problem: string, extra: Override[]) {
  const out: Record<string, number[]> = {};
  for (const backend of ["jax", "kernels"] as const) {
    const run = resolveRun(problem, [
      ["steps", 40],
      ["optimizer", "adam"],
      ["logEvery", 1],
      ["width", 16],
      ["depth", 3],
      ["points", 256],
      ["bcPoints", 64],
      ["backend", backend],
      ...extra,
    ]);
    const r = await train({ problem: run.problem, config: run.config, weights: run.weights });
    assert.equal(r.backend, backend);
    tree.dispose(r.params);
    out[backend] = r.history.map((h) => h.loss);
  }
  return out;
}

for (const [problem, extra] of [
  ["burgers", []],
  ["kdv", [["activation", "sin"]]],
  ["helmholtz2d", [["activation", "gelu"]]],
  [
    "burgers",
    [
      ["arch", "modified-mlp"],
      ["fourier", 8],
    ],
  ],
  ["convection", [["periodicEmbedding", true]]],
  // causal weights and hard constraints live in the jax-js part of the kernel route
  [
    "convection",
    [
      ["causal", true],
      ["causalChunks", 8],
      ["hard", "ic,bc"],
      ["beta", 5],
    ],
  ],
  [
    "burgers",
    [
      ["causal", true],
      ["causalChunks", 16],
      ["causalEps", 0.01],
      ["causalEpsMax", 100],
      ["hard", "ic,bc"],
    ],
  ],
] as [string, Override[]][]) {
  const label = [problem, ...extra.map(([k, v]) => `${k}=${String(v)}`)].join(" ");
  test(`${label}: kernel and jax backends give the same loss history over 40 Adam steps`, async () => {
    const { jax, kernels } = await losses(problem, extra);
    assert.equal(jax.length, 40);
    assert.equal(kernels.length, 40);
    for (let k = 0; k < jax.length; k++) {
      // float32 rounding differs (summation order, tanh approximation ~1e-7): a few 1e-5 relative
      // after 40 steps of Adam; a wrong gradient would differ at O(1) within a few steps
      const rel = Math.abs(jax[k] - kernels[k]) / Math.abs(jax[k]);
      assert.ok(rel < 1e-3, `step ${k}: jax ${jax[k]} kernels ${kernels[k]}`);
    }
  });
}

test("backend=auto runs the kernels for every network, float64 included, without a note", async () => {
  const run = resolveRun("convection", [
    ["steps", 2],
    ["optimizer", "adam"],
    ["width", 8],
    ["depth", 1],
    ["points", 32],
    ["precision", "float64"],
  ]);
  const notes: string[] = [];
  const r = await train({ problem: run.problem, config: run.config, onNote: (m) => notes.push(m) });
  tree.dispose(r.params);
  assert.equal(r.backend, "kernels");
  assert.deepEqual(notes, []);
});

test("L-BFGS after Adam: the kernel objective follows the jax-js one", async () => {
  const hist: Record<string, number[]> = {};
  for (const backend of ["jax", "kernels"] as const) {
    const run = resolveRun("burgers", [
      ["steps", 20],
      ["optimizer", "adam+lbfgs"],
      ["lbfgsSteps", 8],
      ["lbfgsPoints", 256],
      ["logEvery", 1],
      ["width", 16],
      ["depth", 3],
      ["points", 256],
      ["bcPoints", 64],
      ["backend", backend],
    ]);
    const r = await train({ problem: run.problem, config: run.config, weights: run.weights });
    tree.dispose(r.params);
    hist[backend] = r.history.filter((h) => h.phase === "lbfgs").map((h) => h.loss);
  }
  assert.equal(hist.jax.length, 8);
  assert.equal(hist.kernels.length, 8);
  for (let k = 0; k < 8; k++) {
    // float32 gradients that differ in the last bits can move a line search's accepted step a
    // little; a wrong objective or gradient would not decrease the loss in step with jax-js
    const rel = Math.abs(hist.jax[k] - hist.kernels[k]) / hist.jax[k];
    assert.ok(rel < 1e-2, `L-BFGS iteration ${k}: jax ${hist.jax[k]} kernels ${hist.kernels[k]}`);
  }
  assert.ok(hist.kernels[7] < hist.kernels[0], "L-BFGS decreases the loss");
});
