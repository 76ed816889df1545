/** Small helpers shared by the CLI's argument parsing. */
import { UsageError } from "./errors.js";

/**
 * An integer flag value, at least `min`.
 * @throws UsageError naming the flag and the value
 */
export function intFlag(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`--${flag} ${value}: must be an integer >= ${min}`);
  return n;
}

/** Median of a non-empty list (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
