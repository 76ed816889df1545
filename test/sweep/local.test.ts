// `pinnlab sweep` on the local pool: three tiny convection jobs on two training processes, one
// configured to diverge (lr 1e30). The sweep process is SIGKILLed after the first checkpoint;
// running the spec again resumes the interrupted runs from their checkpoints, records the
// divergence with its message and completes the rest; a third run trains nothing. Bad specs are
// one line, exit 2, nothing recorded.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import Database from "better-sqlite3";
import { type CliResult, removeTempDirs, runCli, show, tempDir } from "../cli/helpers.js";
import { TINY_SET, startCli, writeSpec } from "./helpers.js";

after(removeTempDirs);

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** Whether a process id is alive. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface Metrics {
  status: string;
  rel_l2: number | null;
  resumed_from: number | null;
}

test("local pool: killed sweep resumes, a diverging job fails alone, a finished spec trains nothing", async () => {
  const dir = tempDir("pinnlab-sweep-local-");
  const store = path.join(dir, "runs");
  const spec = writeSpec(dir, {
    name: "local",
    problems: ["convection"],
    presets: ["plain"],
    set: { ...TINY_SET, divergenceRetries: 0 },
    grid: { lr: [0.001, 0.002, 1e30] },
    seeds: [0],
    steps: 100,
    report: false,
  });
  const args = ["sweep", spec, "--workers", "2", "--store", store];

  // 1. kill the sweep once a healthy job has a checkpoint; its training processes stop with it
  const first = startCli(args);
  const t0 = Date.now();
  const checkpointed = () =>
    existsSync(store) &&
    readdirSync(store).some(
      (d) => !d.includes("lr1e") && existsSync(path.join(store, d, "checkpoint.bin")),
    );
  while (!checkpointed() && Date.now() - t0 < 60_000) await sleep(20);
  first.child.kill("SIGKILL");
  assert.equal((await first.exited).signal, "SIGKILL", first.stderr());
  const db = new Database(path.join(store, "pinnlab.db"), { readonly: true });
  const pids = () =>
    (db.prepare("SELECT pid FROM runs WHERE status = 'running'").all() as { pid: number }[])
      .map((r) => r.pid)
      .filter(alive);
  while (pids().length > 0 && Date.now() - t0 < 60_000) await sleep(50);
  assert.deepEqual(pids(), [], "no training outlived the sweep");
  db.close();

  // 2. the same spec again: resumes, completes two jobs, records the divergence; exit 1
  const second = runCli(args);
  assert.equal(second.status, 1, show(second));
  const status = runCli(["sweep", "status", "local", "--store", store, "--json"]);
  assert.equal(status.status, 0, show(status));
  const st = JSON.parse(status.stdout) as {
    id: string;
    counts: Record<string, number>;
    jobs: { runId: string; state: string; message: string; relL2: number | null }[];
  };
  assert.deepEqual(
    [st.counts.completed, st.counts.diverged, st.counts.failed, st.jobs.length],
    [2, 1, 0, 3],
    status.stdout,
  );
  const bad = st.jobs.find((j) => j.state === "diverged");
  assert.ok(bad && bad.runId.includes("lr1e"), status.stdout);
  assert.match(bad.message, /loss became (Infinity|NaN) at Adam step \d+/);
  const metrics = (id: string) =>
    JSON.parse(readFileSync(path.join(store, id, "metrics.json"), "utf8")) as Metrics;
  const resumed = st.jobs
    .filter((j) => j.state === "completed")
    .map((j) => metrics(j.runId).resumed_from);
  assert.ok(
    resumed.some((r) => r !== null && r > 0 && r < 100),
    `an interrupted run resumed from its checkpoint: ${resumed}`,
  );
  // results: per configuration, the one seed's error is the mean
  const results = runCli(["sweep", "results", st.id, "--store", store, "--json"]);
  assert.equal(results.status, 0, show(results));
  const rows = (
    JSON.parse(results.stdout) as {
      configurations: {
        point: { lr: number };
        n: number;
        mean: number | null;
        failures: { message: string }[];
      }[];
    }
  ).configurations;
  assert.deepEqual(
    rows.map((r) => [r.point.lr, r.n, r.failures.length]),
    [
      [0.001, 1, 0],
      [0.002, 1, 0],
      [1e30, 0, 1],
    ],
  );
  for (const j of st.jobs.filter((x) => x.state === "completed")) {
    const m = metrics(j.runId);
    assert.equal(m.status, "completed");
    assert.equal(rows.find((r) => j.runId.includes(`lr${r.point.lr}`))?.mean, m.rel_l2);
  }
  const runs = runCli(["runs", "--store", store, "--sweep", st.id, "--json"]);
  assert.equal((JSON.parse(runs.stdout) as unknown[]).length, 3, show(runs));

  // 3. once more: every job ended before, nothing is trained or rewritten
  const mtimes = st.jobs.map((j) => statSync(path.join(store, j.runId, "metrics.json")).mtimeMs);
  const third = runCli(args);
  assert.equal(third.status, 1, show(third));
  assert.match(third.stderr, /3 of 3 jobs ended before: not trained again/);
  assert.doesNotMatch(third.stderr, /started/);
  assert.deepEqual(
    st.jobs.map((j) => statSync(path.join(store, j.runId, "metrics.json")).mtimeMs),
    mtimes,
  );
});

test("bad sweeps: one line naming the culprit, exit 2, nothing recorded", () => {
  const dir = tempDir("pinnlab-sweep-bad-");
  const cases: [object | string[], RegExp][] = [
    [{ problems: ["convection"], set: { betaa: 1 } }, /--set betaa: unknown key for convection/],
    [{ problems: ["convection", "nope"] }, /unknown problem "nope"/],
    [{ problems: ["convection"], grid: { beta: [] } }, /grid\.beta: empty grid/],
    [{ problem: ["convection"] }, /unknown key "problem"/],
    [
      ["--problems", "convection", "--set", "beta=1,2,3,4,5", "--seeds", "3", "--max-jobs", "10"],
      /15 jobs exceed the maximum of 10/,
    ],
  ];
  cases.forEach(([spec, want], i) => {
    const store = path.join(dir, `runs${i}`);
    const args = Array.isArray(spec)
      ? ["sweep", ...spec, "--store", store]
      : ["sweep", writeSpec(dir, spec), "--store", store];
    const r: CliResult = runCli(args);
    assert.equal(r.status, 2, show(r));
    const lines = r.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, show(r));
    assert.match(lines[0], /^pinnlab: error: /);
    assert.match(lines[0], want);
    assert.ok(!existsSync(store), `nothing recorded for case ${i}`);
  });
});
