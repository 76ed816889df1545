/**
 * Residual-adaptive samplers of Wu, Zhu, Tan, Kartha & Lu (2023), "A comprehensive study of
 * non-adaptive and residual-based adaptive sampling for physics-informed neural networks":
 *
 * - RAD (residual-based adaptive distribution): every `every` steps the residual is measured on a
 *   uniform candidate pool; the residual batches are then drawn from the pool with probability
 *   p(x) ~ |r(x)|^k / mean |r|^k + c (k = c = 1 is the paper's recommended default).
 * - RAR (residual-based adaptive refinement, greedy): every `every` steps the `add` candidates of
 *   largest |r| join a persistent set (capped at half the batch, oldest dropped); each batch is that
 *   set plus fresh uniform points, so the batch shape never changes (no retracing).
 *
 * The state is plain data (number arrays) so a checkpoint can store it; the transitions are pure
 * `{ init, update }` functions. Measuring |r| needs the network and lives in the trainer.
 */
import type { Rng } from "../util/rng.js";
import { samplePoints } from "./samplers.js";

/** Settings of an adaptive sampler (the `adapt*`, `rad*`, `rar*` training keys). */
export type AdaptiveConfig =
  | { readonly kind: "rad"; readonly k: number; readonly c: number }
  | { readonly kind: "rar"; readonly add: number; readonly max: number };

/** Sampler state: plain, JSON-serialisable data. */
export type AdaptiveState =
  /** pool: candidate points row-major [P, dims]; cdf: cumulative probabilities [P] (empty: uniform). */
  | { readonly kind: "rad"; readonly pool: readonly number[]; readonly cdf: readonly number[] }
  /** added: the refinement set, row-major [rows, dims]. */
  | { readonly kind: "rar"; readonly added: readonly number[] };

/** The transitions (Wu et al. 2023, Algorithms 1-2). */
export const adaptiveSampler = {
  init(c: AdaptiveConfig): AdaptiveState {
    switch (c.kind) {
      case "rad":
        return { kind: "rad", pool: [], cdf: [] };
      case "rar":
        return { kind: "rar", added: [] };
      default: {
        const never: never = c;
        throw new Error(`unknown adaptive sampler ${String(never)}`);
      }
    }
  },
  /**
   * A new state from the residuals r [P] measured at candidate points X [P, dims].
   * @example adaptiveSampler.update({ kind: "rad", k: 1, c: 1 }, s, X, r, 2)
   */
  update(
    c: AdaptiveConfig,
    state: AdaptiveState,
    X: ArrayLike<number>,
    r: ArrayLike<number>,
    dims: number,
  ): AdaptiveState {
    const P = r.length;
    switch (c.kind) {
      case "rad": {
        const e = Array.from(r, (v) => Math.abs(v) ** c.k);
        const mean = e.reduce((a, b) => a + b, 0) / P;
        const cdf: number[] = new Array<number>(P);
        let acc = 0;
        for (let i = 0; i < P; i++) {
          acc += (mean > 0 ? e[i] / mean : 0) + c.c;
          cdf[i] = acc;
        }
        // all-zero weights (k > 0, c = 0, r = 0): fall back to uniform over the pool
        const norm = acc > 0 ? cdf.map((v) => v / acc) : cdf.map((_, i) => (i + 1) / P);
        return { kind: "rad", pool: Array.from(X), cdf: norm };
      }
      case "rar": {
        if (state.kind !== "rar") throw new Error("rar: state of another sampler");
        const order = Array.from({ length: P }, (_, i) => i).sort(
          (a, b) => Math.abs(r[b]) - Math.abs(r[a]),
        );
        const fresh: number[] = [];
        for (const i of order.slice(0, c.add)) {
          for (let k = 0; k < dims; k++) fresh.push(X[i * dims + k]);
        }
        const all = [...state.added, ...fresh];
        const keep = Math.min(all.length / dims, c.max) * dims;
        return { kind: "rar", added: all.slice(all.length - keep) };
      }
      default: {
        const never: never = c;
        throw new Error(`unknown adaptive sampler ${String(never)}`);
      }
    }
  },
};

/**
 * Draw n residual points [n, dims] from a sampler state in the box [lo, hi].
 * RAD draws with replacement by inverse CDF; RAR returns its set plus fresh uniform points.
 */
export function drawAdaptive(
  state: AdaptiveState,
  rng: Rng,
  n: number,
  lo: readonly number[],
  hi: readonly number[],
): Float64Array {
  const dims = lo.length;
  switch (state.kind) {
    case "rad": {
      if (state.cdf.length === 0) return samplePoints("uniform", rng, n, lo, hi);
      const out = new Float64Array(n * dims);
      const { cdf, pool } = state;
      for (let i = 0; i < n; i++) {
        const u = rng.uniform();
        let a = 0;
        let b = cdf.length - 1;
        while (a < b) {
          const m = (a + b) >> 1;
          if (cdf[m] < u) a = m + 1;
          else b = m;
        }
        for (let k = 0; k < dims; k++) out[i * dims + k] = pool[a * dims + k];
      }
      return out;
    }
    case "rar": {
      const m = state.added.length / dims;
      const out = new Float64Array(n * dims);
      out.set(state.added.slice(0, Math.min(m, n) * dims));
      if (m < n) out.set(samplePoints("uniform", rng, n - m, lo, hi), m * dims);
      return out;
    }
    default: {
      const never: never = state;
      throw new Error(`unknown adaptive state ${String(never)}`);
    }
  }
}
