/**
 * `pinnlab worker --queue redis://HOST:PORT`: take sweep jobs from the BullMQ queue and train each
 * as a `pinnlab train` child in a scratch directory. Every checkpoint the child writes is copied
 * to Redis, so when this worker dies mid-job (its lock lapses and BullMQ hands the stalled job to
 * another worker) the next one resumes from that checkpoint instead of step 0. The run's files
 * and events go back as the job's result; the submitter records them in its store.
 *
 * With `--artifacts DIR` (a directory every machine shares, at any path), the jobs of a sweep
 * submitted with `--artifacts` put their checkpoints and results there instead of in Redis
 * (src/sweep/artifacts.ts); jobs submitted without it still use Redis. A problem file travels as
 * text in the job's data and is trained from a copy when this machine lacks it.
 *
 * SIGTERM (or SIGINT): take no new job, finish the current ones, exit 0. A second one: stop the
 * trainings now and put their jobs back on the queue; they resume from their last checkpoint.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { DelayedError, type Job, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { checkpointStep } from "../store/checkpoint.js";
import { openStore } from "../store/db.js";
import {
  checkArtifacts,
  dropCheckpoints,
  restoreCheckpoint,
  saveCheckpoint,
  saveResult,
} from "../sweep/artifacts.js";
import { crashMessage, runEnd, startTrain, type TrainChild, trainArgs } from "../sweep/jobs.js";
import {
  CHECKPOINT_FILES,
  QUEUE_NAME,
  type QueueJobData,
  type QueueResult,
  checkpointKey,
  connectRedis,
  connectionOptions,
  localProblemFile,
  packDir,
  parseRedisUrl,
  redisLost,
  setProblemPath,
} from "../sweep/queue.js";
import { intFlag } from "./args.js";
import { UsageError } from "./errors.js";

/** How often the worker looks for a new checkpoint of a running job (ms). */
const WATCH_MS = 100;

/** Write the checkpoint files stored in Redis into `dir`; returns the checkpoint's step. */
async function restore(redis: Redis, runId: string, dir: string): Promise<number | null> {
  const saved = await redis.hgetallBuffer(checkpointKey(runId));
  if (!saved["config.json"] || !saved["checkpoint.bin"]) return null;
  mkdirSync(dir, { recursive: true });
  for (const name of CHECKPOINT_FILES) {
    const b64 = saved[name];
    if (b64) writeFileSync(join(dir, name), Buffer.from(b64.toString("utf8"), "base64"));
  }
  // the restored file's own step: the saved `step` was read before the files were packed, and
  // the training may have written a newer checkpoint in between
  return checkpointStep(dir) ?? Number(saved.step?.toString("utf8") ?? "0");
}

/** Whether `path` is a directory. */
function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * `pinnlab worker --queue URL [--artifacts DIR] [--concurrency K] [--work DIR] [--lock MS]
 * [--stalled-interval MS]`
 * @returns 0 after a clean shutdown
 */
