// A sweep on BullMQ over a private redis-server: 12 tiny jobs, two `pinnlab worker`s, one of them
// SIGKILLed just after it saved a job's checkpoint to Redis. The job stalls, BullMQ hands it to
// the other worker, which resumes it from that checkpoint; the submitter's store ends with 12
// results, each recorded once. Then SIGTERM stops the surviving worker cleanly, and an
// unreachable Redis at submission is one line, exit 2, nothing recorded. The second test runs a
// YAML spec naming a problem file with `--artifacts DIR`: the file is moved away before the
// workers start (they train it from the text shipped in the jobs), one worker is SIGKILLed after
// it saved a checkpoint in DIR, and the other resumes it from there.
import assert from "node:assert/strict";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import Database from "better-sqlite3";
import { Redis } from "ioredis";
import { removeTempDirs, runCli, show, tempDir } from "../cli/helpers.js";
import { TINY_SET, cliGroup, freePort, redisMissing, startRedis, writeSpec } from "./helpers.js";

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
  const procs = cliGroup();
  const start = procs.start;
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
    procs.killAll();
    await redis.stop();
  }
});

// u'' = -pi^2 sin(pi x) on [0, 1], u = 0 at both ends: a problem file importing "pinnlab"
const LINE = `import { defineProblem, dirichlet, interval, sin } from "pinnlab";
export default defineProblem({
  name: "line",
  domain: interval(0, 1),
  fields: ["u"],
  residuals: { res: ({ d, x }) => d("u", "xx").add(sin(x("x").mul(Math.PI)).mul(Math.PI ** 2)) },
  conditions: { bc: dirichlet("u", [{ input: "x", side: "min" }, { input: "x", side: "max" }], 0) },
});
`;

