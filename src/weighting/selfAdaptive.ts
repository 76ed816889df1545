/**
 * Self-adaptive PINNs of L. McClenny, U. Braga-Neto, "Self-adaptive physics-informed neural
 * networks", J. Comput. Phys. 474 (2023) 111722 (arXiv:2009.04544): every collocation point j of
 * a term carries a trainable weight lambda_j, and training solves the saddle-point problem
 *
 *   min_theta max_lambda  L_i(theta, lambda) = (1 / n) sum_j m(lambda_j) r_j(theta)^2
 *
 * by gradient descent in theta and gradient ASCENT in lambda, where the mask m is non-negative,
 * increasing and differentiable (polynomial m = c lambda^q, or sigmoid m = c / (1 + e^-lambda)).
 * Points with large residuals see their weights grow, which focuses training on them.
 * The ascent step is dL_i/dlambda_j = m'(lambda_j) r_j^2 / n (pinnlab's terms are means).
 *
 * How a trainer wires it in (the per-point weights belong to FIXED points: draw the term's points
 * once, or reset the weights whenever the points are redrawn):
 * 1. `w = selfAdaptiveWeighting(config)`, `s = w.init(problem.terms, weights)`.
 * 2. Each step, the loss of a self-adaptive term i is
 *    weights[i] * mean(m(lambda) * r^2), with m(lambda) = `selfAdaptivePointWeights(config, s,
 *    counts)[i]` uploaded as an [n_i] array argument of the jitted step (or computed inside the
 *    step by `maskArray` from lambda passed as an array).
 * 3. The step also returns the per-point squared residuals r^2 [n_i]; after it,
 *    `[weights, s] = w.update({ step, losses, pointResiduals2: { [i]: r2 } }, s)` takes one ascent
 *    step lambda <- lambda + lr m'(lambda) r^2 / n (`selfAdaptiveAscent`).
 * The paper instead feeds -dL/dlambda to its own Adam optimiser; to do that inside the jit, make
 * lambda part of the differentiated arguments, compute m(lambda) with `maskArray`, and apply Adam
 * to the negated lambda gradient.
 */
import { np } from "../engine/index.js";
import { type StateBase, type Weighting, checkRange, initialWeightsFor } from "./types.js";

/** The mask m(lambda) applied to the per-point weights. */
export type SaMask =
  | {
      readonly kind: "polynomial";
      /** Positive integer power q. Default 2. */
      readonly q?: number;
      /** Scale c. Default 1. */
      readonly c?: number;
    }
  | {
      readonly kind: "sigmoid";
      /** Scale c (the largest weight). Default 1. */
      readonly c?: number;
    };

/** Self-adaptive weighting's configuration. */
export interface SelfAdaptiveConfig {
  readonly kind: "self-adaptive";
  /** Default { kind: "polynomial", q: 2, c: 1 }. */
  readonly mask?: SaMask;
  /** Ascent learning rate eta for lambda. Default 1. */
  readonly lr?: number;
  /** Initial value of every lambda_j. Default 1 (so m = 1 for the default mask). */
  readonly initial?: number;
  /** Terms that carry per-point weights. Default: every term. */
  readonly terms?: readonly string[];
}

/** Self-adaptive weighting's state. */
export interface SelfAdaptiveState extends StateBase {
  readonly kind: "self-adaptive";
  /** lambda [n_i] per self-adaptive term; null until its first update (then all `initial`). */
  readonly lambdas: Readonly<Record<string, Float64Array | null>>;
}

const DEFAULT_MASK: SaMask = { kind: "polynomial", q: 2, c: 1 };

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Check a mask; errors name the field. */
export function validateMask(mask: SaMask): void {
  if (mask.c !== undefined) checkRange("mask.c", mask.c, 0, Infinity, true);
  switch (mask.kind) {
    case "polynomial":
      if (mask.q !== undefined && !(Number.isInteger(mask.q) && mask.q >= 1)) {
        throw new Error(`weighting.mask.q must be a positive integer, got ${mask.q}`);
      }
      return;
    case "sigmoid":
      return;
    default: {
      const never: never = mask;
      throw new Error(
        `weighting.mask.kind: unknown "${String((never as SaMask).kind)}" (use "polynomial" or "sigmoid")`,
      );
    }
  }
}