export async function worker(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      queue: { type: "string" },
      artifacts: { type: "string" },
      concurrency: { type: "string", default: "1" },
      work: { type: "string" },
      lock: { type: "string", default: "30000" },
      "stalled-interval": { type: "string", default: "15000" },
    },
  });
  if (values.queue === undefined) throw new UsageError("worker: --queue redis://HOST:PORT needed");
  const concurrency = intFlag("concurrency", values.concurrency, 1);
  const lockMs = intFlag("lock", values.lock, 100);
  const stalledMs = intFlag("stalled-interval", values["stalled-interval"], 100);
  const shared = values.artifacts === undefined ? null : resolve(values.artifacts);
  if (shared !== null && !isDir(shared)) {
    throw new UsageError(
      `--artifacts ${values.artifacts}: no such directory (mount the shared one)`,
    );
  }
  const name = `${hostname()}:${process.pid}`;
  const who = `pinnlab worker ${name}`;
  let redis: Redis;
  let addr;
  try {
    addr = parseRedisUrl(values.queue, "--queue");
    redis = await connectRedis(addr, "--queue", who);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const work = values.work ?? join(tmpdir(), `pinnlab-worker-${process.pid}`);
  mkdirSync(work, { recursive: true });
  const say = (s: string) => process.stderr.write(`${who}: ${s}\n`);
  const children = new Set<TrainChild>();
  let stopping = false;

  const processor = async (job: Job<QueueJobData, QueueResult>, token?: string) => {
    const { sweepId, job: sj, problemFile: shipped } = job.data;
    // checkpoints and results through the shared directory (its token checked) or through Redis
    let root: string | null = null;
    if (job.data.artifacts) {
      if (shared === null) {
        throw new Error(
          "the sweep was submitted with --artifacts: start the worker with --artifacts DIR (the shared directory)",
        );
      }
      const wrong = checkArtifacts(shared, job.data.artifacts.token);
      if (wrong) throw new Error(wrong);
      root = shared;
    }
    // the problem file: this machine's own when it holds the same text, else the shipped copy
    const local = shipped ? localProblemFile(shipped, work) : null;
    if (shipped && local?.copy) {
      say(`${sj.runId}: problem file ${shipped.path} from the job's text at ${local.path}`);
    }
    // a scratch store per attempt: the run id is the directory's name, its store the parent
    const base = mkdtempSync(join(work, `${sj.runId}-`));
    const dir = join(base, sj.runId);
    try {
      const from =
        root === null
          ? await restore(redis, sj.runId, dir)
          : restoreCheckpoint(root, sj.runId, dir);
      // a checkpoint saved elsewhere names that machine's copy of the problem file
      if (from !== null && local) setProblemPath(dir, local.path);
      say(
        from === null
          ? `${sj.runId}: started`
          : `${sj.runId}: resuming from the checkpoint at step ${from} (delivery ${job.attemptsStarted})`,
      );
      let lastLine = "";
      let sent = 0;
      const child = startTrain(
        trainArgs(local ? { ...sj, problem: local.path } : sj, dir, sweepId, from !== null),
        (l) => {
          lastLine = l;
        },
        { detached: true },
      );
      children.add(child);
      // copy each new checkpoint out; one upload at a time, the last one awaited below
      let seen = 0;
      let upload: Promise<void> = Promise.resolve();
      const watch = setInterval(() => {
        let mtime: number;
        try {
          mtime = statSync(join(dir, "checkpoint.bin")).mtimeMs;
        } catch {
          return;
        }
        if (mtime !== seen) {
          seen = mtime;
          upload = upload.then(async () => {
            if (root !== null) {
              const saved = saveCheckpoint(root, sj.runId, dir);
              say(`${sj.runId}: checkpoint at step ${saved} saved in ${root}`);
              return;
            }
            const step = checkpointStep(dir);
            const files = packDir(dir, CHECKPOINT_FILES);
            await redis.hset(checkpointKey(sj.runId), { ...files, step: String(step ?? 0) });
            say(`${sj.runId}: checkpoint at step ${step} saved`);
          });
        }
        if (lastLine && Date.now() - sent > 500) {
          sent = Date.now();
          void job.updateProgress({ line: lastLine }).catch(() => {});
        }
      }, WATCH_MS);
      const exit = await child.done;
      clearInterval(watch);
      children.delete(child);
      await upload.catch((e: Error) => say(`${sj.runId}: checkpoint not saved (${e.message})`));
      const end = runEnd(dir);
      if (end) {
        const store = openStore(base, { create: false });
        const events = store.events(sj.runId);
        store.close();
        // recorded under the submitter's path to the problem file, not this machine's copy
        if (shipped) setProblemPath(dir, shipped.path);
        const files =
          root === null
            ? { files: packDir(dir) }
            : { files: {}, artifacts: saveResult(root, sj.runId, dir) };
        const result: QueueResult = {
          status: end.state,
          message: end.message,
          ...files,
          events,
          worker: name,
        };
        if (root === null) await redis.del(checkpointKey(sj.runId));
        else dropCheckpoints(root, sj.runId);
        say(`${sj.runId}: ${end.state}`);
        return result;
      }
      if (stopping) {
        // stopped by a second SIGTERM: back on the queue, to resume from the saved checkpoint
        say(`${sj.runId}: stopped; back on the queue`);
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      throw new Error(crashMessage(exit));
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  };

  const w = new Worker<QueueJobData, QueueResult>(QUEUE_NAME, processor, {
    connection: connectionOptions(addr, who),
    concurrency,
    lockDuration: lockMs,
    stalledInterval: stalledMs,
    maxStalledCount: 2,
    name,
  });
  // while Redis is away the reconnection reports say so; the clients' own errors would repeat it
  w.on("error", (e) => {
    if (!redisLost()) say(`queue: ${e.message}`);
  });
  w.on("failed", (j, e) => {
    if (j && !(e instanceof DelayedError)) say(`${j.id}: failed: ${e.message}`);
  });
  say(
    `taking jobs from ${values.queue} (concurrency ${concurrency}${shared === null ? "" : `, artifacts in ${shared}`})`,
  );

  return new Promise<number>((res) => {
    let signals = 0;
    const shutdown = (sig: NodeJS.Signals) => {
      signals++;
      if (signals === 1) {
        say(`${sig}: finishing the current jobs, then exiting (again: stop them now)`);
        void w.close().then(() => {
          redis.disconnect();
          say("stopped");
          res(0);
        });
        // closing talks to Redis: when it is unreachable, exit once no training is left rather
        // than wait for it forever (the queue hands any unfinished job on when its lock lapses)
        const poll = setInterval(() => {
          if (children.size > 0) return;
          clearInterval(poll);
          setTimeout(() => {
            say("Redis did not answer the close; exiting without it");
            process.exit(0);
          }, 5000).unref();
        }, 200);
        poll.unref();
      } else if (signals === 2) {
        say(`${sig}: stopping the trainings; their jobs go back on the queue`);
        stopping = true;
        for (const c of children) c.kill("SIGTERM");
      }
    };
    process.on("SIGTERM", shutdown);
    process.on("SIGINT", shutdown);
  });
}
