/**
 * A shared directory instead of Redis for a queued sweep's large files (`pinnlab sweep --queue URL
 * --artifacts DIR`, `pinnlab worker --queue URL --artifacts DIR`): each machine mounts the same
 * directory, possibly at another path. Redis then carries only the job's data, its state and a
 * small result naming a directory relative to DIR.
 *
 * Layout under DIR:
 * - `.pinnlab-artifacts`: a token the submitter wrote; a worker refuses a job whose token its own
 *   DIR does not hold (a directory that is not the shared one would lose the results).
 * - `<run id>/checkpoint-<step>-<tag>/`: the last checkpoint a worker saved of an unfinished job
 *   ({@link CHECKPOINT_FILES}); older ones are removed once a newer one is complete.
 * - `<run id>/result-<tag>/`: an ended run directory's files, for the submitter to record; it
 *   removes `<run id>/` afterwards.
 *
 * Every directory is written under a `.tmp-` name and renamed whole, so a reader sees complete
 * checkpoints and results only (a worker killed while copying leaves a `.tmp-` directory that
 * readers skip).
 */
import { randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { checkpointStep } from "../store/checkpoint.js";
import { writeDurable } from "../store/rundir.js";
import { CHECKPOINT_FILES } from "./queue.js";

/** The token file at the top of an artifacts directory. */
export const TOKEN_FILE = ".pinnlab-artifacts";

/** A name part unique to this process and moment (`host-pid-time-random`). */
export function attemptTag(): string {
  const host = hostname()
    .replace(/[^A-Za-z0-9_-]+/g, "_")
    .slice(0, 40);
  return `${host}-${process.pid}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
}

/**
 * The submitter's side: create DIR when missing and return its token (written once; every later
 * sweep on the same DIR reuses it).
 * @throws naming the directory when it cannot be created or written
 */
export function artifactsToken(root: string): string {
  const file = join(root, TOKEN_FILE);
  try {
    mkdirSync(root, { recursive: true });
    if (!existsSync(file)) {
      const tmp = join(root, `${TOKEN_FILE}.tmp-${attemptTag()}`);
      writeDurable(tmp, Buffer.from(randomBytes(16).toString("hex")));
      // two submitters starting at once: the last rename wins, and both read the winner below
      renameSync(tmp, file);
    }
    return readFileSync(file, "utf8").trim();
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new Error(`--artifacts ${root}: cannot use it (${why})`, { cause: e });
  }
}

/**
 * The worker's side: whether DIR is the directory a job's submitter wrote to.
 * @returns null when it is, else why not (one line)
 */
export function checkArtifacts(root: string, token: string): string | null {
  let mine: string;
  try {
    mine = readFileSync(join(root, TOKEN_FILE), "utf8").trim();
  } catch {
    return `--artifacts ${root} holds no ${TOKEN_FILE}: not the directory the sweep was submitted with`;
  }
  return mine === token
    ? null
    : `--artifacts ${root} is another sweep directory than the one the job was submitted with`;
}

/**
 * Copy the regular files `names` (all when absent) of `src` into `<root>/<runId>/<name>/`,
 * written under a temporary name and renamed whole.
 * @returns the directory's path relative to `root`
 */
function publish(
  root: string,
  runId: string,
  name: string | ((copy: string) => string),
  src: string,
  names?: readonly string[],
): string {
  const parent = join(root, runId);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.tmp-${attemptTag()}`);
  mkdirSync(tmp);
  for (const f of names ?? readdirSync(src)) {
    if (f.includes(".tmp-")) continue;
    let data: Buffer;
    try {
      if (!statSync(join(src, f)).isFile()) continue;
      data = readFileSync(join(src, f));
    } catch {
      continue; // absent (a run without diagnostics)
    }
    writeDurable(join(tmp, f), data);
  }
  const final = typeof name === "string" ? name : name(tmp);
  renameSync(tmp, join(parent, final));
  return `${runId}/${final}`;
}

/** The complete checkpoints of a run under `root`, newest (highest step) first. */
function checkpoints(root: string, runId: string): { name: string; step: number }[] {
  let names: string[];
  try {
    names = readdirSync(join(root, runId));
  } catch {
    return [];
  }
  return names
    .map((name) => ({ name, m: /^checkpoint-(\d+)-/.exec(name) }))
    .filter((c) => c.m !== null)
    .map((c) => ({ name: c.name, step: Number(c.m?.[1]) }))
    .sort((a, b) => b.step - a.step);
}

/**
 * Save a run directory's checkpoint files under `root`, named by the step of the copy itself (the
 * training may write a newer checkpoint while this one is copied), and remove older saves.
 * @returns the saved checkpoint's step (0 when its header cannot be read)
 */
export function saveCheckpoint(root: string, runId: string, dir: string): number {
  let step = 0;
  const tag = attemptTag();
  publish(
    root,
    runId,
    (copy) => {
      step = checkpointStep(copy) ?? 0;
      return `checkpoint-${String(step).padStart(12, "0")}-${tag}`;
    },
    dir,
    CHECKPOINT_FILES,
  );
  for (const c of checkpoints(root, runId)) {
    if (c.step < step) rmSync(join(root, runId, c.name), { recursive: true, force: true });
  }
  return step;
}

/**
 * Write a run's newest saved checkpoint into `dir`.
 * @returns its step, or null when none is saved
 */
export function restoreCheckpoint(root: string, runId: string, dir: string): number | null {
  for (const c of checkpoints(root, runId)) {
    const from = join(root, runId, c.name);
    try {
      const files = CHECKPOINT_FILES.filter((f) => existsSync(join(from, f))).map(
        (f) => [f, readFileSync(join(from, f))] as const,
      );
      if (!files.some(([f]) => f === "checkpoint.bin")) continue;
      mkdirSync(dir, { recursive: true });
      for (const [f, data] of files) writeDurable(join(dir, f), data);
      return checkpointStep(dir) ?? c.step;
    } catch {
      // removed by a newer save meanwhile: take the next
    }
  }
  return null;
}

/** Remove a run's saved checkpoints (its job ended). */
export function dropCheckpoints(root: string, runId: string): void {
  for (const c of checkpoints(root, runId)) {
    rmSync(join(root, runId, c.name), { recursive: true, force: true });
  }
}

/**
 * Publish an ended run directory's files for the submitter.
 * @returns the result's directory relative to `root` (what the job's result names)
 */
export function saveResult(root: string, runId: string, dir: string): string {
  return publish(root, runId, `result-${attemptTag()}`, dir);
}

/**
 * Read a result a worker published.
 * @param rel the directory the job's result names, relative to `root`: `<runId>/result-<tag>`
 * @throws naming the directory when it is not a result of `runId` or cannot be read
 */
export function readResult(root: string, runId: string, rel: string): Record<string, Buffer> {
  const m = /^([^/\\]+)\/(result-[A-Za-z0-9_.-]+)$/.exec(rel);
  if (!m || m[1] !== runId || m[2].includes("..")) {
    throw new Error(`result ${JSON.stringify(rel)} is not a result directory of ${runId}`);
  }
  const dir = join(root, rel);
  const out: Record<string, Buffer> = {};
  try {
    for (const f of readdirSync(dir)) out[f] = readFileSync(join(dir, f));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new Error(`${dir}: cannot read the result (${why})`, { cause: e });
  }
  return out;
}

/** Remove everything of a run under `root` (its result was recorded, or its job failed). */
export function removeRunArtifacts(root: string, runId: string): void {
  rmSync(join(root, runId), { recursive: true, force: true });
}
