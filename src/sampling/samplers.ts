/**
 * Collocation samplers: points in a box, drawn from pinnlab's seeded PRNG so a run is reproducible
 * from its seed. `uniform` draws i.i.d. points; `lhs` is Latin hypercube sampling (McKay, Beckman &
 * Conover 1979), which stratifies every input's marginal, as Raissi et al. (2019) used; `sobol` is a
 * digitally shifted Sobol sequence (src/sampling/sobol.ts).
 */
import type { Rng } from "../util/rng.js";
import { sobolPoints } from "./sobol.js";

/** How collocation points are drawn. */
export type SamplerKind = "uniform" | "lhs" | "sobol";

/**
 * Draw n points in the box [lo, hi] (row-major [n, d]).
 * @param fixed optional per-input fixed values (NaN = free), used for faces and initial slices
 */
export function samplePoints(
  kind: SamplerKind,
  rng: Rng,
  n: number,
  lo: readonly number[],
  hi: readonly number[],
  fixed?: readonly number[],
): Float64Array {
  const d = lo.length;
  const out = new Float64Array(n * d);
  switch (kind) {
    case "uniform":
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < d; k++) out[i * d + k] = lo[k] + (hi[k] - lo[k]) * rng.uniform();
      }
      break;
    case "lhs":
      for (let k = 0; k < d; k++) {
        // one point per stratum, strata shuffled independently per input (Fisher-Yates)
        const perm = Array.from({ length: n }, (_, i) => i);
        for (let i = n - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          [perm[i], perm[j]] = [perm[j], perm[i]];
        }
        for (let i = 0; i < n; i++) {
          out[i * d + k] = lo[k] + ((hi[k] - lo[k]) * (perm[i] + rng.uniform())) / n;
        }
      }
      break;
    case "sobol": {
      const u = sobolPoints(rng, n, d);
      for (let i = 0; i < n * d; i++) out[i] = lo[i % d] + (hi[i % d] - lo[i % d]) * u[i];
      break;
    }
    default: {
      const never: never = kind;
      throw new Error(`unknown sampler ${String(never)}`);
    }
  }
  if (fixed) {
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < d; k++) if (!Number.isNaN(fixed[k])) out[i * d + k] = fixed[k];
    }
  }
  return out;
}
