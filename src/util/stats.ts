/**
 * Summary statistics over seeds: what a sweep's or a suite's table reports per configuration.
 */

/**
 * Mean and sample standard deviation (n - 1 in the denominator) of the finite values.
 * @param values e.g. rel L2 errors over seeds; null, NaN and Inf entries are ignored
 * @returns n, the mean (null when no value is finite) and the std (null below two values)
 * @example meanStd([1, 3]) // { n: 2, mean: 2, std: 1.4142135623730951 }
 */
export function meanStd(values: readonly (number | null)[]): {
  n: number;
  mean: number | null;
  std: number | null;
} {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  const n = v.length;
  const mean = n ? v.reduce((a, b) => a + b, 0) / n : null;
  const std =
    n > 1 && mean !== null ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : null;
  return { n, mean, std };
}
