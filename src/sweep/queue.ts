/**
 * What the submitter (`pinnlab sweep --queue`) and the workers (`pinnlab worker`) share over
 * Redis: the queue's name, the job's data and result, the key that holds a job's last
 * checkpoint, the run directory's files packed for the trip, and a connection that reports every
 * reconnection attempt with its backoff instead of hanging silently.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import type { RunEvent } from "../store/db.js";
import type { SweepJob } from "./spec.js";

/** The BullMQ queue every sweep uses (jobs carry their sweep id). */
export const QUEUE_NAME = "pinnlab-sweep";

/** What a queued job carries. */
export interface QueueJobData {
  readonly sweepId: string;
  readonly job: SweepJob;
}

/** What a worker returns for a run that ended (completed or diverged). */
export interface QueueResult {
  readonly status: "completed" | "diverged";
  readonly message: string;
  /** The run directory's files, base64. */
  readonly files: Readonly<Record<string, string>>;
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
