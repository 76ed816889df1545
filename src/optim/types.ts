/**
 * Types shared by the float64 optimisers in `src/optim/` (L-BFGS, the dense BFGS family,
 * Levenberg-Marquardt, SOAP) and the memory-budget check of the dense ones. Pure TypeScript over
 * `Float64Array`: no jax-js, no Node built-ins, so everything here runs in a browser.
 */

/**
 * Objective: value f and gradient g [n] at x [n]. Async so the loss can come from a jitted jax-js
 * function; the optimisers never keep a reference to x after the promise resolves.
 */
export type Objective = (x: Float64Array) => Promise<{ f: number; g: Float64Array }>;

/**
 * Per-point residuals r [M] and their Jacobian J [M, P] row-major (J[i * P + j] = dr_i/dx_j) at
 * x [P]. The loss is sum_i r_i^2 (not 0.5 |r|^2): the caller folds term weights and 1/N into r.
 */
export type ResidualObjective = (x: Float64Array) => Promise<{ r: Float64Array; J: Float64Array }>;

/**
 * A byte count in decimal units with one decimal: "121.9 GB", "512.0 MB", "3.2 kB", "12 B".
 * @example formatBytes(2e9) // "2.0 GB"
 */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} B`;
}

/** What `checkMemory` reports when a dense optimiser would not fit. */
export interface MemoryRequest {
  /** The optimiser as the user named it, e.g. "adam+ssbfgs" (a label, only printed). */
  readonly optimizer: string;
  /** What is dense, e.g. "a dense inverse Hessian"; completed with " for <n> parameters". */
  readonly what: string;
  /** Number of parameters. */
  readonly params: number;
  /** Number of residuals, when the dense arrays also scale with it (a Jacobian). */
  readonly residuals?: number;
  /** Bytes the optimiser's dense arrays take. */
  readonly bytes: number;
  /** Budget in bytes. */
  readonly limitBytes: number;
  /** The way out, e.g. "use lbfgs, or a smaller network". */
  readonly hint: string;
}

/**
 * Throw a one-line error when `bytes > limitBytes`, naming the optimiser and the parameter count:
 * `optimizer=adam+ssbfgs: a dense inverse Hessian for 123456 parameters needs 121.9 GB (limit 2.0 GB); use lbfgs, or a smaller network`.
 */
export function checkMemory(req: MemoryRequest): void {
  if (req.bytes <= req.limitBytes) return;
  throw new Error(
    `optimizer=${req.optimizer}: ${req.what} for ${req.params} parameters` +
      (req.residuals === undefined ? "" : ` and ${req.residuals} residuals`) +
      ` needs ` +
      `${formatBytes(req.bytes)} (limit ${formatBytes(req.limitBytes)}); ${req.hint}`,
  );
}