/**
 * m(lambda).
 * @example
 * maskValue({ kind: "polynomial", q: 2 }, 3); // 9
 */
export function maskValue(mask: SaMask, lambda: number): number {
  const c = mask.c ?? 1;
  switch (mask.kind) {
    case "polynomial":
      return c * lambda ** (mask.q ?? 2);
    case "sigmoid":
      return c * sigmoid(lambda);
    default: {
      const never: never = mask;
      throw new Error(`unknown mask ${String((never as SaMask).kind)}`);
    }
  }
}

/**
 * m'(lambda).
 * @example
 * maskDerivative({ kind: "polynomial", q: 2 }, 3); // 6
 */
export function maskDerivative(mask: SaMask, lambda: number): number {
  const c = mask.c ?? 1;
  switch (mask.kind) {
    case "polynomial": {
      const q = mask.q ?? 2;
      return c * q * lambda ** (q - 1);
    }
    case "sigmoid": {
      const s = sigmoid(lambda);
      return c * s * (1 - s);
    }
    default: {
      const never: never = mask;
      throw new Error(`unknown mask ${String((never as SaMask).kind)}`);
    }
  }
}

/**
 * m(lambda) on a jax-js array, for use inside a jitted (and differentiated) step. Integer powers
 * are repeated products (jax-js's `power` goes through a float32-accurate log).
 * @param lambda [n] (consumed)
 * @returns [n]
 */
export function maskArray(mask: SaMask, lambda: np.Array): np.Array {
  const c = mask.c ?? 1;
  switch (mask.kind) {
    case "polynomial": {
      const q = mask.q ?? 2;
      let y = lambda.ref;
      for (let k = 1; k < q; k++) y = y.mul(lambda.ref);
      lambda.dispose();
      return c === 1 ? y : y.mul(c);
    }
    case "sigmoid": {
      const s = np.reciprocal(np.exp(lambda.neg()).add(1));
      return c === 1 ? s : s.mul(c);
    }
    default: {
      const never: never = mask;
      throw new Error(`unknown mask ${String((never as SaMask).kind)}`);
    }
  }
}

/**
 * One gradient-ascent step on the per-point weights of one term:
 * lambda_j <- lambda_j + lr * m'(lambda_j) * r_j^2 / n, the gradient of (1/n) sum m(lambda) r^2.
 * @param lambda [n] current weights (not modified)
 * @param r2 [n] squared residuals at the same points
 * @returns the new lambda [n]
 * @example
 * selfAdaptiveAscent(Float64Array.of(1, 1), Float64Array.of(4, 0), 0.5, { kind: "polynomial" });
 * // [1 + 0.5 * 2 * 4 / 2, 1] = [3, 1]
 */
export function selfAdaptiveAscent(
  lambda: Float64Array,
  r2: ArrayLike<number>,
  lr: number,
  mask: SaMask = DEFAULT_MASK,
): Float64Array {
  const n = lambda.length;
  if (r2.length !== n) {
    throw new Error(`selfAdaptiveAscent: ${n} weights but ${r2.length} squared residuals`);
  }
  return Float64Array.from(lambda, (l, j) => l + (lr * maskDerivative(mask, l) * r2[j]) / n);
}

/**
 * The per-point loss weights m(lambda_j) of every self-adaptive term; a term not yet updated gets
 * m(initial) at each of counts[term] points.
 * @param counts points per self-adaptive term (needed only for terms not yet updated)
 */
