/**
 * What the submitter (`pinnlab sweep --queue`) and the workers (`pinnlab worker`) share over
 * Redis: the queue's name, the job's data and result, the key that holds a job's last
 * checkpoint, the run directory's files packed for the trip, and a connection that reports every
 * reconnection attempt with its backoff instead of hanging silently.
 */
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, join } from "node:path";
import { Redis } from "ioredis";
import type { RunEvent } from "../store/db.js";
import type { SweepJob } from "./spec.js";

/** The BullMQ queue every sweep uses (jobs carry their sweep id). */
export const QUEUE_NAME = "pinnlab-sweep";

/** What a queued job carries. */
export interface QueueJobData {
  readonly sweepId: string;
  readonly job: SweepJob;
  /**
   * Checkpoints and results go through the shared `--artifacts` directory holding this token
   * (src/sweep/artifacts.ts) instead of Redis. Absent: through Redis.
   */
  readonly artifacts?: { readonly token: string };
  /** The job's problem file, when it names one: its text travels with the job. */
  readonly problemFile?: ShippedFile;
}

/** A problem file's source text, shipped to workers in the job's data. */
export interface ShippedFile {
  /** The file's absolute path on the submitting machine (the job's `problem`). */
  readonly path: string;
  readonly text: string;
  /** sha256 of the text, hex. */
  readonly sha256: string;
}

/** What a worker returns for a run that ended (completed or diverged). */
export interface QueueResult {
  readonly status: "completed" | "diverged";
  readonly message: string;
  /** The run directory's files, base64 (empty when they went through `--artifacts`). */
  readonly files: Readonly<Record<string, string>>;
  /** The directory, relative to the `--artifacts` directory, that holds the files instead. */
  readonly artifacts?: string;
  /** The run's events in the worker's store (resumes, rollbacks). */
  readonly events: readonly RunEvent[];
  /** The worker that finished it (`host:pid`). */
  readonly worker: string;
}

/** A job's progress as a worker reports it. */
export interface QueueProgress {
  /** The training's latest progress line. */
  readonly line: string;
}

/** A Redis address. */
export interface RedisAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Parse `redis://HOST:PORT` (port default 6379).
 * @throws naming the flag and the value
 * @example parseRedisUrl("redis://127.0.0.1:6380", "--queue"); // { host: "127.0.0.1", port: 6380 }
 */
export function parseRedisUrl(url: string, flag: string): RedisAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`${flag} ${url}: expected redis://HOST:PORT`);
  }
  if (u.protocol !== "redis:" || u.hostname === "" || (u.pathname !== "" && u.pathname !== "/")) {
    throw new Error(`${flag} ${url}: expected redis://HOST:PORT`);
  }
  const port = u.port === "" ? 6379 : Number(u.port);
  return { host: u.hostname.replace(/^\[|\]$/g, ""), port };
}

/** The Redis key holding a run's last checkpoint (files and step) while its job is unfinished. */
export function checkpointKey(runId: string): string {
  return `pinnlab:checkpoint:${runId}`;
}

/** The files a resumed run needs: its configuration, checkpoint and records up to it. */
export const CHECKPOINT_FILES = [
  "config.json",
  "checkpoint.bin",
  "history.jsonl",
  "evaluation.jsonl",
  "diagnostics.jsonl",
] as const;

/**
 * The run directory's regular files as base64 (atomic-write temporaries left out).
 * @param only just these names (the ones that exist)
 */
export function packDir(dir: string, only?: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of only ?? readdirSync(dir)) {
    const path = join(dir, name);
    if (name.includes(".tmp-")) continue;
    try {
      if (!statSync(path).isFile()) continue;
      out[name] = readFileSync(path).toString("base64");
    } catch {
      // absent (a run without diagnostics): nothing to send
    }
  }
  return out;
}

/**
 * Read a problem file for shipping (the submitter, after the sweep's check loaded it).
 * @example shipProblemFile("/home/me/heat.ts").sha256; // hex digest of the text
 */
