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
 * How pinnlab's trainer wires it in (`--set weighting=self-adaptive --set resampleEvery=0`; the
 * per-point weights belong to FIXED points, so resampling is rejected up front):
 * 1. src/train/weights.ts builds the scheme with `optimizer: "adam"` (the paper trains lambda with
 *    Adam) and mask m = lambda^2.
 * 2. Every `weightEvery` steps it measures r_j^2 at the term's points on the current parameters
 *    (src/train/pointResiduals.ts) and calls `update`, one ascent step per call.
 * 3. The batches of the following steps carry m(lambda) as `pointWeights`, which both backends
 *    pass into the loss: term i contributes weights[i] * mean(m(lambda) * r^2)
 *    (`reduceTerms` in src/loss/loss.ts).
 * The L-BFGS phase after Adam uses the scalar weights only.
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
  /**
   * How lambda ascends: "ascent" (default) lambda += lr g, or "adam", Adam on -g per point as the
   * paper trains its weights (Kingma & Ba 2015; beta1 0.9, beta2 0.999, eps 1e-8), where
   * g = dL_i/dlambda = m'(lambda) r^2 / n. Plain ascent grows lambda geometrically while r^2 stays
   * large; Adam's steps are about lr each, whatever the residual's scale.
   */
  readonly optimizer?: "ascent" | "adam";
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
  /** Adam's first and second moments per term (optimizer "adam" only, after the first update). */
  readonly moments?: Readonly<Record<string, { m: Float64Array; v: Float64Array }>>;
}

/**
 * One Adam ascent step on the per-point weights of one term (the update of {@link
 * selfAdaptiveAscent} with Adam's per-point step sizes).
 * @param t 1-based update count (bias correction)
 * @returns the new lambda and moments (inputs not modified)
 * @example
 * // first step: m_hat = g, v_hat = g^2, so every lambda_j with r_j != 0 moves by lr
 * selfAdaptiveAdamAscent(Float64Array.of(1, 1), Float64Array.of(4, 1), 0.01, 1, null).lambda;
 * // ~[1.01, 1.01]
 */
export function selfAdaptiveAdamAscent(
  lambda: Float64Array,
  r2: ArrayLike<number>,
  lr: number,
  t: number,
  moments: { m: Float64Array; v: Float64Array } | null,
  mask: SaMask = DEFAULT_MASK,
): { lambda: Float64Array; m: Float64Array; v: Float64Array } {
  const n = lambda.length;
  if (r2.length !== n) {
    throw new Error(`selfAdaptiveAdamAscent: ${n} weights but ${r2.length} squared residuals`);
  }
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  const m = new Float64Array(n);
  const v = new Float64Array(n);
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const g = (maskDerivative(mask, lambda[j]) * r2[j]) / n;
    m[j] = b1 * (moments?.m[j] ?? 0) + (1 - b1) * g;
    v[j] = b2 * (moments?.v[j] ?? 0) + (1 - b2) * g * g;
    const mh = m[j] / (1 - b1 ** t);
    const vh = v[j] / (1 - b2 ** t);
    out[j] = lambda[j] + (lr * mh) / (Math.sqrt(vh) + eps);
  }
  return { lambda: out, m, v };
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
      const moments: Record<string, { m: Float64Array; v: Float64Array }> = {};
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
        const from = lam ?? new Float64Array(r2.length).fill(init);
        if (c.optimizer === "adam") {
          const a = selfAdaptiveAdamAscent(
            from,
            r2,
            lr,
            s.updates + 1,
            s.moments?.[name] ?? null,
            mask,
          );
          lambdas[name] = a.lambda;
          moments[name] = { m: a.m, v: a.v };
        } else lambdas[name] = selfAdaptiveAscent(from, r2, lr, mask);
      }
      const next = { ...s, lambdas, updates: s.updates + 1 };
      return [{ ...s.weights }, c.optimizer === "adam" ? { ...next, moments } : next];
    },
  };
}