export function selfAdaptivePointWeights(
  config: SelfAdaptiveConfig,
  state: SelfAdaptiveState,
  counts: Readonly<Record<string, number>> = {},
): Record<string, Float64Array> {
  const mask = config.mask ?? DEFAULT_MASK;
  const out: Record<string, Float64Array> = {};
  for (const [name, lam] of Object.entries(state.lambdas)) {
    if (lam) out[name] = Float64Array.from(lam, (l) => maskValue(mask, l));
    else {
      const n = counts[name];
      if (n === undefined) {
        throw new Error(
          `selfAdaptivePointWeights: term "${name}" has no weights yet; give counts.${name}`,
        );
      }
      out[name] = new Float64Array(n).fill(maskValue(mask, config.initial ?? 1));
    }
  }
  return out;
}

/** Check a self-adaptive configuration; errors name the field. */
export function validateSelfAdaptiveConfig(c: SelfAdaptiveConfig): void {
  validateMask(c.mask ?? DEFAULT_MASK);
  if (c.lr !== undefined) checkRange("lr", c.lr, 0, Infinity);
  if (c.initial !== undefined && !Number.isFinite(c.initial)) {
    throw new Error(`weighting.initial must be finite, got ${c.initial}`);
  }
}

/**
 * Self-adaptive per-point weights. The term weights stay at their initial values; the state's
 * `lambdas` are the trainable per-point weights. Needs `inputs.pointResiduals2` for every
 * self-adaptive term (squared residuals at its fixed points).
 * @example
 * const w = selfAdaptiveWeighting({ kind: "self-adaptive", lr: 0.1, terms: ["ic"] });
 * let s = w.init(problem.terms);
 * [weights, s] = w.update({ step, losses, pointResiduals2: { ic: r2 } }, s);
 */
export function selfAdaptiveWeighting(c: SelfAdaptiveConfig): Weighting<SelfAdaptiveState> {
  validateSelfAdaptiveConfig(c);
  const mask = c.mask ?? DEFAULT_MASK;
  const lr = c.lr ?? 1;
  const init = c.initial ?? 1;
  const label = "self-adaptive";
  return {
    init(terms, initialWeights) {
      const names = terms.map((t) => t.name);
      const sa = c.terms ?? names;
      for (const n of sa) {
        if (!names.includes(n)) {
          throw new Error(`weighting.terms: no term named "${n}" (terms: ${names.join(", ")})`);
        }
      }
      const lambdas: Record<string, Float64Array | null> = {};
      for (const n of sa) lambdas[n] = null;
      return {
        kind: "self-adaptive",
        terms,
        weights: initialWeightsFor(label, terms, initialWeights),
        updates: 0,
        lambdas,
      };
    },
    update(inputs, s) {
      const r2s = inputs.pointResiduals2;
      if (!r2s) {
        throw new Error(
          `weighting "${label}" needs inputs.pointResiduals2 (per-point squared residuals of ${Object.keys(s.lambdas).join(", ")}); none was given`,
        );
      }
      const lambdas: Record<string, Float64Array | null> = {};
      for (const [name, lam] of Object.entries(s.lambdas)) {
        const r2 = r2s[name];
        if (!r2)
          throw new Error(
            `weighting "${label}": inputs.pointResiduals2 has no entry for term "${name}"`,
          );
        if (lam && lam.length !== r2.length) {
          throw new Error(
            `weighting "${label}": term "${name}" has ${lam.length} per-point weights but ${r2.length} residuals; its points must stay fixed`,
          );
        }
        if (!r2.every(Number.isFinite))
          throw new Error(`weighting "${label}": inputs.pointResiduals2.${name} is not finite`);
        lambdas[name] = selfAdaptiveAscent(
          lam ?? new Float64Array(r2.length).fill(init),
          r2,
          lr,
          mask,
        );
      }
      return [{ ...s.weights }, { ...s, lambdas, updates: s.updates + 1 }];
    },
  };
}
