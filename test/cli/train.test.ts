// `pinnlab train`: short real runs write a complete run directory, and its metrics agree with the
// prediction it wrote (the relative L2 error is recomputed here from prediction.csv).
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import {
  asRecord,
  readCsv,
  readJson,
  removeTempDirs,
  runCli,
  show,
  tempDir,
  type NumericCsv,
} from "./helpers.js";
import { openStore } from "../../src/store/db.js";

after(removeTempDirs);

const RUN_FILES = ["config.json", "history.jsonl", "metrics.json", "prediction.csv"];

/** ||u - exact||_2 / ||exact||_2 over the rows of a prediction.csv (last column u). */
function relL2FromCsv(csv: NumericCsv, exact: (row: number[]) => number): number {
  const iu = csv.header.indexOf("u");
  let num = 0;
  let den = 0;
  for (const row of csv.rows) {
    const e = exact(row);
    num += (row[iu] - e) ** 2;
    den += e * e;
  }
  return Math.sqrt(num / den);
}

/** Distinct values of one column, in order of first appearance. */
function distinct(csv: NumericCsv, col: number): number[] {
  return [...new Set(csv.rows.map((r) => r[col]))];
}

/** Checks shared by every completed run; returns metrics.json. */
function checkRunDir(
  dir: string,
  o: { problem: string; steps: number; terms: string[]; config: Record<string, unknown> },
): Record<string, unknown> {
  for (const f of RUN_FILES) assert.ok(existsSync(path.join(dir, f)), `${f} written`);

  const config = asRecord(readJson(path.join(dir, "config.json")), "config.json");
  assert.equal(config.problem, o.problem);
  const cfg = asRecord(config.config, "config.json config");
  for (const [k, v] of Object.entries(o.config)) assert.equal(cfg[k], v, `config.${k}`);

  const lines = readFileSync(path.join(dir, "history.jsonl"), "utf8").split("\n");
  assert.equal(lines.pop(), "", "history.jsonl ends with a newline");
  assert.ok(lines.length >= 2, "at least the first and the last step are logged");
  let prev = -1;
  for (const [i, line] of lines.entries()) {
    const rec = asRecord(JSON.parse(line), `history.jsonl line ${i + 1}`);
    assert.ok(Number.isInteger(rec.step) && (rec.step as number) > prev, `step order: ${line}`);
    prev = rec.step as number;
    assert.ok(typeof rec.loss === "number" && Number.isFinite(rec.loss), `loss: ${line}`);
    const terms = asRecord(rec.terms, "terms");
    assert.deepEqual(Object.keys(terms).sort(), [...o.terms].sort());
    for (const v of Object.values(terms)) assert.ok(typeof v === "number" && Number.isFinite(v));
  }
  assert.equal(prev, o.steps - 1, "the last Adam step is logged");

  const m = asRecord(readJson(path.join(dir, "metrics.json")), "metrics.json");
  assert.equal(m.problem, o.problem);
  assert.equal(m.status, "completed");
  assert.equal(m.steps, o.steps);
  assert.ok(typeof m.wall_s === "number" && m.wall_s > 0 && Number.isFinite(m.wall_s));
  assert.ok(typeof m.rel_l2 === "number" && Number.isFinite(m.rel_l2) && m.rel_l2 > 0);
  const fl = asRecord(m.final_loss, "final_loss");
  assert.deepEqual(Object.keys(fl).sort(), [...o.terms].sort());
  for (const v of Object.values(fl)) assert.ok(typeof v === "number" && Number.isFinite(v));
  return m;
}

test("train convection (beta=1, 150 Adam steps) writes a complete, consistent run", () => {
  const dir = path.join(tempDir(), "run");
  const r = runCli([
    "train",
    "convection",
    "--preset",
    "plain",
    "--set",
    "beta=1",
    "--steps",
    "150",
    "--set",
    "optimizer=adam",
    "--set",
    "width=16",
    "--set",
    "points=256",
    "--out",
    dir,
  ]);
  assert.equal(r.status, 0, show(r));
  assert.match(r.stdout, /convection: completed/);
  const m = checkRunDir(dir, {
    problem: "convection",
    steps: 150,
    terms: ["res", "ic", "bc"],
    config: { steps: 150, optimizer: "adam", width: 16, points: 256 },
  });
  assert.deepEqual(m.parameters, { beta: 1 });
  const rel = m.rel_l2 as number;
  assert.ok(rel < 1, `rel_l2 ${rel} < 1 (better than predicting zero)`);

  const csv = readCsv(path.join(dir, "prediction.csv"));
  assert.deepEqual(csv.header, ["t", "x", "u"]);
  assert.equal(csv.rows.length, 100 * 256);
  // the grid: t outer (100 values in [0, 1]), x inner (256 values in [0, 2 pi))
  const ts = distinct(csv, 0);
  const xs = distinct(csv, 1);
  assert.equal(ts.length, 100);
  assert.equal(xs.length, 256);
  assert.equal(ts[0], 0);
  assert.equal(ts[99], 1);
  assert.ok(xs[0] === 0 && xs[255] < 2 * Math.PI);
  assert.deepEqual(csv.rows[256].slice(0, 2), [ts[1], 0], "x varies fastest");
  assert.ok(csv.rows.every((row) => Number.isFinite(row[2])));

  const beta = 1;
  const mine = relL2FromCsv(csv, ([t, x]) => Math.sin(x - beta * t));
  assert.ok(
    Math.abs(mine - rel) <= 1e-6 * rel,
    `rel_l2 recomputed from prediction.csv ${mine} vs metrics.json ${rel}`,
  );
});

