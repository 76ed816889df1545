/**
 * The solution sample a report plots: prediction and reference on a thinned copy of the reference
 * grid (at most {@link MAX_CELLS_2D} points per axis for 2-D inputs, {@link MAX_POINTS_1D} for 1-D),
 * written by training as the run's `field.json`, so `pinnlab report` never re-solves the reference.
 */

/** Grid points per axis kept for 2-D heat maps. */
export const MAX_CELLS_2D = 40;
/** Grid points kept for 1-D line plots. */
export const MAX_POINTS_1D = 400;

/**
 * field.json: axes per input and, per field, predicted and reference values (row-major); `ref`
 * is absent for a problem without a reference.
 */
export interface FieldSample {
  inputs: string[];
  axes: number[][];
  fields: Record<string, { pred: number[]; ref?: number[] }>;
}

function keep(n: number, max: number): number[] {
  const stride = Math.ceil(n / max);
  const idx: number[] = [];
  for (let i = 0; i < n; i += stride) idx.push(i);
  if (idx[idx.length - 1] !== n - 1) idx.push(n - 1);
  return idx;
}

/**
 * Thin a prediction and its reference on a tensor grid (row-major, last input fastest) for
 * plotting. Returns null for more than two inputs (nothing the report can draw as a field).
 * @example
 * fieldSample(["t", "x"], grid.axes, pred.values, grid.values); // { inputs, axes: [[..48], [..48]], fields }
 */
export function fieldSample(
  inputs: readonly string[],
  axes: readonly Float64Array[],
  pred: Readonly<Record<string, Float64Array>>,
  ref: Readonly<Record<string, Float64Array>> | null,
): FieldSample | null {
  if (axes.length < 1 || axes.length > 2) return null;
  const max = axes.length === 1 ? MAX_POINTS_1D : MAX_CELLS_2D;
  const idx = axes.map((a) => keep(a.length, max));
  const flat: number[] = [];
  if (axes.length === 1) flat.push(...idx[0]);
  else for (const i of idx[0]) for (const j of idx[1]) flat.push(i * axes[1].length + j);
  const fields: FieldSample["fields"] = {};
  for (const f of Object.keys(ref ?? pred)) {
    fields[f] = { pred: flat.map((r) => pred[f][r]) };
    if (ref) fields[f].ref = flat.map((r) => ref[f][r]);
  }
  return {
    inputs: [...inputs],
    axes: axes.map((a, k) => idx[k].map((i) => a[i])),
    fields,
  };
}
