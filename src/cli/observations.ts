/**
 * Observations for inverse problems, read from CSV or JSON files (Node only: problem files run in
 * the CLI's process and import this through "pinnlab/node"). Optional Gaussian noise of standard
 * deviation noise * std(values), seeded, as Raissi, Perdikaris & Karniadakis (2019) corrupt their
 * data (section 4.1.1: "1% noise").
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type DataCondition, data } from "../problem/conditions.js";
import { Rng } from "../util/rng.js";

/** Where and what to read. */
export interface ObservationOptions {
  /** Column names of the points, in the domain's input order (e.g. ["t", "x"]). */
  readonly inputs: readonly string[];
  /** The observed field's column (and the field the condition constrains). */
  readonly field: string;
  /** Relative noise level: Gaussian noise of std noise * std(values) is added (default 0). */
  readonly noise?: number;
  /** Seed of the noise (default 0). */
  readonly seed?: number;
  /** Observe a derivative of the field instead ("x", "xx", ...). */
  readonly derivative?: string;
}

/** Rows of named numbers from a CSV (header line) or JSON (array of objects, or columns). */
function readRows(file: string): Record<string, number>[] {
  const text = readFileSync(file, "utf8");
  if (/\.json$/i.test(file)) {
    const v = JSON.parse(text) as unknown;
    if (Array.isArray(v)) return v as Record<string, number>[];
    if (typeof v === "object" && v !== null) {
      const cols = v as Record<string, number[]>;
      const names = Object.keys(cols);
      const n = names.length ? cols[names[0]].length : 0;
      return Array.from({ length: n }, (_, i) =>
        Object.fromEntries(names.map((k) => [k, cols[k][i]])),
      );
    }
    throw new Error(`${file}: expected an array of objects or an object of columns`);
  }
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const header = lines[0].split(",").map((h) => h.trim());
  return lines.slice(1).map((l) => {
    const v = l.split(",").map(Number);
    return Object.fromEntries(header.map((h, i) => [h, v[i]]));
  });
}

/**
 * A data condition from a CSV or JSON file of observations.
 * @param file a path or file URL (`new URL("obs.csv", import.meta.url)` in a problem file)
 * @throws naming the file and row when a column is missing or a value is not a finite number
 * @example
 * import { observations } from "pinnlab/node";
 * conditions: { obs: observations(new URL("burgers.csv", import.meta.url), { inputs: ["t", "x"], field: "u", noise: 0.01 }) }
 */
export function observations(file: string | URL, o: ObservationOptions): DataCondition {
  const path = typeof file === "string" ? file : fileURLToPath(file);
  const rows = readRows(path);
  if (rows.length === 0) throw new Error(`${path}: no observations`);
  const cols = [...o.inputs, o.field];
  const points: number[][] = [];
  const values: number[] = [];
  rows.forEach((r, i) => {
    for (const c of cols) {
      if (typeof r[c] !== "number" || !Number.isFinite(r[c])) {
        throw new Error(`${path}: row ${i + 1}: no finite "${c}"`);
      }
    }
    points.push(o.inputs.map((k) => r[k]));
    values.push(r[o.field]);
  });
  const noise = o.noise ?? 0;
  if (noise < 0 || !Number.isFinite(noise)) throw new Error(`${path}: noise must be >= 0`);
  if (noise > 0) {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    const rng = new Rng(o.seed ?? 0);
    for (let i = 0; i < values.length; i++) values[i] += noise * std * rng.normal();
  }
  return data(o.field, points, values, { derivative: o.derivative });
}
