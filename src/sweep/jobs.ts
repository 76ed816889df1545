/**
 * Running one sweep job as a `pinnlab train` child process, and reading where a job stands from
 * its run directory. Shared by the local pool (src/cli/sweep.ts) and the queue worker
 * (src/cli/worker.ts): one process per job, so a crash, a wasm abort or an out-of-memory kill
 * ends that job only.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SweepJobState } from "../store/db.js";
import type { SweepJob } from "./spec.js";

/** `bin/pinnlab.js`, two levels above this file in src/ and in dist/ alike. */
export const PINNLAB_BIN = fileURLToPath(new URL("../../bin/pinnlab.js", import.meta.url));

/**
 * The environment variable that gives a sweep's training child the pid of the process that
 * started it (a pool or a worker).
 */
export const PARENT_ENV = "PINNLAB_SWEEP_PARENT";

/** What to do with a job, from what its run directory holds. */
export type JobPlan =
  | { kind: "done"; state: Extract<SweepJobState, "completed" | "diverged">; message: string }
  | { kind: "resume" }
  | { kind: "fresh" };

/** How a run ended, from its metrics.json (null: it has not ended, or the file is unreadable). */
export function runEnd(dir: string): Extract<JobPlan, { kind: "done" }> | null {
  try {
    const m = JSON.parse(readFileSync(join(dir, "metrics.json"), "utf8")) as {
      status?: string;
      message?: string;
    };
    if (m.status === "completed" || m.status === "diverged") {
      return { kind: "done", state: m.status, message: m.message ?? "" };
    }
  } catch {
    // missing or half-written: not ended
  }
  return null;
}

/**
 * Decide a job's next step from its run directory: ended (metrics.json), started (config.json:
 * resume from its checkpoint, or from step 0 when it has none) or not started. A directory
 * without config.json was killed before training began; it is removed.
 */
export function planJob(dir: string): JobPlan {
  const end = runEnd(dir);
  if (end) return end;
  // an unreadable metrics.json would make `train --resume` refuse the run: train it again
  rmSync(join(dir, "metrics.json"), { force: true });
  if (existsSync(join(dir, "config.json"))) return { kind: "resume" };
  rmSync(dir, { recursive: true, force: true });
  return { kind: "fresh" };
}

/**
 * The `pinnlab train` arguments of a job: a fresh run into `dir`, or `--resume dir`.
 * @example trainArgs(job, "runs/sw-1-convection-s0", "sw-1", false);
 */
export function trainArgs(job: SweepJob, dir: string, sweepId: string, resume: boolean): string[] {
  const common = [
    "--sweep",
    sweepId,
    ...(job.budget === undefined ? [] : ["--budget", String(job.budget)]),
    ...(job.report ? [] : ["--no-report"]),
  ];
  if (resume) return ["train", "--resume", dir, ...common];
  return [
    "train",
    job.problem,
    ...(job.preset === "none" ? [] : ["--preset", job.preset]),
    ...job.overrides.flatMap(([k, v]) => ["--set", `${k}=${String(v)}`]),
    "--seed",
    String(job.seed),
    ...(job.steps === undefined ? [] : ["--steps", String(job.steps)]),
    "--out",
    dir,
    ...common,
  ];
}

/** How a training child ended. */
export interface ChildEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The child's last error line (`pinnlab: error: ...`, an internal error's first line). */
  error: string;
}

/** A running training child. */
export interface TrainChild {
  readonly pid: number | undefined;
  /** Resolves when the child has exited. */
  readonly done: Promise<ChildEnd>;
  kill(signal: NodeJS.Signals): void;
}

/**
 * Start `pinnlab train ...args` with its stderr read line by line (`onLine` sees every line: the
 * progress records and notes); stdout is discarded (the result is read from the run directory).
 * The child learns this process's pid ({@link PARENT_ENV}) and stops at its next logged step once
 * it is orphaned (src/cli/train.ts), instead of training on for nobody.
 * @param o `detached`: in its own process group (signals to this one's group miss it)
 */
export function startTrain(
  args: readonly string[],
  onLine: (l: string) => void,
  o: { detached?: boolean } = {},
): TrainChild {
  const child = spawn(process.execPath, [PINNLAB_BIN, ...args], {
    // detached: a terminal's Ctrl-C reaches the worker only, which decides what its jobs do
    detached: o.detached ?? false,
    stdio: ["ignore", "ignore", "pipe"],
    env: {
      ...process.env,
      NO_COLOR: "1",
      FORCE_COLOR: "0",
      [PARENT_ENV]: String(process.pid),
    },
  });
  let error = "";
  let buf = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const m = /^pinnlab: (?:error|internal error): (.*)$/.exec(line);
      if (m) error = m[1];
      onLine(line);
    }
  });
  const done = new Promise<ChildEnd>((res) => {
    child.on("error", (e) => {
      error = e.message;
    });
    child.on("close", (code, signal) => res({ code, signal, error }));
  });
  return {
    pid: child.pid,
    done,
    kill: (s) => {
      child.kill(s);
    },
  };
}

/** A one-line reason for a child that ended without a result. */
export function crashMessage(e: ChildEnd): string {
  if (e.error) return e.error;
  if (e.signal) return `the training process was killed (${e.signal})`;
  return `the training process exited with status ${e.code} and no result`;
}
