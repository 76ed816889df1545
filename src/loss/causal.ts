/**
 * Causal training (Wang, Sankaran & Perdikaris, "Respecting causality is all you need for training
 * physics-informed neural networks", 2022/2024). The residual points of a time-dependent problem
 * are sorted by time into M chunks of equal size; chunk i's mean-square residual L_i is weighted by
 *
 *   w_i = exp(-eps * sum_{k<i} L_k)     (no gradient flows through w)
 *
 * so a later chunk only counts once every earlier one is fitted. The residual loss is
 * (1/M) sum_i w_i L_i. The tolerance eps is stepped up (x growth, up to epsMax) whenever
 * min_i w_i exceeds a threshold, as in the paper (eps in {1e-2, 1e-1, 1, 10, 100}, threshold 0.99);
 * jaxpi keeps eps fixed at 1, which is epsMax = eps.
 *
 * The weights are computed inside the loss (jax-js `stopGradient`), from the step's own chunk
 * losses, exactly like jaxpi; eps enters the jitted step as an argument (beside the term weights),
 * so neither backend retraces when it changes. The per-chunk losses come back in the step's stats
 * and the schedule below runs in JS.
 */
import { fromData, lax, np } from "../engine/index.js";
import type { TermBatch } from "../problem/problem.js";

/** Causal settings (the `causal*` training keys). */
export interface CausalConfig {
  /** Number of time chunks M. */
  readonly chunks: number;
  /** Initial tolerance eps. */
  readonly eps: number;
  /** Largest eps the schedule reaches. */
  readonly epsMax: number;
  /** Factor eps is multiplied by when the threshold is met. */
  readonly growth: number;
  /** min_i w_i above which eps is stepped up. */
  readonly threshold: number;
}

/** The schedule's state: plain data, checkpointable as JSON. */
export interface CausalState {
  readonly eps: number;
  /** Chunk weights of the last step (empty before the first). */
  readonly weights: readonly number[];
}

/**
 * w_i = exp(-eps * sum_{k<i} L_k) for chunk losses L (Wang, Sankaran & Perdikaris 2022, eq. 3.10).
 * @example causalWeights([1, 2, 3], 0.5) // [1, exp(-0.5), exp(-1.5)]
 */
export function causalWeights(losses: readonly number[], eps: number): number[] {
  let acc = 0;
  return losses.map((l) => {
    const w = Math.exp(-eps * acc);
    acc += l;
    return w;
  });
}

/**
 * The tolerance schedule as an `{ init, update }` pair: update takes the last step's chunk
 * losses, computes the weights that step used, and steps eps up when min w > threshold
 * (Wang, Sankaran & Perdikaris 2022, Algorithm 1).
 */
export const causalSchedule = {
  init(c: CausalConfig): CausalState {
    return { eps: c.eps, weights: [] };
  },
  update(c: CausalConfig, state: CausalState, chunkLosses: readonly number[]): CausalState {
    const weights = causalWeights(chunkLosses, state.eps);
    const minW = Math.min(...weights);
    const eps =
      minW > c.threshold && state.eps < c.epsMax
        ? Math.min(state.eps * c.growth, c.epsMax)
        : state.eps;
    return { eps, weights };
  },
};

/**
 * The causal residual loss of per-point squared residuals r2 [N] (points sorted by time, N
 * divisible by M).
 * @param epsM eps broadcast to [M] (its length is the chunk count; consumed)
 * @returns the weighted loss (1/M) sum w_i L_i and the chunk losses L [M] (r2 is consumed)
 */
export function causalLoss(r2: np.Array, epsM: np.Array): { loss: np.Array; chunks: np.Array } {
  const M = epsM.shape[0];
  const N = r2.shape[0];
  if (N % M !== 0) throw new Error(`causal: ${N} residual points do not split into ${M} chunks`);
  const L = r2.reshape([M, N / M]).mean(1);
  // strictly lower-triangular ones: (T L)_i = sum_{k<i} L_k
  const tri = new Float64Array(M * M);
  for (let i = 0; i < M; i++) for (let k = 0; k < i; k++) tri[i * M + k] = 1;
  const T = fromData(tri, [M, M], L.dtype === np.float64 ? "float64" : "float32");
  const before = np.matmul(T, lax.stopGradient(L.ref).reshape([M, 1])).reshape([M]);
  const w = lax.stopGradient(np.exp(before.mul(epsM).neg()));
  return { loss: L.ref.mul(w).mean(), chunks: L };
}

/**
 * A residual batch with its rows sorted by the time input, so that consecutive blocks of N/M rows
 * are the time chunks.
 */
export function sortByTime(b: TermBatch, dims: number, timeIndex: number): TermBatch {
  const order = Array.from({ length: b.rows }, (_, i) => i).sort(
    (i, j) => b.X[i * dims + timeIndex] - b.X[j * dims + timeIndex],
  );
  const X = new Float64Array(b.X.length);
  const target = b.target ? new Float64Array(b.rows) : null;
  order.forEach((src, dst) => {
    X.set(b.X.subarray(src * dims, (src + 1) * dims), dst * dims);
    if (target && b.target) target[dst] = b.target[src];
  });
  return { X, rows: b.rows, target };
}

/** The key under which a residual term's eps travels in the jitted step's weight record. */
export function causalKey(term: string): string {
  return `${term}@causal`;
}

/** The key under which a residual term's chunk losses come back in the loss's parts. */
export function chunksKey(term: string): string {
  return `${term}@chunks`;
}

/** The causal settings of a training configuration. */
export function causalConfig(c: {
  causalChunks: number;
  causalEps: number;
  causalEpsMax: number;
  causalGrowth: number;
  causalThreshold: number;
}): CausalConfig {
  return {
    chunks: c.causalChunks,
    eps: c.causalEps,
    epsMax: c.causalEpsMax,
    growth: c.causalGrowth,
    threshold: c.causalThreshold,
  };
}
