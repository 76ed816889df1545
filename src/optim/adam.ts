/**
 * Adam (Kingma & Ba 2015) as a pure `{init, update}` pair over any parameter tree, plus the
 * learning-rate schedule (linear warm-up, then exponential decay, as in jaxpi's configs).
 * The learning rate enters `update` as an array argument so a jitted step never bakes it in.
 */
import { type JsTree, np, tree } from "../engine/index.js";

/**
 * Adam's state: first and second moments shaped like the parameters, the step count, and b1^t,
 * b2^t kept as running products (jax-js's `power` goes through a float32-accurate log, which put
 * the bias correction 1 - b2^t off by ~1% for b2 = 0.999).
 */
export type AdamState<P> = { mu: P; nu: P; count: np.Array; b1t: np.Array; b2t: np.Array };

/** Adam's constants. */
export interface AdamOptions {
  readonly b1: number;
  readonly b2: number;
  readonly eps: number;
}

/** Defaults of Kingma & Ba (2015). */
export const ADAM_DEFAULTS: AdamOptions = { b1: 0.9, b2: 0.999, eps: 1e-8 };

type Tree = JsTree<np.Array>;

/** Zero moments for `params` (not consumed). */
export function adamInit<P extends Tree>(params: P): AdamState<P> {
  const zeros = () => tree.map((p: np.Array) => np.zerosLike(p.ref), params) as unknown as P;
  const dtype = (tree.leaves(params)[0] as np.Array).dtype;
  const one = () => np.ones([], { dtype });
  return { mu: zeros(), nu: zeros(), count: np.zeros([], { dtype }), b1t: one(), b2t: one() };
}

/**
 * One Adam step. Consumes every argument.
 * @returns [new params, new state]
 */
export function adamUpdate<P extends Tree>(
  grads: P,
  state: AdamState<P>,
  params: P,
  lr: np.Array,
  o: AdamOptions = ADAM_DEFAULTS,
): [P, AdamState<P>] {
  const count = state.count.add(1);
  const b1t = state.b1t.mul(o.b1);
  const b2t = state.b2t.mul(o.b2);
  // bias corrections 1 - b^t
  const c1 = b1t.ref.neg().add(1);
  const c2 = b2t.ref.neg().add(1);
  const mu = tree.map(
    (m: np.Array, g: np.Array) => m.mul(o.b1).add(g.mul(1 - o.b1)),
    state.mu,
    tree.ref(grads),
  ) as unknown as P;
  const nu = tree.map(
    (v: np.Array, g: np.Array) => v.mul(o.b2).add(g.ref.mul(g).mul(1 - o.b2)),
    state.nu,
    grads,
  ) as unknown as P;
  // x -= lr * m_hat / (sqrt(v_hat) + eps), m_hat = m / c1, v_hat = v / c2 (optax's placement of eps)
  const step = lr.div(c1);
  const rc2 = np.sqrt(c2);
  const newParams = tree.map(
    (p: np.Array, m: np.Array, v: np.Array) =>
      p.sub(m.ref.mul(step.ref).div(np.sqrt(v.ref).div(rc2.ref).add(o.eps))),
    params,
    tree.ref(mu),
    tree.ref(nu),
  ) as unknown as P;
  step.dispose();
  rc2.dispose();
  return [newParams, { mu, nu, count, b1t, b2t }];
}

/** Learning-rate schedule: linear warm-up over `warmup` steps, then lr * rate^(step / every). */
export interface Schedule {
  readonly lr: number;
  readonly warmup: number;
  readonly decayRate: number;
  readonly decaySteps: number;
}

/** Learning rate at a step (0-based). */
export function learningRate(s: Schedule, step: number): number {
  const warm = s.warmup > 0 ? Math.min(1, (step + 1) / s.warmup) : 1;
  return s.lr * warm * Math.pow(s.decayRate, step / s.decaySteps);
}
