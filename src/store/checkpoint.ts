/**
 * Checkpoint files: a run directory's `checkpoint.bin` holds one {@link TrainState}, replaced
 * atomically (written to a temporary file, flushed to disk, renamed over the old one), so a
 * process killed at any moment leaves either the previous checkpoint or the new one.
 *
 * Layout (little-endian): magic "PINNCKPT", u32 format version, u32 JSON length, the JSON header
 * (everything but the big arrays; typed arrays inside the weighting state are base64), zero
 * padding to a multiple of 8, then params, mu, nu as float64 [P] each, then the SHA-256 of all
 * preceding bytes. Float64 holds every float32 exactly, so a restored run continues bit for bit.
 */
import { createHash } from "node:crypto";
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { TrainState } from "../train/state.js";
import { StoreError, why } from "./errors.js";
import { decodeJson, encodeJson } from "./json.js";

const MAGIC = "PINNCKPT";
const VERSION = 1;
const HASH = 32;

/** The checkpoint file of a run directory. */
export function checkpointPath(dir: string): string {
  return join(dir, "checkpoint.bin");
}

/** Serialise a training state to the checkpoint format. */
export function encodeCheckpoint(s: TrainState): Buffer {
  const { optimizer, ...rest } = s;
  const P = optimizer.params.length;
  const header = encodeJson({
    ...rest,
    optimizer: { P, count: optimizer.count, b1t: optimizer.b1t, b2t: optimizer.b2t },
  });
  const json = Buffer.from(header, "utf8");
  const pre = 16 + json.length;
  const pad = (8 - (pre % 8)) % 8;
  const body = Buffer.alloc(pre + pad + 3 * 8 * P + HASH);
  body.write(MAGIC, 0, "latin1");
  body.writeUInt32LE(VERSION, 8);
  body.writeUInt32LE(json.length, 12);
  json.copy(body, 16);
  let off = pre + pad;
  for (const a of [optimizer.params, optimizer.mu, optimizer.nu]) {
    for (let i = 0; i < P; i++, off += 8) body.writeDoubleLE(a[i], off);
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
  if (version !== VERSION) bad(`checkpoint format ${version}, this pinnlab reads ${VERSION}`);
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
  if (off + 3 * 8 * opt.P !== end) bad("corrupt checkpoint (array sizes)");
  const read = () => {
    const a = new Float64Array(opt.P);
    for (let i = 0; i < opt.P; i++, off += 8) a[i] = buf.readDoubleLE(off);
    return a;
  };
  const params = read();
  const mu = read();
  const nu = read();
  return {
    ...(head as unknown as TrainState),
    optimizer: { params, mu, nu, count: opt.count, b1t: opt.b1t, b2t: opt.b2t },
  };
}

/** Write a run directory's checkpoint atomically and durably (temp file, fsync, rename). */
export function writeCheckpoint(dir: string, s: TrainState): void {
  const path = checkpointPath(dir);
  const tmp = `${path}.tmp-${process.pid}`;
  const data = encodeCheckpoint(s);
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
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
