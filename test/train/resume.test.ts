// Checkpoints, resume and divergence rollback of the training loop (library level): a run resumed
// from a checkpoint (round-tripped through the checkpoint file format) logs exactly the losses,
// weights and learning rates of the uninterrupted run, on both step backends.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { startEngine, tree } from "../../src/engine/index.js";
import { learningRate } from "../../src/optim/adam.js";
import { decodeCheckpoint, encodeCheckpoint } from "../../src/store/checkpoint.js";
import { type Override, type ResolvedRun, resolveRun } from "../../src/train/resolve.js";
import type { TrainState } from "../../src/train/state.js";
import { type StepRecord, type TrainResult, train } from "../../src/train/trainer.js";

before(async () => {
  await startEngine();
});

function tiny(extra: readonly Override[]): ResolvedRun {
  return resolveRun("convection", [
    ["width", 8],
    ["depth", 2],
    ["points", 64],
    ["bcPoints", 16],
    ["optimizer", "adam"],
    ["logEvery", 1],
    ...extra,
  ]);
}

/** A record without its wall time, losses as exact bit patterns. */
function exact(r: StepRecord): string {
  const bits = (v: number) => Buffer.from(Float64Array.of(v).buffer).toString("hex");
  const terms = Object.entries(r.terms).map(([k, v]) => `${k}=${bits(v)}`);
  const w = Object.entries(r.weights).map(([k, v]) => `${k}=${bits(v)}`);
  return `${r.phase} ${r.step} ${bits(r.loss)} ${terms.join(",")} lr=${bits(r.lr)} w:${w.join(",")}`;
}

async function run(r: ResolvedRun, o: { resume?: TrainState } = {}) {
  const checkpoints: TrainState[] = [];
  const res: TrainResult = await train({
    problem: r.problem,
    config: r.config,
    weights: r.weights,
    resume: o.resume,
    onCheckpoint: (s) => void checkpoints.push(s),
  });
  tree.dispose(res.params);
  return { res, checkpoints };
}

const CASES: [string, Override[]][] = [
  [
    "backend=kernels, relobralo, resampling every 3",
    [
      ["backend", "kernels"],
      ["weighting", "relobralo"],
      ["resampleEvery", 3],
    ],
  ],
  [
    "backend=jax, relobralo, resampling every 3",
    [
      ["backend", "jax"],
      ["weighting", "relobralo"],
      ["resampleEvery", 3],
    ],
  ],
  [
    "backend=kernels, float64",
    [
      ["backend", "kernels"],
      ["precision", "float64"],
      ["weighting", "relobralo"],
      ["resampleEvery", 3],
    ],
  ],
  [
    "backend=kernels, self-adaptive point weights",
    [
      ["backend", "kernels"],
      ["weighting", "self-adaptive"],
      ["resampleEvery", 0],
    ],
  ],
];

for (const [label, extra] of CASES) {
  test(`resume from a checkpoint continues bit for bit (${label}, L-BFGS after, checkpointed too)`, async () => {
    const r = tiny([
      ...extra,
      ["steps", 30],
      ["checkpointEvery", 10],
      ["weightEvery", 4],
      ["optimizer", "adam+lbfgs"],
      ["lbfgsSteps", 15],
      ["lbfgsPoints", 64],
    ]);
    const full = await run(r);
    assert.equal(full.res.status, "completed", full.res.message);
    assert.equal(
      full.res.history.filter((h) => h.phase === "lbfgs").length,
      15,
      "all 15 L-BFGS iterations ran",
    );
    assert.deepEqual(
      full.checkpoints.map((c) => c.step),
      [10, 20, 30, 40, 45],
      "a checkpoint every 10 steps (of Adam, then of L-BFGS) and one when each phase ends",
    );
    assert.equal(full.checkpoints[3].second?.kind, "lbfgs");
    assert.equal(full.checkpoints[3].second?.iter, 10);
    assert.equal(full.checkpoints[0].weighting.updates, 2, "weights updated at steps 4 and 8");
    for (const at of [1, 2, 4]) {
      const ck = full.checkpoints[at - 1];
      // through the file format: what a resumed process reads back
      const back = decodeCheckpoint(encodeCheckpoint(ck), "mem");
      assert.deepEqual(back, ck, "checkpoint encoding round-trips exactly");
      const resumed = await run(r, { resume: back });
      assert.equal(resumed.res.status, "completed", resumed.res.message);
      const want = full.res.history.filter((h) => h.step >= ck.step).map(exact);
      const got = resumed.res.history.map(exact);
      assert.ok(
        want.some((l) => l.startsWith("lbfgs")),
        "the L-BFGS phase is compared too",
      );
      assert.deepEqual(got, want, `resumed from step ${ck.step}`);
      assert.deepEqual(resumed.res.finalWeights, full.res.finalWeights);
    }
  });
}

