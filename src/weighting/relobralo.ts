/**
 * ReLoBRaLo, relative loss balancing with random lookback, of R. Bischof, M. Kraus,
 * "Multi-objective loss balancing for physics-informed deep learning" (arXiv:2110.09813, 2021;
 * Comput. Methods Appl. Mech. Engrg. 439, 2025). It reads loss values only (no gradients):
 *
 *   bal_i(t, t') = m exp(L_i(t) / (T L_i(t'))) / sum_j exp(L_j(t) / (T L_j(t')))   (m = #terms)
 *   lambda_i(t) = alpha [rho lambda_i(t-1) + (1 - rho) bal_i(t, 0)] + (1 - alpha) bal_i(t, t-1)
 *
 * with rho ~ Bernoulli(E[rho]) drawn afresh at each update (rho = 0: "look back" to the losses
 * of the first update). As in the authors' reference implementation, the first update keeps the
 * initial weights and records L(0); the second uses bal(t, t-1) alone (alpha = 0, rho = 1); the
 * rule above applies from the third on. Defaults are that implementation's: alpha = 0.999,
 * T = 0.1, E[rho] = 0.99. The randomness comes from a seeded xoshiro128** generator whose state
 * lives in the scheme's state, so a run replays exactly.
 */
import { type RngState, Rng } from "../util/rng.js";
import {
  type StateBase,
  type TermWeights,
  type Weighting,
  checkRange,
  initialWeightsFor,
  requireInput,
} from "./types.js";

/** ReLoBRaLo's configuration. */
export interface RelobraloConfig {
  readonly kind: "relobralo";
  /** Weight of the history (exponential decay). Default 0.999. */
  readonly alpha?: number;
  /** Softmax temperature T. Default 0.1. */
  readonly temperature?: number;
  /** E[rho]: probability of NOT looking back to the first losses. Default 0.99. */
  readonly expectedRho?: number;
  /** Seed of the Bernoulli draws. Default 0. */
  readonly seed?: number;
}

/** ReLoBRaLo's state. */
export interface RelobraloState extends StateBase {
  readonly kind: "relobralo";
  /** L(0): the losses at the first update (null before it). */
  readonly initLosses: Readonly<Record<string, number>> | null;
  /** L(t - 1): the losses at the previous update (null before the first). */
  readonly lastLosses: Readonly<Record<string, number>> | null;
  /** The generator's state for the next draw of rho. */
  readonly rng: RngState;
  /** The rho of the last update (1 before the third update), for the record. */
  readonly lastRho: number;
}

/** Check a ReLoBRaLo configuration; errors name the field. */
export function validateRelobraloConfig(c: RelobraloConfig): void {
  if (c.alpha !== undefined) checkRange("alpha", c.alpha, 0, 1);
  if (c.temperature !== undefined) checkRange("temperature", c.temperature, 0, Infinity, true);
  if (c.expectedRho !== undefined) checkRange("expectedRho", c.expectedRho, 0, 1);
  if (c.seed !== undefined && !Number.isInteger(c.seed)) {
    throw new Error(`weighting.seed must be an integer, got ${c.seed}`);
  }
}

/**
 * bal_i(t, t') = m softmax_i(L_i(t) / (T L_i(t'))) (max-shifted for stability; a reference loss
 * of 0 is replaced by the smallest positive double).
 * @example
 * relobraloBalance({ a: 1, b: 1 }, { a: 2, b: 1 }, 0.1); // b progressed less: b gets more
 */
export function relobraloBalance(
  now: Readonly<Record<string, number>>,
  ref: Readonly<Record<string, number>>,
  temperature: number,
): TermWeights {
  const names = Object.keys(now);
  const z = names.map((n) => now[n] / (temperature * Math.max(ref[n], Number.MIN_VALUE)));
  const zmax = Math.max(...z);
  const e = z.map((v) => Math.exp(v - zmax));
  const sum = e.reduce((a, b) => a + b, 0);
  const out: TermWeights = {};
  names.forEach((n, i) => (out[n] = (names.length * e[i]) / sum));
  return out;
}

/**
 * ReLoBRaLo. Needs `inputs.losses` only (finite, for every term).
 * @example
 * const w = relobraloWeighting({ kind: "relobralo", seed: 1 });
 * let s = w.init(problem.terms);
 * [weights, s] = w.update({ step, losses: { res: 0.3, bc: 0.01 } }, s);
 */
export function relobraloWeighting(
  c: RelobraloConfig = { kind: "relobralo" },
): Weighting<RelobraloState> {
  validateRelobraloConfig(c);
  const alpha = c.alpha ?? 0.999;
  const T = c.temperature ?? 0.1;
  const pRho = c.expectedRho ?? 0.99;
  return {
    init: (terms, initialWeights) => ({
      kind: "relobralo",
      terms,
      weights: initialWeightsFor("relobralo", terms, initialWeights),
      updates: 0,
      initLosses: null,
      lastLosses: null,
      rng: new Rng(c.seed ?? 0).state(),
      lastRho: 1,
    }),
    update(inputs, s) {
      const names = s.terms.map((t) => t.name);
      const given = requireInput("relobralo", inputs, "losses", names);
      const L: Record<string, number> = {};
      for (const n of names) L[n] = given[n];
      let w: TermWeights = { ...s.weights };
      let rho = 1;
      let rng = s.rng;
      if (s.updates === 0 || !s.initLosses || !s.lastLosses) {
        // first update: keep the initial weights, remember L(0)
      } else if (s.updates === 1) {
        w = relobraloBalance(L, s.lastLosses, T);
      } else {
        const g = new Rng(s.rng);
        rho = g.uniform() < pRho ? 1 : 0;
        rng = g.state();
        const back = relobraloBalance(L, s.initLosses, T);
        const prev = relobraloBalance(L, s.lastLosses, T);
        w = {};
        for (const n of names) {
          w[n] = alpha * (rho * s.weights[n] + (1 - rho) * back[n]) + (1 - alpha) * prev[n];
        }
      }
      return [
        { ...w },
        {
          ...s,
          weights: w,
          updates: s.updates + 1,
          initLosses: s.initLosses ?? L,
          lastLosses: L,
          rng,
          lastRho: rho,
        },
      ];
    },
  };
}