test("train helmholtz2d (steady 2-D) writes a complete, consistent run", () => {
  const dir = path.join(tempDir(), "run");
  const r = runCli([
    "train",
    "helmholtz2d",
    "--preset",
    "plain",
    "--steps",
    "40",
    "--set",
    "width=16",
    "--set",
    "points=256",
    "--set",
    "bcPoints=64",
    "--set",
    "logEvery=10",
    "--out",
    dir,
  ]);
  assert.equal(r.status, 0, show(r));
  const m = checkRunDir(dir, {
    problem: "helmholtz2d",
    steps: 40,
    terms: ["res", "bc"],
    config: { steps: 40, width: 16, points: 256, bcPoints: 64, logEvery: 10 },
  });
  assert.deepEqual(m.parameters, { a1: 1, a2: 4, k: 1 });
  // 40 steps cannot fit sin(4 pi y); rel_l2 is only checked for consistency here

  const csv = readCsv(path.join(dir, "prediction.csv"));
  assert.deepEqual(csv.header, ["x", "y", "u"]);
  assert.equal(csv.rows.length, 101 * 101);
  assert.deepEqual(csv.rows[0].slice(0, 2), [-1, -1]);
  assert.deepEqual(csv.rows[csv.rows.length - 1].slice(0, 2), [1, 1]);
  assert.ok(csv.rows.every((row) => Number.isFinite(row[2])));

  const rel = m.rel_l2 as number;
  const mine = relL2FromCsv(csv, ([x, y]) => Math.sin(Math.PI * x) * Math.sin(4 * Math.PI * y));
  assert.ok(
    Math.abs(mine - rel) <= 1e-6 * rel,
    `rel_l2 recomputed from prediction.csv ${mine} vs metrics.json ${rel}`,
  );
});

test("train writes progress to stderr only, one summary line to stdout", () => {
  const dir = path.join(tempDir(), "run");
  const r = runCli([
    "train",
    "poisson1d",
    "--preset",
    "plain",
    "--steps",
    "20",
    "--set",
    "width=8",
    "--set",
    "logEvery=10",
    "--out",
    dir,
  ]);
  assert.equal(r.status, 0, show(r));
  const out = r.stdout.split("\n").filter(Boolean);
  assert.equal(out.length, 1, show(r));
  assert.match(out[0], /^poisson1d: completed, rel L2 \S+, 20 steps/);
  assert.ok(out[0].includes(dir));
  // not a terminal: one plain progress line per logged step (0, 10, 19)
  const progress = r.stderr.split("\n").filter(Boolean);
  assert.equal(progress.length, 3, show(r));
  assert.ok(progress.every((l) => l.startsWith("poisson1d adam ")));
});

test("train <built-in> without --preset trains its measured best, and says so", () => {
  const dir = path.join(tempDir(), "run");
  const tiny = ["--set", "bfgsSteps=3", "--set", "points=64", "--set", "bfgsPoints=64"];
  const r = runCli(["train", "poisson1d", "--steps", "5", ...tiny, "--no-report", "--out", dir]);
  assert.equal(r.status, 0, show(r));
  assert.match(r.stderr, /no --preset: poisson1d trains with its measured --preset best/);
  const saved = JSON.parse(readFileSync(path.join(dir, "config.json"), "utf8")) as {
    preset?: string;
    config: Record<string, unknown>;
  };
  assert.equal(saved.preset, "best");
  // the best preset's keys (src/problems/presets.ts), under the user's
  assert.equal(saved.config.precision, "float64");
  assert.equal(saved.config.optimizer, "adam+ssbroyden");
  assert.equal(saved.config.width, 20);
  assert.equal(saved.config.bfgsSteps, 3);
  assert.equal(saved.config.steps, 5);
});

test("a run whose directory was deleted is replaced in the store by the next run into that path", () => {
  const cwd = tempDir();
  const dir = path.join(cwd, "runs", "again");
  const args = ["train", "poisson1d", "--preset", "plain", "--no-report", "--out", dir];
  const first = runCli([...args, "--steps", "5", "--seed", "0"], cwd);
  assert.equal(first.status, 0, show(first));
  rmSync(dir, { recursive: true });
  // before the fix: SQLITE_CONSTRAINT_PRIMARYKEY from the first run's row
  const second = runCli([...args, "--steps", "7", "--seed", "1"], cwd);
  assert.equal(second.status, 0, show(second));
  assert.match(second.stderr, /again replaces the store's record of a deleted run/);
  const store = openStore(path.join(cwd, "runs"), { create: false });
  try {
    const rows = store.list();
    assert.equal(rows.length, 1);
    assert.equal(rows[0].seed, 1);
    assert.equal(rows[0].status, "completed");
    // the first run's step records went with its row: the last is the second run's step 6
    assert.deepEqual(
      store.steps("again").map((r) => r.step),
      readFileSync(path.join(dir, "history.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { step: number }).step),
    );
    assert.equal(store.steps("again").at(-1)?.step, 6);
  } finally {
    store.close();
  }
});