for (const [label, extra] of [
  [
    "backend=kernels, relobralo, resampling every 3",
    [
      ["backend", "kernels"],
      ["weighting", "relobralo"],
      ["resampleEvery", 3],
    ],
  ],
  [
    "backend=kernels, float64",
    [
      ["backend", "kernels"],
      ["precision", "float64"],
    ],
  ],
  [
    "backend=jax, self-adaptive point weights",
    [
      ["backend", "jax"],
      ["weighting", "self-adaptive"],
      ["resampleEvery", 0],
    ],
  ],
] as [string, Override[]][]) {
  test(`SOAP resumes bit for bit from its checkpoints, state in the binary section (${label}, L-BFGS after)`, async () => {
    const r = tiny([
      ...extra,
      ["optimizer", "soap+lbfgs"],
      ["lr", 1e-2],
      ["steps", 20],
      ["checkpointEvery", 7],
      ["weightEvery", 4],
      ["soapPrecondEvery", 3],
      ["lbfgsSteps", 6],
      ["lbfgsPoints", 64],
    ]);
    const full = await run(r);
    assert.equal(full.res.status, "completed", full.res.message);
    assert.deepEqual(
      full.checkpoints.map((c) => c.step),
      [7, 14, 20, 26],
    );
    assert.equal(full.res.history.filter((h) => h.phase === "soap").length, 20);
    const ck = full.checkpoints[1];
    const soap = ck.firstOrder?.state;
    assert.ok(soap && soap.step === 13 && soap.L.length === 2 * 2 + 8 * 8, "SOAP state at step 14");
    const bytes = encodeCheckpoint(ck);
    const head = JSON.parse(bytes.toString("utf8", 16, 16 + bytes.readUInt32LE(12))) as {
      firstOrder: { state: Record<string, unknown> };
      bins: number[];
    };
    // blocks hidden[0].w [2, 8] and hidden[1].w [8, 8] (out.w [8, 1] is 1-D): SOAP's m, v [P = 105],
    // L, QL [2x2 + 8x8] and R, QR [8x8 + 8x8] go to the binary part; the header keeps references
    for (const k of ["m", "v", "L", "QL", "R", "QR"]) {
      assert.deepEqual(Object.keys(head.firstOrder.state[k] as object), ["$bin"], `${k} in binary`);
    }
    assert.deepEqual(head.bins, [105, 105, 68, 128, 68, 128]);
    for (const at of [0, 1, 2]) {
      const c = full.checkpoints[at];
      const back = decodeCheckpoint(encodeCheckpoint(c), "mem");
      assert.deepEqual(back, c, "checkpoint encoding round-trips exactly");
      const resumed = await run(r, { resume: back });
      assert.equal(resumed.res.status, "completed", resumed.res.message);
      const want = full.res.history.filter((h) => h.step >= c.step).map(exact);
      assert.ok(want.some((l) => l.startsWith("lbfgs")));
      assert.deepEqual(resumed.res.history.map(exact), want, `resumed from step ${c.step}`);
    }
    // a SOAP checkpoint does not resume an Adam plan
    const adam = tiny([...extra, ["steps", 20], ["optimizer", "adam"]]);
    await assert.rejects(
      run(adam, { resume: ck }),
      /checkpoint is in the soap phase, but optimizer=adam/,
    );
  });
}

test("SOAP: a NaN/Inf loss rolls back with its state; resuming past the rollback is bit for bit", async () => {
  // lr 1e30 overflows float32 on SOAP's first real step; one rollback x1e-31 makes it 0.1
  const r = tiny([
    ["optimizer", "soap"],
    ["steps", 12],
    ["lr", 1e30],
    ["checkpointEvery", 4],
    ["divergenceRetries", 2],
    ["rollbackLrFactor", 1e-31],
  ]);
  const full = await run(r);
  assert.equal(full.res.status, "completed", full.res.message);
  assert.equal(full.res.rollbacks.length, 1);
  assert.equal(full.res.rollbacks[0].toStep, 0);
  assert.match(full.res.rollbacks[0].reason, /loss became (NaN|Infinity)/);
  assert.deepEqual(
    full.res.history.map((h) => h.step),
    Array.from({ length: 12 }, (_, i) => i),
  );
  assert.ok(full.res.history.every((h) => h.phase === "soap" && Number.isFinite(h.loss)));
  const ck = full.checkpoints[0];
  assert.equal(ck.lrScale, 1e-31);
  assert.equal(ck.rollbacks, 1);
  const resumed = await run(r, { resume: decodeCheckpoint(encodeCheckpoint(ck), "mem") });
  const want = full.res.history.filter((h) => h.step >= ck.step).map(exact);
  assert.deepEqual(resumed.res.history.map(exact), want);
});