test("--artifacts DIR and a YAML spec naming a problem file the workers lack: shipped, resumed from DIR, recorded once", async (t) => {
  const missing = redisMissing();
  if (missing) {
    t.skip(missing);
    return;
  }
  const redis = await startRedis();
  const client = new Redis(redis.url, { lazyConnect: true });
  const dir = tempDir("pinnlab-sweep-artifacts-");
  const store = path.join(dir, "runs");
  const shared = path.join(dir, "shared");
  const procs = cliGroup();
  const start = procs.start;
  try {
    await client.connect();
    const problem = path.join(dir, "line.ts");
    writeFileSync(problem, LINE);
    const yaml = (extra: string) =>
      [
        "name: art",
        "problems: [./line.ts]",
        "presets: [plain]",
        "set:",
        ...Object.entries(TINY_SET).map(([k, v]) => `  ${k}: ${v}`),
        extra,
        "seeds: 2",
        `steps: ${STEPS}`,
        "report: false",
        "",
      ].join("\n");
    // an unknown key inside the grid: one line naming it, exit 2, nothing queued or created
    const badSpec = path.join(dir, "bad.yml");
    writeFileSync(badSpec, yaml("grid: { widht: [8, 16] }"));
    const bad = runCli([
      "sweep",
      badSpec,
      "--queue",
      redis.url,
      "--artifacts",
      shared,
      "--store",
      path.join(dir, "badruns"),
    ]);
    assert.equal(bad.status, 2, show(bad));
    assert.equal(bad.stderr.trimEnd().split("\n").length, 1, show(bad));
    assert.match(bad.stderr, /bad\.yml: .*line\.ts: --set widht: unknown key/);
    assert.deepEqual(await client.keys("*"), [], "nothing queued");
    assert.ok(!existsSync(shared));

    const spec = path.join(dir, "spec.yaml");
    writeFileSync(spec, yaml(""));
    const sub = start([
      "sweep",
      spec,
      "--queue",
      redis.url,
      "--artifacts",
      shared,
      "--store",
      store,
    ]);
    await sub.waitLine(/2 jobs queued on \S+ \(artifacts in /, 60_000);
    // this machine's workers now lack the file at the spec's path: they train the shipped text
    renameSync(problem, `${problem}.away`);
    // worker B mounts the shared directory at another path
    mkdirSync(path.join(dir, "mnt"));
    symlinkSync(shared, path.join(dir, "mnt", "shared"));
    const workerArgs = (w: string, artifacts: string) => [
      "worker",
      "--queue",
      redis.url,
      "--artifacts",
      artifacts,
      "--work",
      path.join(dir, w),
      "--lock",
      "2000",
      "--stalled-interval",
      "1000",
    ];
    const a = start(workerArgs("a", shared));
    const b = start(workerArgs("b", path.join(dir, "mnt", "shared")));
    const m = await a
      .waitLine(/: (\S+): checkpoint at step ([1-9]|[1-5]\d) saved in /, 60_000)
      .catch((e) => {
        throw new Error(`${(e as Error).message}\nsubmitter:\n${sub.stderr()}\nB:\n${b.stderr()}`);
      });
    a.child.kill("SIGKILL");
    const killedRun = m[1];
    const savedStep = Number(m[2]);
    const end = await sub.exited;
    assert.equal(end.code, 0, `submitter\n${sub.stderr()}\nA:\n${a.stderr()}\nB:\n${b.stderr()}`);
    const resumed = new RegExp(`${killedRun}: resuming from the checkpoint at step (\\d+)`).exec(
      b.stderr(),
    );
    assert.ok(resumed, `B resumed the killed job\n${b.stderr()}`);
    const resumedAt = Number(resumed[1]);
    assert.ok(resumedAt >= savedStep && resumedAt < STEPS, `resumed at ${resumedAt}`);
    // both workers trained the text shipped in the job, not a file at the spec's path
    for (const w of [a, b]) {
      assert.match(w.stderr(), new RegExp(`problem file ${problem} from the job's text at `));
    }

    const db = new Database(path.join(store, "pinnlab.db"), { readonly: true });
    try {
      const rows = db
        .prepare("SELECT id, status, steps FROM runs WHERE sweep_id LIKE 'art-%' ORDER BY id")
        .all() as { id: string; status: string; steps: number }[];
      assert.equal(rows.length, 2);
      for (const r of rows) {
        assert.equal(r.status, "completed", r.id);
        assert.equal(r.steps, STEPS, r.id);
        const n = db
          .prepare("SELECT count(*) AS n FROM events WHERE run_id = ? AND kind = 'worker'")
          .get(r.id) as { n: number };
        assert.equal(n.n, 1, `${r.id}: recorded once`);
        // recorded under the submitter's path to the problem file, not a worker's copy
        const cfg = JSON.parse(readFileSync(path.join(store, r.id, "config.json"), "utf8")) as {
          problemFile: string;
        };
        assert.equal(cfg.problemFile, problem);
        // the result came through the shared directory: Redis holds only its name
        const rv = JSON.parse(
          (await client.hget(`bull:pinnlab-sweep:${r.id}`, "returnvalue")) ?? "{}",
        ) as {
          files: object;
          artifacts: string;
        };
        assert.deepEqual(rv.files, {});
        assert.match(rv.artifacts, new RegExp(`^${r.id}/result-`));
      }
      assert.ok(rows.some((r) => r.id === killedRun));
      const metrics = JSON.parse(
        readFileSync(path.join(store, killedRun, "metrics.json"), "utf8"),
      ) as { resumed_from: number | null };
      assert.equal(metrics.resumed_from, resumedAt);
      const steps = db
        .prepare("SELECT count(*) AS n, count(DISTINCT step) AS d FROM steps WHERE run_id = ?")
        .get(killedRun) as { n: number; d: number };
      assert.equal(steps.n, STEPS / 5 + 1, "every logged step once");
      assert.equal(steps.d, steps.n);
    } finally {
      db.close();
    }
    // recorded results and ended jobs' checkpoints are removed; the token stays
    assert.deepEqual(readdirSync(shared), [".pinnlab-artifacts"]);
  } finally {
    procs.killAll();
    client.disconnect();
    await redis.stop();
  }
});
