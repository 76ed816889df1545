// A small run store for the dashboard tests, written through the store's own API (no training):
// three runs (one still running, in this process), their history.jsonl, a report, a suite run,
// a secret file beside the store, a link out of the store and a built "playground" folder.
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { openStore } from "../../src/store/db.js";

export const SECRET = "TOP-SECRET-not-in-the-store";

/** One history record. */
export function record(step: number): Record<string, unknown> {
  return {
    step,
    phase: "adam",
    loss: 1 / (step + 1),
    terms: { res: 0.5 / (step + 1), ic: 0.5 / (step + 1) },
    lr: 1e-3,
    weights: { res: 1, ic: 10 },
    wall_s: step / 100,
  };
}

export interface Fixture {
  store: string;
  web: string;
  running: string;
}

/** Write the fixture under `root` (an empty temp directory). */
export function writeFixture(root: string): Fixture {
  const store = path.join(root, "runs");
  const web = path.join(root, "web");
  mkdirSync(store);
  mkdirSync(web);
  writeFileSync(path.join(root, "secret.txt"), SECRET);
  writeFileSync(path.join(web, "index.html"), "<!doctype html><title>play</title>");
  writeFileSync(path.join(web, "app.js"), "console.log('play');");
  symlinkSync(path.join(root, "secret.txt"), path.join(web, "leak.txt"));
  const db = openStore(store, { create: true });
  const runs = [
    { id: "2026-01-01-convection", problem: "convection", preset: "best", rel_l2: 2e-3 },
    { id: "2026-01-02-burgers", problem: "burgers", preset: "plain", rel_l2: 5e-1 },
    { id: "2026-01-03-suite-convection-plain-s0", problem: "convection", rel_l2: 1e-2 },
    { id: "2026-01-04-convection-live", problem: "convection", preset: "plain", rel_l2: null },
  ];
  for (const r of runs) {
    const dir = path.join(store, r.id);
    mkdirSync(dir);
    db.insertRun({
      id: r.id,
      dir,
      problem: r.problem,
      seed: 0,
      config: {
        problem: r.problem,
        parameters: { beta: 1 },
        config: { steps: 100 },
        weights: {},
        ...(r.preset ? { preset: r.preset } : {}),
      },
    });
    writeFileSync(
      path.join(dir, "history.jsonl"),
      [0, 10, 20].map((s) => JSON.stringify(record(s)) + "\n").join(""),
    );
    if (r.rel_l2 !== null) {
      db.updateRun(r.id, { status: "completed", rel_l2: r.rel_l2, steps: 100, wall_s: 1 });
      writeFileSync(path.join(dir, "report.html"), `<html>report of ${r.id}</html>`);
    }
  }
  // a run whose directory is a link out of the store: known id, but never served
  symlinkSync(root, path.join(store, "escape"));
  db.insertRun({ id: "escape", dir: root, problem: "x", seed: 0, config: {} });
  db.updateRun("escape", { status: "completed" });
  db.close();
  return { store, web, running: runs[3].id };
}