export function shipProblemFile(path: string): ShippedFile {
  const text = readFileSync(path, "utf8");
  return { path, text, sha256: createHash("sha256").update(text).digest("hex") };
}

/**
 * Where a worker finds a shipped problem file: at its own path when that file holds the same
 * text (a shared file system: its relative imports and reference CSV work), else a copy of the
 * text at `<work>/problems/<sha256 prefix>/<file name>` (written once per text; a copy imports
 * only "pinnlab", "pinnlab/node" and packages installed where the worker runs).
 * @returns the path to train with, and whether it is the shipped copy
 */
export function localProblemFile(
  shipped: ShippedFile,
  work: string,
): { path: string; copy: boolean } {
  try {
    if (readFileSync(shipped.path, "utf8") === shipped.text) {
      return { path: shipped.path, copy: false };
    }
  } catch {
    // not on this machine
  }
  const name = basename(shipped.path).replace(/[^A-Za-z0-9._-]+/g, "_");
  const dir = join(work, "problems", shipped.sha256.slice(0, 16));
  const path = join(dir, name);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, shipped.text);
    renameSync(tmp, path);
  }
  return { path, copy: true };
}

/**
 * Set the problem file's path in a run directory's config.json (`problemFile`) and metrics.json
 * (`problem_file`), the rest of each file byte for byte: a checkpoint saved by another worker
 * resumes from this worker's copy, and a run trained from a copy is recorded under the
 * submitter's path.
 */
export function setProblemPath(dir: string, to: string): void {
  const re = /("problemFile"|"problem_file")(\s*:\s*)"(?:[^"\\]|\\.)*"/g;
  for (const name of ["config.json", "metrics.json"]) {
    const file = join(dir, name);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    const next = text.replace(re, (_, k: string, sep: string) => `${k}${sep}${JSON.stringify(to)}`);
    if (next !== text) writeFileSync(file, next);
  }
}

/** The backoff of reconnection attempt `n` (1-based): 0.5 s doubling, at most 10 s. */
export function backoffMs(n: number): number {
  return Math.min(500 * 2 ** Math.max(0, n - 1), 10_000);
}

/**
 * The reconnection attempt last reported, shared by this process's connections (BullMQ holds
 * several): each attempt is reported once, and 0 means connected.
 */
let reported = 0;

/** Whether this process is between losing Redis and getting it back. */
export function redisLost(): boolean {
  return reported > 0;
}

/**
 * Connection options for BullMQ (ioredis underneath): reconnect forever with backoff, and report
 * each attempt on stderr; commands wait for the connection instead of failing.
 */
export function connectionOptions(addr: RedisAddress, who: string) {
  return {
    host: addr.host,
    port: addr.port,
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => {
      const ms = backoffMs(times);
      if (times > reported) {
        reported = times;
        process.stderr.write(
          `${who}: lost Redis at ${addr.host}:${addr.port}; reconnecting (attempt ${times}, next in ${(ms / 1000).toFixed(1)} s)\n`,
        );
      }
      return ms;
    },
  };
}

/**
 * A plain Redis client (checkpoints), checked by a PING before it is returned; it reconnects
 * like {@link connectionOptions} afterwards.
 * @throws naming the address and the cause when Redis cannot be reached now (no retry)
 */
export async function connectRedis(addr: RedisAddress, flag: string, who: string): Promise<Redis> {
  let ready = false;
  const client = new Redis({
    host: addr.host,
    port: addr.port,
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => {
      // at start-up an unreachable Redis is the user's input error: fail at once
      if (!ready) return null;
      return connectionOptions(addr, who).retryStrategy(times);
    },
  });
  // errors surface through connect() and the retry reports; an unheard 'error' would throw
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    client.disconnect();
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new Error(`${flag} redis://${addr.host}:${addr.port}: cannot reach Redis (${why})`, {
      cause: e,
    });
  }
  ready = true;
  client.on("ready", () => {
    if (reported > 0) process.stderr.write(`${who}: Redis at ${addr.host}:${addr.port} is back\n`);
    reported = 0;
  });
  return client;
}
