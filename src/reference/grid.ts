/**
 * Solution on a tensor grid: `u[i * x.length + j] = u(t[i], x[j])`.
 *
 * Every reference solver in this folder returns one, so ground truth can be compared element by
 * element with whatever a network predicts on the same (t, x) points.
 */
export interface Grid1D {
  t: Float64Array;
  x: Float64Array;
  u: Float64Array;
}

/** A list of numbers in any of the forms callers tend to hold them. */
export type Numbers = Float64Array | readonly number[];

/**
 * `n` equispaced points on the periodic interval [a, b), the right end excluded.
 *
 * @example periodicPoints(-1, 1, 4) // [-1, -0.5, 0, 0.5]
 */
export function periodicPoints(a: number, b: number, n: number): Float64Array {
  const h = (b - a) / n;
  return Float64Array.from({ length: n }, (_, j) => a + j * h);
}

/**
 * `n` equispaced points on [a, b], both ends included.
 *
 * @example linspace(0, 1, 3) // [0, 0.5, 1]
 */
export function linspace(a: number, b: number, n: number): Float64Array {
  if (n === 1) return Float64Array.of(a);
  const h = (b - a) / (n - 1);
  // Computing from both ends keeps the last point exactly b.
  return Float64Array.from({ length: n }, (_, i) => (i === n - 1 ? b : a + i * h));
}
