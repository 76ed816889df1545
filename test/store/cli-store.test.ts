// The run store through the CLI: a training process killed with SIGKILL and resumed logs exactly
// what an uninterrupted run logs; divergence ends in a readable `diverged` record; corrupt or
// foreign files give one-line errors (exit status 2) naming the file.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import Database from "better-sqlite3";
import {
  asRecord,
  readJson,
  removeTempDirs,
  repoRoot,
  runCli,
  show,
  tempDir,
} from "../cli/helpers.js";

after(removeTempDirs);

const bin = path.join(repoRoot, "bin", "pinnlab.js");

/** Tiny convection settings that still exercise every piece of state a checkpoint holds. */
const TINY = [
  "--preset",
  "plain",
  "--set",
  "width=8",
  "--set",
  "depth=2",
  "--set",
  "points=64",
  "--set",
  "bcPoints=16",
  "--set",
  "optimizer=adam+lbfgs",
  "--set",
  "lbfgsSteps=10",
  "--set",
  "lbfgsPoints=64",
  "--set",
  "weighting=relobralo",
  "--set",
  "weightEvery=50",
  "--set",
  "resampleEvery=3",
  "--set",
  "checkpointEvery=100",
  "--set",
  "logEvery=25",
];

/** history.jsonl without wall times (everything else must match exactly). */
function history(dir: string): unknown[] {
  return readFileSync(path.join(dir, "history.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const { wall_s: _w, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    });
}

/** Usage-error shape: status 2, one stderr line naming what is given, no stack trace. */
function assertFileError(r: ReturnType<typeof runCli>, ...mentions: (string | RegExp)[]): void {
  assert.equal(r.status, 2, show(r));
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line: ${show(r)}`);
  assert.match(lines[0], /^pinnlab: error: /);
  assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  for (const m of mentions) {
    if (typeof m === "string") assert.ok(lines[0].includes(m), `mentions ${m}: ${lines[0]}`);
    else assert.match(lines[0], m);
  }
}

test("SIGKILL mid-training, then train --resume: the same losses at the same steps as an uninterrupted run", async () => {
  const store = tempDir();
  const steps = ["--steps", "1500", "--seed", "3"];
  const full = path.join(store, "full");
  const r = runCli(["train", "convection", ...steps, ...TINY, "--out", full]);
  assert.equal(r.status, 0, show(r));

  const killed = path.join(store, "killed");
  const child = spawn(
    process.execPath,
    [bin, "train", "convection", ...steps, ...TINY, "--out", killed],
    {
      cwd: repoRoot,
      stdio: "ignore",
    },
  );
  const exited = new Promise<NodeJS.Signals | null>((res) => child.on("exit", (_c, s) => res(s)));
  const ckpt = path.join(killed, "checkpoint.bin");
  const t0 = Date.now();
  while (!existsSync(ckpt) && Date.now() - t0 < 60_000)
    await new Promise((res) => setTimeout(res, 10));
  child.kill("SIGKILL");
  assert.equal(await exited, "SIGKILL", "the process was killed, not finished");
  assert.ok(!existsSync(path.join(killed, "metrics.json")), "killed before the end");

  // the record stays readable: listed as interrupted, shown with its checkpoint
  const runs = runCli(["runs", "--store", store, "--json"]);
  assert.equal(runs.status, 0, show(runs));
  const rows = JSON.parse(runs.stdout) as { id: string; status: string; checkpoint_step: number }[];
  const row = rows.find((x) => x.id === "killed");
  assert.ok(row, runs.stdout);
  assert.equal(row.status, "interrupted");
  assert.ok(
    row.checkpoint_step >= 100 && row.checkpoint_step < 1500,
    `checkpoint ${row.checkpoint_step}`,
  );
  const lostAtMost = history(killed).filter(
    (h) => (h as { step: number }).step >= row.checkpoint_step,
  );
  assert.ok(
    lostAtMost.length <= 4,
    "at most checkpointEvery steps (4 records of 25) were logged past it",
  );

  const resumed = runCli(["train", "--resume", "killed", "--store", store]);
  assert.equal(resumed.status, 0, show(resumed));
  assert.match(
    resumed.stderr,
    new RegExp(`resuming killed from its checkpoint at step ${row.checkpoint_step}`),
  );
  const want = history(full);
  assert.ok(want.length > 60 && want.some((h) => (h as { phase: string }).phase === "lbfgs"));
  assert.deepEqual(history(killed), want, "resumed history equals the uninterrupted one exactly");
  const mk = asRecord(readJson(path.join(killed, "metrics.json")), "metrics");
  const mf = asRecord(readJson(path.join(full, "metrics.json")), "metrics");
  assert.equal(mk.rel_l2, mf.rel_l2, "the same final model");
  assert.equal(mk.resumed_from, row.checkpoint_step);

  const again = runCli(["train", "--resume", "killed", "--store", store]);
  assertFileError(again, "killed", /already ended/);
  const shown = runCli(["show", "killed", "--store", store, "--json"]);
  assert.equal(shown.status, 0, show(shown));
  const s = JSON.parse(shown.stdout) as {
    status: string;
    events: { kind: string }[];
    steps: unknown[];
  };
  assert.equal(s.status, "completed");
  assert.deepEqual(
    s.events.map((e) => e.kind),
    ["resume"],
  );
  assert.equal(s.steps.length, want.length, "the store's step records match history.jsonl");
  const filtered = runCli([
    "runs",
    "--store",
    store,
    "--problem",
    "convection",
    "--status",
    "completed",
  ]);
  assert.equal(filtered.status, 0, show(filtered));
  assert.equal(
    filtered.stdout.trim().split("\n").length,
    3,
    `header + 2 runs:\n${filtered.stdout}`,
  );
});

test("divergence: rollbacks with a smaller lr, then status diverged with its message; the record stays readable", () => {
  const store = tempDir();
  const dir = path.join(store, "blowup");
  const r = runCli([
    "train",
    "poisson1d",
    "--preset",
    "plain",
    "--steps",
    "40",
    "--set",
    "width=8",
    "--set",
    "points=32",
    "--set",
    "lr=1e30",
    "--set",
    "checkpointEvery=5",
    "--set",
    "logEvery=1",
    "--set",
    "divergenceRetries=2",
    "--set",
    "rollbackLrFactor=0.5",
    "--out",
    dir,
  ]);
  assert.equal(r.status, 1, show(r));
  assert.equal(
    (r.stderr.match(/rolled back to step 0, learning rate x0\.(5|25)0/g) ?? []).length,
    2,
    r.stderr,
  );
  assert.match(
    r.stderr,
    /pinnlab: loss became (NaN|Infinity) at Adam step \d+, after 2 rollback\(s\).*try a smaller lr/,
  );
  const m = asRecord(readJson(path.join(dir, "metrics.json")), "metrics");
  assert.equal(m.status, "diverged");
  assert.deepEqual(
    (m.rollbacks as { lrScale: number }[]).map((e) => e.lrScale),
    [0.5, 0.25],
  );
  const shown = runCli(["show", "blowup", "--store", store, "--json"]);
  assert.equal(shown.status, 0, show(shown));
  const s = JSON.parse(shown.stdout) as {
    status: string;
    message: string;
    events: { kind: string }[];
  };
  assert.equal(s.status, "diverged");
  assert.match(s.message, /try a smaller lr/);
  assert.deepEqual(
    s.events.map((e) => e.kind),
    ["rollback", "rollback"],
  );
  assert.ok(existsSync(path.join(dir, "report.html")), "a report even for a diverged run");
  const listed = runCli(["runs", "--store", store, "--status", "diverged"]);
  assert.match(listed.stdout, /blowup\s+poisson1d\s+diverged/);
});

test("corrupt or foreign store files: one-line errors naming the file, nothing written", () => {
  const store = tempDir();
  const db = path.join(store, "pinnlab.db");
  writeFileSync(
    db,
    "this is not a database, just some text that happens to be long enough".repeat(20),
  );
  assertFileError(runCli(["runs", "--store", store]), db, /not a pinnlab run store/);
  const out = path.join(store, "run");
  assertFileError(runCli(["train", "poisson1d", "--steps", "5", "--out", out]), db);
  assert.deepEqual(
    readdirSync(store),
    ["pinnlab.db"],
    "no run directory made beside a foreign store",
  );

  const foreign = tempDir();
  const f = new Database(path.join(foreign, "pinnlab.db"));
  f.exec("CREATE TABLE customers (name TEXT)");
  f.close();
  assertFileError(
    runCli(["runs", "--store", foreign]),
    /a SQLite database but not a pinnlab run store/,
  );

  const empty = tempDir();
  assertFileError(runCli(["runs", "--store", empty]), /no run store here/);
  mkdirSync(path.join(empty, "stranger"));
  writeFileSync(path.join(empty, "stranger", "notes.txt"), "hello\n");
  assertFileError(
    runCli(["train", "--resume", path.join(empty, "stranger")]),
    path.join(empty, "stranger", "config.json"),
    /not a pinnlab run/,
  );
});

test("a corrupt checkpoint or history is named, not a crash", () => {
  const store = tempDir();
  const dir = path.join(store, "r");
  const r = runCli([
    "train",
    "poisson1d",
    "--preset",
    "plain",
    "--steps",
    "10",
    "--set",
    "width=8",
    "--set",
    "points=32",
    "--set",
    "checkpointEvery=5",
    "--out",
    dir,
  ]);
  assert.equal(r.status, 0, show(r));
  // make it look unfinished, then damage the checkpoint
  const ck = path.join(dir, "checkpoint.bin");
  const buf = readFileSync(ck);
  buf[buf.length - 40] ^= 0xff;
  writeFileSync(ck, buf);
  rmSync(path.join(dir, "metrics.json"));
  assertFileError(runCli(["train", "--resume", dir]), ck, /checksum/);
  writeFileSync(ck, "PINNCKPT");
  assertFileError(runCli(["train", "--resume", dir]), ck, /not a pinnlab checkpoint/);

  const hist = path.join(dir, "history.jsonl");
  writeFileSync(hist, '{"step":0,"loss":1}\n{garbage\n{"step":2,"loss":1}\n');
  assertFileError(runCli(["report", dir]), `${hist}:2`);
});
