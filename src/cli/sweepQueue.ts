/**
 * The submitting side of a queued sweep (`pinnlab sweep --queue redis://HOST:PORT`): put the
 * jobs that have not ended on the BullMQ queue (job id = run id, so a job already queued is not
 * queued twice), follow them, and write each result into this store exactly once. With
 * `--artifacts DIR` the results arrive as directories in DIR (src/sweep/artifacts.ts) instead of
 * base64 in Redis; a problem file's text rides in each of its jobs' data.
 */
import { mkdirSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { RunStore } from "../store/db.js";
import { writeAtomic } from "../store/rundir.js";
import { artifactsToken, readResult, removeRunArtifacts } from "../sweep/artifacts.js";
import {
  QUEUE_NAME,
  type QueueJobData,
  type QueueProgress,
  type QueueResult,
  checkpointKey,
  connectRedis,
  connectionOptions,
  parseRedisUrl,
  redisLost,
  type ShippedFile,
  shipProblemFile,
} from "../sweep/queue.js";
import type { Sweep, SweepJob } from "../sweep/spec.js";
import { UsageError } from "./errors.js";
import type { SweepDisplay } from "./sweep.js";

/**
 * When a queued job was added, taken by a worker, finished there and recorded here (epoch ms,
 * from BullMQ's job and this process's clock): its queue overhead, kept as the run's `queue`
 * event.
 */
export interface QueueTiming {
  added: number;
  started: number | null;
  finished: number | null;
  recorded: number;
}

/** A connected submitter. */
export interface Submitter {
  /** Queue `jobs` and wait until each has ended, recording the results in `store`. */
  run(
    sweep: Sweep,
    jobs: readonly SweepJob[],
    store: RunStore,
    storeDir: string,
    display: SweepDisplay,
  ): Promise<void>;
  close(): Promise<void>;
}

/**
 * A queued job's result files: from the result itself (base64), or from the directory it names
 * under `artifacts` (the submitter's `--artifacts DIR`).
 * @throws naming the directory when the files cannot be read, or when the result is in a shared
 * directory and this submitter has none
 */
export function resultFiles(
  runId: string,
  r: QueueResult,
  artifacts: string | null,
): Record<string, Buffer> {
  if (r.artifacts === undefined) {
    return Object.fromEntries(
      Object.entries(r.files).map(([n, b64]) => [n, Buffer.from(b64, "base64")]),
    );
  }
  if (artifacts === null) {
    throw new Error(
      `its result is in a shared directory (${r.artifacts}): submit the sweep with --artifacts DIR`,
    );
  }
  return readResult(artifacts, runId, r.artifacts);
}

/**
 * Record a queued job's result in the store, once: a job whose result is already recorded (it ran
 * twice, or this sweep was submitted again) is left as it is.
 * @param got the run directory's files ({@link resultFiles})
 * @returns whether this call recorded it
 */
export function recordResult(
  store: RunStore,
  storeDir: string,
  sweepId: string,
  job: SweepJob,
  r: QueueResult,
  got: Readonly<Record<string, Buffer>>,
  timing: QueueTiming | null = null,
): boolean {
  const done = store.sweepJobs(sweepId).find((j) => j.job_id === job.id);
  if (done && (done.state === "completed" || done.state === "diverged")) return false;
  const dir = join(storeDir, job.runId);
  mkdirSync(dir, { recursive: true });
  const files = Object.entries(got);
  // the files first (rewritten whole if a previous attempt left some), then the rows in one
  // transaction: a crash in between leaves the job unrecorded, and the next attempt redoes both
  for (const [name, data] of files) writeAtomic(join(dir, name), data);
  const text = (name: string) => files.find(([n]) => n === name)?.[1].toString("utf8") ?? "";
  const metrics = JSON.parse(text("metrics.json") || "{}") as Record<string, unknown>;
  const config = JSON.parse(text("config.json") || "{}") as Record<string, unknown>;
  const history = text("history.jsonl")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { step: number; phase: string; loss: number });
  return store.transaction(() => {
    if (!store.get(job.runId)) {
      store.insertRun({
        id: job.runId,
        dir,
        problem: String(metrics.problem ?? config.problem ?? job.problem),
        seed: job.seed,
        config,
        sweep_id: sweepId,
      });
    }
    store.dropStepsFrom(job.runId, 0);
    for (const h of history) store.addStep(job.runId, h);
    for (const e of r.events) store.addEvent(job.runId, e.kind, e.step, e.detail);
    store.addEvent(job.runId, "worker", null, { worker: r.worker });
    if (timing) store.addEvent(job.runId, "queue", null, timing);
    store.updateRun(job.runId, {
      status: r.status,
      message: r.message,
      steps: Number(metrics.steps ?? 0),
      wall_s: typeof metrics.wall_s === "number" ? metrics.wall_s : null,
      rel_l2: typeof metrics.rel_l2 === "number" ? metrics.rel_l2 : null,
      backend: typeof metrics.backend === "string" ? metrics.backend : null,
      metrics,
      pid: null,
    });
    store.setJobState(sweepId, job.id, r.status, r.message);
    return true;
  });
}

