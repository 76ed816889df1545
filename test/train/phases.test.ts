// Optimiser plans: parsing `optimizer=adam+ssbroyden`, the per-phase keys, the dense-memory check
// before training, and the checkpoint format carrying a second-order phase's state.
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeCheckpoint, encodeCheckpoint } from "../../src/store/checkpoint.js";
import { applyOverrides, defaultTrainConfig } from "../../src/train/config.js";
import {
  checkPhaseMemory,
  denseBytes,
  parsePhases,
  phaseSteps,
  totalSteps,
} from "../../src/train/phases.js";
import type { TrainState } from "../../src/train/state.js";

test("parsePhases: names joined by +, first-order before second-order, each once", () => {
  assert.deepEqual(parsePhases("adam+ssbroyden"), ["adam", "ssbroyden"]);
  assert.deepEqual(parsePhases("adam+lbfgs+lm"), ["adam", "lbfgs", "lm"]);
  assert.deepEqual(parsePhases("lm"), ["lm"]);
  assert.throws(() => parsePhases("adam+foo"), /optimizer=adam\+foo: unknown phase "foo"/);
  assert.throws(() => parsePhases("lbfgs+adam"), /first-order phase "adam" after a second-order/);
  assert.throws(() => parsePhases("adam+adam"), /appears twice/);
});

test("parsePhases: soap is a first-order phase; a plan has at most one, first", () => {
  assert.deepEqual(parsePhases("soap"), ["soap"]);
  assert.deepEqual(parsePhases("soap+ssbroyden"), ["soap", "ssbroyden"]);
  assert.throws(() => parsePhases("adam+soap"), /two first-order phases \("adam" and "soap"\)/);
  assert.throws(() => parsePhases("soap+adam"), /two first-order phases/);
  assert.throws(() => parsePhases("lbfgs+soap"), /first-order phase "soap" after a second-order/);
  const c = applyOverrides(defaultTrainConfig(), [
    ["optimizer", "soap+lbfgs"],
    ["steps", 40],
    ["lbfgsSteps", 5],
    ["soapPrecondEvery", 3],
  ]);
  assert.equal(phaseSteps("soap", c), 40, "steps is the first-order phase's, whichever it is");
  assert.equal(totalSteps(c), 45);
  assert.equal(c.soapPrecondEvery, 3);
  assert.throws(
    () => applyOverrides(defaultTrainConfig(), [["soapB2", 1]]),
    /--set soapB2=1: must be <= 0.999999/,
  );
  assert.throws(
    () => applyOverrides(defaultTrainConfig(), [["soapRefresh", "qr"]]),
    /--set soapRefresh=qr: expected one of powerQr, eigh/,
  );
});

test("--set optimizer is checked like every key, and steps add up over the phases", () => {
  const c = applyOverrides(defaultTrainConfig(), [
    ["optimizer", "adam+ssbfgs+lbfgs"],
    ["steps", 100],
    ["bfgsSteps", 30],
    ["lbfgsSteps", 7],
  ]);
  assert.equal(c.optimizer, "adam+ssbfgs+lbfgs");
  assert.equal(phaseSteps("ssbfgs", c), 30);
  assert.equal(totalSteps(c), 137);
  assert.throws(
    () => applyOverrides(defaultTrainConfig(), [["optimizer", "newton"]]),
    /--set optimizer=newton: unknown phase/,
  );
});

test("a dense phase that does not fit is refused before training, naming optimizer and P", () => {
  const c = applyOverrides(defaultTrainConfig(), [
    ["optimizer", "adam+bfgs"],
    ["denseMemoryMB", 100],
  ]);
  // 2 copies of an n x n float64 matrix: P = 2000 needs 61 MB, P = 4000 needs 244 MB
  assert.equal(denseBytes("bfgs", 2000, 0), 2 * 8 * 2000 * 2000);
  checkPhaseMemory(c, 2000, 0);
  assert.throws(
    () => checkPhaseMemory(c, 4000, 0),
    /^Error: optimizer=adam\+bfgs: bfgs keeps dense matrices of 244 MB for 4000 parameters \(denseMemoryMB=100\)/,
  );
  const lm = applyOverrides(c, [["optimizer", "lm"]]);
  assert.throws(
    () => checkPhaseMemory(lm, 1000, 20000),
    /lm keeps .* 1000 parameters and 20000 residual rows/,
  );
});

test("a checkpoint in a second-order phase round-trips exactly, the dense matrix in binary", () => {
  const P = 40;
  const H = Float64Array.from({ length: P * P }, (_, i) => Math.sin(i) / (i + 1));
  const x = Float64Array.from({ length: P }, (_, i) => i * 0.1 - 1e-17);
  const st: TrainState = {
    step: 17,
    optimizer: {
      params: x,
      mu: new Float64Array(P).fill(1e-300),
      nu: new Float64Array(P),
      count: 10,
      b1t: 0.9 ** 10,
      b2t: 0.999 ** 10,
    },
    weighting: {
      kind: "fixed",
      terms: [{ name: "res", kind: "residual" }],
      weights: { res: 1 },
      updates: 0,
    },
    rng: [1, 2, 3, 4],
    batchRng: [1, 2, 3, 4],
    lrScale: 1,
    rollbacks: 0,
    wall_s: 3.5,
    second: {
      phase: 1,
      kind: "ssbroyden",
      iter: 7,
      stepBase: 10,
      state: {
        n: P,
        x,
        f: 0.25,
        g: Float64Array.of(NaN, -0, Infinity),
        H,
        identity: false,
        iter: 7,
      },
      batches: {
        res: { X: Float64Array.from({ length: 200 }, (_, i) => i / 7), rows: 100, target: null },
      },
      weights: { res: 1 },
    },
  };
  const buf = encodeCheckpoint(st);
  // the matrix is in the binary section, not base64 in the header (which would be ~4/3 larger)
  assert.ok(buf.length < 8 * (P * P + 3 * P + 200) + 4096, `size ${buf.length}`);
  const back = decodeCheckpoint(buf, "mem");
  assert.deepEqual(back, st);
  assert.ok(back.second?.state.H instanceof Float64Array);
  // a flipped byte in the matrix is caught by the checksum
  const bad = Buffer.from(buf);
  bad[bad.length - 100] ^= 1;
  assert.throws(() => decodeCheckpoint(bad, "ck.bin"), /ck.bin: corrupt checkpoint \(checksum/);
});
