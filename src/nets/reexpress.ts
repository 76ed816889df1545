/**
 * Re-expressing a network on a new input box: the network normalises each input affinely from
 * [lo, hi] to [-1, 1] before its first layer, so moving the box changes the function the same
 * parameters compute. Time marching (src/train/run.ts) moves the time range window by window; by
 * folding the change of normalisation into the first layer's weights and biases, the next window
 * starts from the previous window's network extrapolated forward (the same function of raw time),
 * instead of the previous window's start state replayed at the new window's start.
 */
import { fromData, np } from "../engine/index.js";
import type { Dense, Network, NetParams } from "./network.js";

/**
 * Parameters of `net` that compute, with input `input` normalised from the box [lo', hi'] of
 * `to`, the function `params` computes with the box [lo, hi] of `from`. With z = 2 (v - lo) /
 * (hi - lo) - 1 and z' likewise, z = r z' + c with r = (hi' - lo') / (hi - lo) and c = r + 2 (lo'
 * - lo) / (hi - lo) - 1; every layer that reads the normalised input (the first hidden layer and,
 * in a modified MLP, both encoders) gets W_i <- r W_i and b <- b + c W_i for the input's row i,
 * where W is the effective weight (diag(exp(s)) folded back out for weight-factorised layers).
 *
 * Exact in real arithmetic; in floating point the function agrees to rounding (tested).
 *
 * @param input index of the input among the network's inputs
 * @returns new parameters (the given ones are not consumed), or null when the network has no
 *   affine path from that input to its first layer (a periodic input, random Fourier features)
 */
export async function reexpressInput(
  net: Network,
  params: NetParams,
  input: number,
  from: { lo: number; hi: number },
  to: { lo: number; hi: number },
): Promise<NetParams | null> {
  const c = net.config;
  if (c.fourier || c.periodic.some((p) => p.input === input)) return null;
  // the feature row of the input: non-periodic inputs keep their order, periodic pairs follow
  const keep = [...Array(c.inputs).keys()].filter((i) => !c.periodic.some((p) => p.input === i));
  const row = keep.indexOf(input);
  const span = from.hi - from.lo;
  const r = (to.hi - to.lo) / span;
  const shift = r + (2 * (to.lo - from.lo)) / span - 1;
  const fix = async (d: Dense): Promise<Dense> => {
    const [fanIn, fanOut] = d.w.shape;
    const w = Float64Array.from(await d.w.ref.data());
    const b = Float64Array.from(await d.b.ref.data());
    // the effective weight as the forward pass forms it (jax-js's exp, not Math.exp: they
    // differ in the last bits, which the bias would otherwise carry)
    const eff = d.s ? await d.w.ref.mul(np.exp(d.s.ref)).data() : w;
    for (let j = 0; j < fanOut; j++) {
      const k = row * fanOut + j;
      b[j] += shift * eff[k];
      w[k] *= r;
    }
    const p = c.precision;
    const out: Dense = { w: fromData(w, [fanIn, fanOut], p), b: fromData(b, [fanOut], p) };
    if (d.s) out.s = d.s.ref;
    return out;
  };
  const refDense = (d: Dense): Dense => ({
    w: d.w.ref,
    b: d.b.ref,
    ...(d.s ? { s: d.s.ref } : {}),
  });
  const hidden = [await fix(params.hidden[0]), ...params.hidden.slice(1).map(refDense)];
  const next: NetParams = { hidden, out: refDense(params.out) };
  if (params.encU && params.encV) {
    next.encU = await fix(params.encU);
    next.encV = await fix(params.encV);
  }
  if (params.coef) {
    next.coef = Object.fromEntries(
      Object.entries(params.coef).map(([k, v]) => [k, (v as np.Array).ref]),
    );
  }
  return next;
}
