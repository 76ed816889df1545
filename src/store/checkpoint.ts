/**
 * Checkpoint files: a run directory's `checkpoint.bin` holds one {@link TrainState}, replaced
 * atomically (written to a temporary file, flushed to disk, renamed over the old one), so a
 * process killed at any moment leaves either the previous checkpoint or the new one.
 *
 * Layout (little-endian): magic "PINNCKPT", u32 format version, u32 JSON length, the JSON header
 * (everything but the big arrays; typed arrays inside the weighting state are base64), zero
 * padding to a multiple of 8, then params, mu, nu as float64 [P] each, then (format 2) the large
 * float64 arrays of a second-order phase's state (`second`: a dense inverse Hessian, the fixed
 * batches) and of a SOAP phase's state (`firstOrder`: moments, Shampoo factors, eigenbases), each
 * replaced in the header by `{ $bin: index }` and listed in `bins` by length, then
 * the SHA-256 of all preceding bytes. Float64 holds every float32 exactly, so a restored run
 * continues bit for bit. Format 1 files (no `bins`) are still read.
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, readFileSync, readSync, renameSync } from "node:fs";
import { join } from "node:path";
import type { TrainState } from "../train/state.js";
import { StoreError, why } from "./errors.js";
import { decodeJson, encodeJson } from "./json.js";
import { writeDurable } from "./rundir.js";

const MAGIC = "PINNCKPT";
const VERSION = 2;
/** Formats this version reads. */
const READS = [1, 2];
/** Arrays at least this long go to the binary section (shorter ones stay in the header). */
const BIN_MIN = 64;

/** Replace long float64 arrays inside `v` by `{ $bin: i }`, collecting them in `bins`. */
function lift(v: unknown, bins: Float64Array[]): unknown {
  if (v instanceof Float64Array) {
    if (v.length < BIN_MIN) return v;
    bins.push(v);
    return { $bin: bins.length - 1 };
  }
  if (v === null || typeof v !== "object" || ArrayBuffer.isView(v)) return v;
  if (Array.isArray(v)) return v.map((x) => lift(x, bins));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, lift(x, bins)]));
}

/** Put the binary arrays back where {@link lift} took them from. */
function lower(v: unknown, bins: readonly Float64Array[]): unknown {
  if (v === null || typeof v !== "object" || ArrayBuffer.isView(v)) return v;
  if (Array.isArray(v)) return v.map((x) => lower(x, bins));
  const o = v as Record<string, unknown>;
  if (typeof o.$bin === "number" && Object.keys(o).length === 1) return bins[o.$bin];
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, lower(x, bins)]));
}
const HASH = 32;

/** The checkpoint file of a run directory. */
export function checkpointPath(dir: string): string {
  return join(dir, "checkpoint.bin");
}

/** Serialise a training state to the checkpoint format. */
export function encodeCheckpoint(s: TrainState): Buffer {
  const { optimizer, second, firstOrder, ...rest } = s;
  const P = optimizer.params.length;
  const bins: Float64Array[] = [];
  const lifted = second ? lift(second, bins) : undefined;
  const liftedFirst = firstOrder ? lift(firstOrder, bins) : undefined;
  const header = encodeJson({
    ...rest,
    optimizer: { P, count: optimizer.count, b1t: optimizer.b1t, b2t: optimizer.b2t },
    ...(lifted ? { second: lifted } : {}),
    ...(liftedFirst ? { firstOrder: liftedFirst } : {}),
    bins: bins.map((b) => b.length),
  });
  const json = Buffer.from(header, "utf8");
  const pre = 16 + json.length;
  const pad = (8 - (pre % 8)) % 8;
  const binBytes = bins.reduce((a, b) => a + 8 * b.length, 0);
  const body = Buffer.alloc(pre + pad + 3 * 8 * P + binBytes + HASH);
  body.write(MAGIC, 0, "latin1");
  body.writeUInt32LE(VERSION, 8);
  body.writeUInt32LE(json.length, 12);
  json.copy(body, 16);
  let off = pre + pad;
  for (const a of [optimizer.params, optimizer.mu, optimizer.nu, ...bins]) {
    for (let i = 0; i < a.length; i++, off += 8) body.writeDoubleLE(a[i], off);
  }
  createHash("sha256").update(body.subarray(0, off)).digest().copy(body, off);
  return body;
}

