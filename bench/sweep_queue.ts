// Queue overhead of a sweep: the same N tiny convection jobs (default 12) on the local pool
// (`--workers 1`) and on BullMQ with one `pinnlab worker` (a private redis-server on a loopback
// port), alternated R times (default 2). Per queued job, from its `queue` event (BullMQ's
// timestamps and the submitter's clock): submit to start of the first job, the worker's idle gap
// between jobs, the worker's time around the training process, and result back (finished on the
// worker to recorded in the submitter's store). Prints medians in ms and both sweeps' wall times.
//   npm run build && npx tsx bench/sweep_queue.ts [N] [R]
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { openStore } from "../src/store/db.js";
import { startRedis } from "../test/sweep/helpers.js";

const N = Number(process.argv[2] ?? 12);
const R = Number(process.argv[3] ?? 2);
const root = mkdtempSync(path.join(os.tmpdir(), "pinnlab-bench-queue-"));
const bin = path.resolve("bin/pinnlab.js");

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function spec(round: number, mode: string): string {
  const file = path.join(root, `spec-${mode}-${round}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      name: `${mode}${round}`,
      problems: ["convection"],
      presets: ["plain"],
      set: { optimizer: "adam", width: 8, depth: 2, points: 64, bcPoints: 16, evalEvery: 0 },
      seeds: N,
      steps: 40,
      report: false,
    }),
  );
  return file;
}

function timed(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${args.join(" ")}: ${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

// the sweep tests' private redis-server: a free loopback port, started once it accepts connections
const redis = await startRedis();
const url = redis.url;
let worker: ChildProcess | null = null;
try {
  worker = spawn(
    process.execPath,
    [bin, "worker", "--queue", url, "--work", path.join(root, "w")],
    {
      stdio: "ignore",
    },
  );
  await new Promise((res) => setTimeout(res, 1500));
  const rows: string[] = [];
  const startS: number[] = [];
  const gapS: number[] = [];
  const aroundS: number[] = [];
  const backS: number[] = [];
  for (let round = 0; round < R; round++) {
    const pool = timed([
      "sweep",
      spec(round, "pool"),
      "--workers",
      "1",
      "--store",
      path.join(root, "pool"),
    ]);
    const store = path.join(root, "queue");
    const queue = timed(["sweep", spec(round, "queue"), "--queue", url, "--store", store]);
    rows.push(
      `| ${round + 1} | ${pool.toFixed(1)} | ${queue.toFixed(1)} | ${(((queue - pool) / N) * 1000).toFixed(0)} |`,
    );
    const db = openStore(store, { create: false });
    const jobs = db
      .list({ sweep: db.sweeps().find((s) => s.id.startsWith(`queue${round}-`))?.id })
      .map((r) => {
        const t = db.events(r.id).find((e) => e.kind === "queue")?.detail as {
          added: number;
          started: number;
          finished: number;
          recorded: number;
        };
        const m = JSON.parse(readFileSync(path.join(r.dir, "metrics.json"), "utf8")) as {
          wall_s: number;
        };
        return { ...t, train: m.wall_s };
      })
      .sort((a, b) => a.started - b.started);
    db.close();
    startS.push(jobs[0].started - jobs[0].added);
    for (let i = 1; i < jobs.length; i++) gapS.push(jobs[i].started - jobs[i - 1].finished);
    for (const j of jobs) {
      aroundS.push(j.finished - j.started - j.train * 1000);
      backS.push(j.recorded - j.finished);
    }
  }
  console.log(`${N} jobs (convection, width 8, depth 2, 64 points, 40 Adam steps), ${R} rounds`);
  console.log(
    "| round | local pool, 1 process: wall s | queue, 1 worker: wall s | difference per job ms |",
  );
  console.log("| --- | --- | --- | --- |");
  for (const r of rows) console.log(r);
  console.log(`submit to start of the first job: median ${median(startS).toFixed(0)} ms`);
  console.log(`worker idle between jobs: median ${median(gapS).toFixed(0)} ms`);
  console.log(`worker time around the training process: median ${median(aroundS).toFixed(0)} ms`);
  console.log(`result back (finished -> recorded): median ${median(backS).toFixed(0)} ms`);
} finally {
  worker?.kill("SIGTERM");
  await new Promise((res) => setTimeout(res, 1000));
  await redis.stop();
  rmSync(root, { recursive: true, force: true });
}
