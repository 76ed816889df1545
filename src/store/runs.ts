/**
 * Finding and reading runs: a RUN argument names a run directory (a path) or a run id in the store
 * (its directory name, or a unique part of it). Reading a run's files turns a missing or corrupt
 * file into a one-line StoreError naming it.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { writeAtomic } from "./rundir.js";
import { StoreError, why } from "./errors.js";
import type { RunStore } from "./db.js";

/** Where a run lives. */
export interface RunLocation {
  /** The run directory. */
  readonly dir: string;
  /** Its id in the store (the directory's name). */
  readonly id: string;
  /** The store directory (the run directory's parent, holding pinnlab.db). */
  readonly storeDir: string;
}

/** The store directory and id of a run directory. */
export function locationOf(dir: string): RunLocation {
  const abs = resolve(dir);
  return { dir, id: basename(abs), storeDir: dirname(abs) };
}

/**
 * Resolve a RUN argument.
 * @param store the store to look ids up in (when `arg` is not a directory)
 * @throws StoreError when nothing or more than one run matches
 */
export function locateRun(arg: string, storeDir: string, store: () => RunStore): RunLocation {
  if (existsSync(arg) && statSync(arg).isDirectory()) return locationOf(arg);
  const s = store();
  try {
    const exact = s.get(arg);
    if (exact) return { dir: exact.dir, id: exact.id, storeDir };
    const hits = s.list().filter((r) => r.id.includes(arg));
    if (hits.length === 1) return { dir: hits[0].dir, id: hits[0].id, storeDir };
    if (hits.length === 0) throw new StoreError(`run ${arg}: no such run in ${s.path}`);
    const ids = hits.slice(0, 5).map((r) => r.id);
    throw new StoreError(
      `run ${arg}: ambiguous, ${hits.length} runs match (${ids.join(", ")}${hits.length > 5 ? ", ..." : ""})`,
    );
  } finally {
    s.close();
  }
}

/**
 * Read a JSON file of a run.
 * @throws StoreError naming the file when it is missing or not JSON
 */
export function readRunJson(dir: string, file: string): Record<string, unknown> {
  const path = join(dir, file);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const hint = (e as NodeJS.ErrnoException).code === "ENOENT" ? " (not a pinnlab run?)" : "";
    throw new StoreError(`${path}: cannot read (${why(e)})${hint}`);
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not an object");
    return v as Record<string, unknown>;
  } catch (e) {
    throw new StoreError(`${path}: corrupt JSON (${(e as Error).message})`);
  }
}

/**
 * The records of a JSON-lines file ([] when it does not exist). A last line without its newline
 * (a process killed mid-write) is dropped; any other unparsable line is an error.
 * @throws StoreError naming the file and line
 */
export function readJsonl(path: string): Record<string, unknown>[] {
  if (!existsSync(path)) return [];
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new StoreError(`${path}: cannot read (${why(e)})`);
  }
  const lines = text.split("\n");
  const complete = text.endsWith("\n") || text === "";
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l === "") continue;
    try {
      const v = JSON.parse(l) as unknown;
      if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not an object");
      out.push(v as Record<string, unknown>);
    } catch (e) {
      if (i === lines.length - 1 && !complete) break;
      throw new StoreError(`${path}:${i + 1}: corrupt record (${(e as Error).message})`);
    }
  }
  return out;
}

/** Rewrite a JSON-lines file atomically with only the records `keep` accepts. */
export function filterJsonl(path: string, keep: (r: Record<string, unknown>) => boolean): void {
  if (!existsSync(path)) return;
  const recs = readJsonl(path).filter(keep);
  writeAtomic(path, recs.map((r) => JSON.stringify(r) + "\n").join(""));
}