test("a NaN/Inf loss rolls back to the last checkpoint with a smaller lr; a saved run then completes", async () => {
  // lr 1e30 overflows float32 at once; one rollback x1e-31 makes it 0.1 (finite)
  const r = tiny([
    ["steps", 12],
    ["lr", 1e30],
    ["checkpointEvery", 4],
    ["divergenceRetries", 2],
    ["rollbackLrFactor", 1e-31],
  ]);
  const { res } = await run(r);
  assert.equal(res.status, "completed", res.message);
  assert.equal(res.rollbacks.length, 1);
  const [e] = res.rollbacks;
  assert.equal(e.toStep, 0, "no checkpoint yet: back to the start");
  assert.match(e.reason, /loss became (NaN|Infinity)/);
  assert.equal(e.lrScale, 1e-31);
  assert.deepEqual(
    res.history.map((h) => h.step),
    Array.from({ length: 12 }, (_, i) => i),
    "the history holds the surviving trajectory only, each step once",
  );
  for (const h of res.history) {
    const scheduled = learningRate(
      { lr: 1e30, warmup: 0, decayRate: r.config.decayRate, decaySteps: r.config.decaySteps },
      h.step,
    );
    assert.equal(h.lr, scheduled * 1e-31, `lr in force after the rollback at step ${h.step}`);
    assert.ok(Number.isFinite(h.loss));
  }
});

test("divergence that rollbacks cannot cure ends as diverged, saying what happened and what to try", async () => {
  const r = tiny([
    ["steps", 12],
    ["lr", 1e30],
    ["checkpointEvery", 4],
    ["divergenceRetries", 2],
    ["rollbackLrFactor", 0.5],
  ]);
  const { res } = await run(r);
  assert.equal(res.status, "diverged");
  assert.deepEqual(
    res.rollbacks.map((e) => e.lrScale),
    [0.5, 0.25],
  );
  assert.match(res.message, /loss became (NaN|Infinity) at Adam step \d+/);
  assert.match(res.message, /after 2 rollback\(s\)/);
  assert.match(res.message, /try a smaller lr/);
  assert.ok(
    res.history.every((h) => Number.isFinite(h.loss) && h.step < 4),
    "nothing non-finite is logged, nor anything of a rolled-back attempt past the checkpoint",
  );
});

for (const [label, extra] of [
  [
    "ssbroyden, backend=kernels",
    [
      ["backend", "kernels"],
      ["optimizer", "adam+ssbroyden"],
    ],
  ],
  [
    "bfgs, float64 on jax",
    [
      ["backend", "jax"],
      ["precision", "float64"],
      ["optimizer", "adam+bfgs"],
    ],
  ],
  [
    "adam+ssbfgs+lbfgs, backend=kernels",
    [
      ["backend", "kernels"],
      ["optimizer", "adam+ssbfgs+lbfgs"],
    ],
  ],
] as [string, Override[]][]) {
  test(`second-order phases with residual-based redraws resume bit for bit (${label})`, async () => {
    const r = tiny([
      ...extra,
      ["steps", 8],
      ["checkpointEvery", 4],
      ["bfgsSteps", 12],
      ["bfgsPoints", 64],
      ["lbfgsSteps", 6],
      ["lbfgsPoints", 64],
      ["redrawEvery", 6],
      ["redrawPool", 256],
    ]);
    const full = await run(r);
    assert.equal(full.res.status, "completed", full.res.message);
    const second = full.checkpoints.filter((c) => c.second);
    assert.ok(second.length >= 3, `${second.length} second-order checkpoints`);
    const H = second[0].second?.state.H;
    if (!r.config.optimizer.endsWith("lbfgs")) {
      assert.ok(H instanceof Float64Array && H.length > 100, "the dense inverse Hessian is saved");
    }
    // the redraw at iteration 6 changed the residual points
    const b4 = second.find((c) => c.second?.iter === 4)?.second?.batches.res.X;
    const b8 = second.find((c) => c.second?.iter === 8)?.second?.batches.res.X;
    assert.ok(b4 && b8 && b4.some((v, i) => v !== b8[i]), "the point set was redrawn");
    for (const ck of second) {
      const back = decodeCheckpoint(encodeCheckpoint(ck), "mem");
      assert.deepEqual(back, ck, "checkpoint encoding round-trips exactly");
      const resumed = await run(r, { resume: back });
      assert.equal(resumed.res.status, "completed", resumed.res.message);
      const want = full.res.history.filter((h) => h.step >= ck.step).map(exact);
      assert.deepEqual(resumed.res.history.map(exact), want, `resumed from step ${ck.step}`);
    }
  });
}