/**
 * Parse a checkpoint.
 * @param name the file name for error messages
 * @throws StoreError naming the file when it is not a checkpoint, truncated or corrupt
 */
export function decodeCheckpoint(buf: Buffer, name: string): TrainState {
  const bad = (what: string): never => {
    throw new StoreError(`${name}: ${what}`);
  };
  if (buf.length < 16 + HASH || buf.toString("latin1", 0, 8) !== MAGIC) {
    bad("not a pinnlab checkpoint");
  }
  const version = buf.readUInt32LE(8);
  if (!READS.includes(version)) {
    bad(`checkpoint format ${version}, this pinnlab reads ${READS.join(" and ")}`);
  }
  const end = buf.length - HASH;
  const digest = createHash("sha256").update(buf.subarray(0, end)).digest();
  if (!digest.equals(buf.subarray(end))) bad("corrupt checkpoint (checksum mismatch)");
  const n = buf.readUInt32LE(12);
  if (16 + n > end) bad("corrupt checkpoint (header length)");
  let head: Record<string, unknown>;
  try {
    head = decodeJson(buf.toString("utf8", 16, 16 + n)) as Record<string, unknown>;
  } catch (e) {
    return bad(`corrupt checkpoint header (${(e as Error).message})`);
  }
  const opt = head.optimizer as { P: number; count: number; b1t: number; b2t: number };
  const pre = 16 + n;
  let off = pre + ((8 - (pre % 8)) % 8);
  const binLengths = (head.bins ?? []) as number[];
  const binBytes = binLengths.reduce((a, n) => a + 8 * n, 0);
  if (off + 3 * 8 * opt.P + binBytes !== end) bad("corrupt checkpoint (array sizes)");
  const read = (n: number) => {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++, off += 8) a[i] = buf.readDoubleLE(off);
    return a;
  };
  const params = read(opt.P);
  const mu = read(opt.P);
  const nu = read(opt.P);
  const bins = binLengths.map(read);
  const { bins: _bins, second, firstOrder, ...rest } = head;
  void _bins;
  return {
    ...(rest as unknown as TrainState),
    optimizer: { params, mu, nu, count: opt.count, b1t: opt.b1t, b2t: opt.b2t },
    ...(second ? { second: lower(second, bins) as TrainState["second"] } : {}),
    ...(firstOrder ? { firstOrder: lower(firstOrder, bins) as TrainState["firstOrder"] } : {}),
  };
}

/** Write a run directory's checkpoint atomically and durably (temp file, fsync, rename). */
export function writeCheckpoint(dir: string, s: TrainState): void {
  const path = checkpointPath(dir);
  const tmp = `${path}.tmp-${process.pid}`;
  writeDurable(tmp, encodeCheckpoint(s));
  renameSync(tmp, path);
}

/**
 * Read a run directory's checkpoint, or null when it has none.
 * @throws StoreError naming the file when it is unreadable or corrupt
 */
export function readCheckpoint(dir: string): TrainState | null {
  const path = checkpointPath(dir);
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new StoreError(`${path}: cannot read (${why(e)})`);
  }
  return decodeCheckpoint(buf, path);
}

/**
 * The step a run directory's checkpoint was taken at, read from its header alone (no checksum:
 * {@link readCheckpoint} verifies the whole file when it is used), or null when there is no
 * readable checkpoint. The file is the truth about a checkpoint: the store row is updated just
 * after the file is renamed into place, so a process killed in between leaves a row one
 * checkpoint behind the file.
 */
export function checkpointStep(dir: string): number | null {
  let fd: number;
  try {
    fd = openSync(checkpointPath(dir), "r");
  } catch {
    return null;
  }
  try {
    const pre = Buffer.alloc(16);
    if (readSync(fd, pre, 0, 16, 0) < 16 || pre.toString("latin1", 0, 8) !== MAGIC) return null;
    const n = pre.readUInt32LE(12);
    const json = Buffer.alloc(n);
    if (readSync(fd, json, 0, n, 16) < n) return null;
    const step = (decodeJson(json.toString("utf8")) as { step?: unknown }).step;
    return typeof step === "number" ? step : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}
