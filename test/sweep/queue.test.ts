// A sweep on BullMQ over a private redis-server: 12 tiny jobs, two `pinnlab worker`s, one of them
// SIGKILLed just after it saved a job's checkpoint to Redis. The job stalls, BullMQ hands it to
// the other worker, which resumes it from that checkpoint; the submitter's store ends with 12
// results, each recorded once. Then SIGTERM stops the surviving worker cleanly, and an
// unreachable Redis at submission is one line, exit 2, nothing recorded.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import Database from "better-sqlite3";
import { removeTempDirs, runCli, show, tempDir } from "../cli/helpers.js";
import {
  type CliProcess,
  TINY_SET,
  freePort,
  redisMissing,
  startCli,
  startRedis,
  writeSpec,
} from "./helpers.js";

after(removeTempDirs);

const STEPS = 60;

test("12 jobs on 2 workers, one SIGKILLed mid-job: 12 results, none lost or doubled, the killed job resumed", async (t) => {
  const missing = redisMissing();
  if (missing) {
    t.skip(missing);
    return;
  }
  const redis = await startRedis();
  const dir = tempDir("pinnlab-sweep-queue-");
  const store = path.join(dir, "runs");
  const started: CliProcess[] = [];
  const start = (args: string[]) => {
    const p = startCli(args);
    started.push(p);
    return p;
  };
  try {
    const spec = writeSpec(dir, {
      name: "q",
      problems: ["convection"],
      presets: ["plain"],
      set: TINY_SET,
      grid: { beta: [1, 2, 3] },
      seeds: 4,
      steps: STEPS,
      report: false,
    });
    // short locks, so the killed worker's job is handed on within seconds
    const workerArgs = (w: string) => [
      "worker",
      "--queue",
      redis.url,
      "--work",
      path.join(dir, w),
      "--lock",
      "2000",
      "--stalled-interval",
      "1000",
    ];
    const a = start(workerArgs("a"));
    const b = start(workerArgs("b"));
    const sub = start(["sweep", spec, "--queue", redis.url, "--store", store]);
    // kill A right after it saved a checkpoint of an unfinished job (step 1-59 of 60)
    const m = await a
      .waitLine(/: (\S+): checkpoint at step ([1-9]|[1-5]\d) saved\n/, 60_000)
      .catch((e) => {
        throw new Error(`${(e as Error).message}\nsubmitter:\n${sub.stderr()}\nB:\n${b.stderr()}`);
      });
    a.child.kill("SIGKILL");
    const killedRun = m[1];
    const savedStep = Number(m[2]);
    assert.equal((await a.exited).signal, "SIGKILL");
    assert.ok(savedStep < STEPS, `killed mid-job (checkpoint at ${savedStep} of ${STEPS})`);

    const end = await sub.exited;
    assert.equal(end.code, 0, `submitter\n${sub.stderr()}\nB:\n${b.stderr()}`);
    assert.match(
      b.stderr(),
      new RegExp(`${killedRun}: resuming from the checkpoint at step (\\d+)`),
      "B resumed the killed job",
    );
    const resumedAt = Number(
      new RegExp(`${killedRun}: resuming from the checkpoint at step (\\d+)`).exec(b.stderr())?.[1],
    );
    assert.ok(resumedAt >= savedStep && resumedAt < STEPS, `resumed at ${resumedAt}`);

    // the store: 12 runs of this sweep, each completed once, with its history once
    const status = runCli(["sweep", "status", spec, "--store", store, "--json"]);
    assert.equal(status.status, 0, show(status));
    const st = JSON.parse(status.stdout) as {
      id: string;
      counts: Record<string, number>;
      jobs: { runId: string; state: string }[];
    };
    assert.equal(st.jobs.length, 12);
    assert.equal(st.counts.completed, 12, status.stdout);
    assert.equal(new Set(st.jobs.map((j) => j.runId)).size, 12);
    const db = new Database(path.join(store, "pinnlab.db"), { readonly: true });
    try {
      const rows = db
        .prepare("SELECT id, status, steps FROM runs WHERE sweep_id = ? ORDER BY id")
        .all(st.id) as { id: string; status: string; steps: number }[];
      assert.equal(rows.length, 12);
      // what an uninterrupted run logs (logEvery 5, and the last step)
      const history = (id: string) =>
        readFileSync(path.join(store, id, "history.jsonl"), "utf8")
          .split("\n")
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { step: number }).step);
      const logged = history(rows.find((r) => r.id !== killedRun)?.id ?? "");
      assert.equal(logged.length, STEPS / 5 + 1, `${logged}`);
      for (const r of rows) {
        assert.equal(r.status, "completed", r.id);
        assert.equal(r.steps, STEPS, r.id);
        // each result arrived once: one `worker` event, and one step row per logged step
        const workers = db
          .prepare("SELECT count(*) AS n FROM events WHERE run_id = ? AND kind = 'worker'")
          .get(r.id) as { n: number };
        assert.equal(workers.n, 1, `${r.id}: recorded once`);
        const steps = db
          .prepare("SELECT count(*) AS n, count(DISTINCT step) AS d FROM steps WHERE run_id = ?")
          .get(r.id) as { n: number; d: number };
        assert.equal(steps.n, logged.length, `${r.id}: every logged step once`);
        assert.equal(steps.d, steps.n);
      }
      // the killed job: resumed, not restarted; its history holds each step once
      const metrics = JSON.parse(
        readFileSync(path.join(store, killedRun, "metrics.json"), "utf8"),
      ) as { resumed_from: number | null; steps: number };
      assert.equal(metrics.resumed_from, resumedAt);
      const others = rows.filter((r) => r.id !== killedRun).map((r) => r.id);
      for (const id of others) {
        const mo = JSON.parse(readFileSync(path.join(store, id, "metrics.json"), "utf8")) as {
          resumed_from: number | null;
        };
        assert.equal(mo.resumed_from, null, `${id} ran once from the start`);
      }
      const ev = db
        .prepare("SELECT kind, step FROM events WHERE run_id = ? AND kind = 'resume'")
        .all(killedRun) as { kind: string; step: number }[];
      assert.deepEqual(ev, [{ kind: "resume", step: resumedAt }]);
      assert.deepEqual(history(killedRun), logged, "history: every logged step once, in order");
    } finally {
      db.close();
    }

    // SIGTERM: B has no job left; it closes and exits 0
    b.child.kill("SIGTERM");
    const bEnd = await b.exited;
    assert.equal(bEnd.code, 0, b.stderr());
    assert.match(b.stderr(), /SIGTERM: finishing the current jobs/);

    // an unreachable Redis at submission: one line, exit 2, nothing recorded
    const closed = await freePort();
    const fresh = path.join(dir, "fresh");
    const bad = runCli(["sweep", spec, "--queue", `redis://127.0.0.1:${closed}`, "--store", fresh]);
    assert.equal(bad.status, 2, show(bad));
    assert.equal(bad.stderr.trimEnd().split("\n").length, 1, show(bad));
    assert.match(
      bad.stderr,
      new RegExp(`^pinnlab: error: --queue redis://127\\.0\\.0\\.1:${closed}: cannot reach Redis`),
    );
    assert.ok(!existsSync(path.join(fresh, "pinnlab.db")), "nothing recorded");
  } finally {
    // a failed assertion must not leave workers behind
    for (const p of started) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    await redis.stop();
  }
});
