/**
 * Adam (Kingma & Ba 2015) as a pure `{init, update}` pair over any parameter tree, plus the
 * learning-rate schedule (linear warm-up, then exponential decay, as in jaxpi's configs).
 * The learning rate enters `update` as an array argument so a jitted step never bakes it in.
 */
import { type JsTree, np, tree } from "../engine/index.js";

/** Adam's state: first and second moments shaped like the parameters, and the step count. */
export type AdamState<P> = { mu: P; nu: P; count: np.Array };

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
  return { mu: zeros(), nu: zeros(), count: np.zeros([], { dtype }) };
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
  // bias corrections 1 - b^t, computed on device from the count
  const c1 = np.power(o.b1, count.ref).neg().add(1);
  const c2 = np.power(o.b2, count.ref).neg().add(1);
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
  const step = lr.mul(np.sqrt(c2)).div(c1);
  const newParams = tree.map(
    (p: np.Array, m: np.Array, v: np.Array) =>
      p.sub(m.ref.mul(step.ref).div(np.sqrt(v.ref).add(o.eps))),
    params,
    tree.ref(mu),
    tree.ref(nu),
  ) as unknown as P;
  step.dispose();
  return [newParams, { mu, nu, count }];
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
