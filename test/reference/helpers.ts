// Shared by the reference tests: error norms and the loader for ../shared/data.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** A data set as stored under ../shared/data: u[i][j] = u(t[i], x[j]). */
export interface SharedGrid {
  t: number[];
  x: number[];
  u: number[][];
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const sharedDir = path.resolve(repoRoot, "../shared");

/** The data set, or the reason it is unavailable (printed by the caller, then skipped). */
export function loadShared(name: string): SharedGrid | string {
  const file = path.join(sharedDir, "data", name);
  if (!existsSync(file)) return `skipped: ${file} is absent (the shared folder is not checked out)`;
  const data = JSON.parse(readFileSync(file, "utf8")) as SharedGrid;
  if (data.u.length !== data.t.length || data.u.some((row) => row.length !== data.x.length)) {
    throw new Error(`${file}: u is not ${data.t.length} x ${data.x.length}`);
  }
  return data;
}

export function flatten(rows: number[][]): Float64Array {
  return Float64Array.from(rows.flat());
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** ||a - b||_2 / ||b||_2. */
export function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

/** Deterministic uniform numbers in [-1, 1) (a 32-bit LCG), so failures reproduce. */
export function randomArray(n: number, seed: number): Float64Array {
  let state = seed >>> 0;
  return Float64Array.from({ length: n }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32) * 2 - 1;
  });
}
