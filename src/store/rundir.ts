/**
 * The run directory: config.json, history.jsonl (one flat record per logged step),
 * metrics.json and prediction.csv. Files are written atomically (temp file + rename) so a reader
 * never sees half a file.
 */
import {
  appendFileSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";

/** Write `data` to `path` and flush it to the device (a crash or a shared file system sees all of it). */
export function writeDurable(path: string, data: Uint8Array): void {
  const fd = openSync(path, "w");
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Write a file atomically. */
export function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

function why(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

/**
 * Make sure `dir` can hold a new run: create it (and parents) or accept an existing empty one,
 * then check it takes writes. On failure nothing new is left behind.
 * @throws when it exists and is not an empty directory, or cannot be created or written
 */
export function prepareRunDir(dir: string): void {
  let existed = false;
  try {
    const st = statSync(dir);
    existed = true;
    if (!st.isDirectory()) throw new Error(`--out ${dir}: exists and is not a directory`);
    if (readdirSync(dir).length > 0) throw new Error(`--out ${dir}: directory is not empty`);
  } catch (e) {
    if (existed) throw e;
  }
  if (!existed) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new Error(`--out ${dir}: cannot create (${why(e)})`, { cause: e });
    }
  }
  try {
    const probe = join(dir, ".write-probe");
    writeFileSync(probe, "");
    rmSync(probe);
  } catch (e) {
    // leave nothing behind: remove the directory if this call made it
    if (!existed) rmSync(dir, { recursive: true, force: true });
    throw new Error(`--out ${dir}: not writable (${why(e)})`, { cause: e });
  }
}

/** Append one JSON record as a line. */
export function appendRecord(path: string, record: unknown): void {
  appendFileSync(path, JSON.stringify(record) + "\n");
}

/** CSV of a tensor grid: header (inputs then outputs), one row per point. */
export function predictionCsv(
  inputs: readonly string[],
  fields: readonly string[],
  X: Float64Array,
  values: Readonly<Record<string, Float64Array>>,
  mask?: Uint8Array | null,
): string {
  const d = inputs.length;
  const n = X.length / d;
  const lines = [[...inputs, ...fields].join(",")];
  for (let i = 0; i < n; i++) {
    if (mask && !mask[i]) continue;
    const row: string[] = [];
    for (let k = 0; k < d; k++) row.push(fmt(X[i * d + k]));
    for (const f of fields) row.push(fmt(values[f][i]));
    lines.push(row.join(","));
  }
  return lines.join("\n") + "\n";
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(9);
}
