// The run store against its checkpoint files: the file is renamed into place before the store row
// records it, so a process killed in between leaves a row one checkpoint behind; an interrupted
// run's row reads the step from the file itself (what --resume will use).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { checkpointPath, checkpointStep, writeCheckpoint } from "../../src/store/checkpoint.js";
import { openStore } from "../../src/store/db.js";
import type { TrainState } from "../../src/train/state.js";

/** The smallest state the encoder accepts: the header fields a checkpoint always has. */
function state(step: number): TrainState {
  const P = 3;
  return {
    step,
    optimizer: {
      params: new Float64Array([1, 2, 3]),
      mu: new Float64Array(P),
      nu: new Float64Array(P),
      count: step,
      b1t: 0.9 ** step,
      b2t: 0.999 ** step,
    },
  } as unknown as TrainState;
}

test("an interrupted run's checkpoint step comes from its checkpoint file when the row lags", () => {
  const store = mkdtempSync(path.join(tmpdir(), "pinnlab-ckrow-"));
  const db = openStore(store, { create: true });
  const ids = ["lagging", "no-file", "corrupt"];
  // a process that has exited: its pid is not alive
  const gone = spawnSync(process.execPath, ["-e", ""]).pid;
  assert.ok(gone && gone > 0);
  for (const id of ids) {
    const dir = path.join(store, id);
    mkdirSync(dir);
    db.insertRun({ id, dir, problem: "convection", seed: 0, config: {} });
    db.updateRun(id, { checkpoint_step: 100, steps: 100, pid: gone });
  }
  writeCheckpoint(path.join(store, "lagging"), state(125));
  writeFileSync(checkpointPath(path.join(store, "corrupt")), "PINNCKPT\x02");
  assert.equal(checkpointStep(path.join(store, "lagging")), 125);
  assert.equal(checkpointStep(path.join(store, "no-file")), null);
  assert.equal(checkpointStep(path.join(store, "corrupt")), null);
  const rows = Object.fromEntries(db.list().map((r) => [r.id, r]));
  assert.equal(rows.lagging.status, "interrupted");
  assert.equal(rows.lagging.checkpoint_step, 125, "the file's step, not the row's");
  assert.equal(rows["no-file"].checkpoint_step, 100);
  assert.equal(rows.corrupt.checkpoint_step, 100, "an unreadable file leaves the row as it is");
  // a live run's row is left alone (this process)
  db.updateRun("lagging", { pid: process.pid });
  assert.equal(db.get("lagging")?.status, "running");
  assert.equal(db.get("lagging")?.checkpoint_step, 100);
  db.close();
});