/**
 * Connect to the queue's Redis; an unreachable Redis is the user's input error (one line, exit
 * 2), found before anything is recorded or queued.
 * @param artifacts the shared directory for checkpoints and results (created when missing), or
 * null: they go through Redis
 * @throws UsageError naming the URL, or the directory when it cannot be used
 */
export async function connectSubmitter(
  url: string,
  artifacts: string | null = null,
): Promise<Submitter> {
  let addr;
  let redis: Redis;
  let token: string | null = null;
  const root = artifacts === null ? null : resolve(artifacts);
  try {
    if (root !== null) token = artifactsToken(root);
    addr = parseRedisUrl(url, "--queue");
    redis = await connectRedis(addr, "--queue", "pinnlab sweep");
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const queue = new Queue(QUEUE_NAME, { connection: connectionOptions(addr, "pinnlab sweep") });
  queue.on("error", (e) => {
    if (!redisLost()) process.stderr.write(`pinnlab sweep: queue: ${e.message}\n`);
  });
  return {
    async run(sweep, jobs, store, storeDir, display) {
      const byId = new Map(jobs.map((j) => [j.runId, j]));
      // a problem file is named by its absolute path (built-in names never are): read it once
      const texts = new Map<string, ShippedFile>();
      const dataOf = (job: SweepJob): QueueJobData => {
        let shipped: ShippedFile | undefined;
        if (isAbsolute(job.problem)) {
          shipped = texts.get(job.problem) ?? shipProblemFile(job.problem);
          texts.set(job.problem, shipped);
        }
        return {
          sweepId: sweep.id,
          job,
          ...(token === null ? {} : { artifacts: { token } }),
          ...(shipped ? { problemFile: shipped } : {}),
        };
      };
      for (const job of jobs) {
        const data = dataOf(job);
        // a job id that is already on the queue is not added again (BullMQ keeps the first)
        await queue.add("train", data, { jobId: job.runId, removeOnComplete: false });
        const state = await queue.getJobState(job.runId);
        if (state === "failed") {
          // a job that failed in an earlier submission: this submission tries it again
          await (await queue.getJob(job.runId))?.retry("failed");
        }
        store.setJobState(sweep.id, job.id, "queued", "");
      }
      if (jobs.length > 0) {
        display.note(
          `${jobs.length} jobs queued on ${url}${root === null ? "" : ` (artifacts in ${root})`}`,
        );
      }
      const started = new Set<string>();
      while (byId.size > 0) {
        for (const [runId, job] of byId) {
          const state = await queue.getJobState(runId);
          if (state === "active") {
            if (!started.has(runId)) {
              started.add(runId);
              store.setJobState(sweep.id, job.id, "running", "");
              display.start(runId);
            }
            const j = await queue.getJob(runId);
            const p = j?.progress as QueueProgress | undefined;
            if (p && typeof p === "object" && p.line) display.line(runId, p.line);
          } else if (state === "completed" || state === "failed") {
            const j = await queue.getJob(runId);
            if (!j) continue;
            byId.delete(runId);
            started.delete(runId);
            const r = state === "completed" ? (j.returnvalue as QueueResult) : null;
            let files: Record<string, Buffer> | null = null;
            let unreadable = "";
            if (r) {
              try {
                files = resultFiles(runId, r, root);
              } catch (e) {
                unreadable = (e as Error).message;
              }
            }
            if (r && files) {
              recordResult(store, storeDir, sweep.id, job, r, files, {
                added: j.timestamp,
                started: j.processedOn ?? null,
                finished: j.finishedOn ?? null,
                recorded: Date.now(),
              });
              display.end(runId, r.status, r.status === "completed" ? `by ${r.worker}` : r.message);
            } else if (unreadable) {
              store.setJobState(sweep.id, job.id, "failed", unreadable);
              display.end(runId, "failed", unreadable);
            } else {
              const message = j.failedReason || "failed on the queue (no reason given)";
              store.setJobState(sweep.id, job.id, "failed", message);
              display.end(runId, "failed", message);
            }
            // its checkpoint is no longer needed (the worker removes it too; a crash may not)
            await redis.del(checkpointKey(runId));
            if (root !== null && !unreadable) removeRunArtifacts(root, runId);
          } else if (state === "unknown") {
            // removed from the queue behind our back: queue it again
            await queue.add("train", dataOf(job), { jobId: runId });
          }
        }
        if (byId.size > 0) await new Promise((res) => setTimeout(res, 200));
      }
    },
    async close() {
      await queue.close();
      redis.disconnect();
    },
  };
}
