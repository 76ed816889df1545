/**
 * Activation functions and their derivatives as lane-generic WAT (f32x4 or scalar f32), for the
 * fused jet rule. Accuracy targets ~1e-7 absolute in float32, on a par with jax-js's own
 * float32 `tanh`/`sin`, with no calls out of wasm (a JS Math call per element would cost more than
 * the whole jet rule).
 *
 * - tanh: Cephes `tanhf` (Moshier): an odd polynomial for |x| < 0.625, else
 *   1 - 2 / (exp(2|x|) + 1) with Cephes' `expf` (Cody-Waite reduction, degree-6 polynomial, the
 *   power of two built in the exponent bits). Both branches are evaluated and blended by a mask:
 *   branch-free SIMD.
 * - gelu = z Phi(z): Phi by Abramowitz & Stegun 26.2.17 (|error| < 7.5e-8):
 *   Phi(-|z|) = phi(z) t (b1 + t (b2 + ... b5)), t = 1 / (1 + p |z|), with phi(z) = exp(-z^2/2) /
 *   sqrt(2 pi) from the same expf; Phi(z) = 1 - Phi(-z) for z > 0.
 * - sin/cos: Cody-Waite reduction by pi/2 (three-part constant, exact for |n| < 2^16), Cephes'
 *   minimax polynomials on [-pi/4, pi/4], quadrant by swap and sign-bit xor.
 *
 * Derivatives: tanh's k-th derivative is a polynomial in t = tanh z, written as
 * (1 - t^2) q_k(t) with q_k = p_{k-1}' (p_k the k-th derivative polynomial), which keeps the common
 * factor 1 - t^2 explicit; sin's are sin/cos with signs. So the backward pass needs nothing but the
 * forward value (tanh) or the value and cos (sin): no pre-activation transcendental is recomputed.
 * gelu's derivatives are phi(z) times polynomials in z (p_2 = 2 - z^2, p_{k+1} = p_k' - z p_k); its
 * backward pass recomputes phi and Phi from z (one exp) rather than saving two more arrays.
 *
 * float64 lanes (f64x2 / f64) take the transcendentals of activation64.ts instead; the derivative
 * algebra here is shared.
 */
import type { Activation } from "../jet/jet.js";
import type { FnBuilder, Lane } from "./wat.js";
import { normal64Lane, sinCos64Lane, tanh64Lane } from "./activation64.js";

/** Activations the kernels implement (all of jet.ts's). */
export type KernelActivation = Extract<Activation, "tanh" | "sin" | "gelu">;

/** Is `a` implemented by the kernels? */
export function isKernelActivation(a: string): a is KernelActivation {
  return a === "tanh" || a === "sin" || a === "gelu";
}

/** exp(y) for y in [-87, 88] (lane-generic, ~1 ulp): Cephes expf. */
export function expLane(f: FnBuilder, L: Lane, y: string): string {
  const t = L.type;
  const n = f.let(t, L.nearest(L.mul(y, L.c(Math.LOG2E))), "n");
  // r = y - n ln2, with ln2 = C1 - C2' split so n*C1 is exact
  let r = f.let(t, L.madd(n, L.c(-0.693359375), y), "r");
  r = f.let(t, L.madd(n, L.c(2.1219444e-4), r), "r");
  const z = f.let(t, L.mul(r, r), "z");
  let p = L.c(1.98756915e-4);
  for (const k of [
    1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1,
  ])
    p = L.madd(p, r, L.c(k));
  const poly = f.let(t, L.add(L.madd(p, z, r), L.c(1)), "p");
  const pow2 = L.bitsToFloat(L.ishl(L.iadd(L.toInt(n), L.ic(127)), 23));
  return f.let(t, L.mul(poly, pow2), "exp");
}

/** tanh(x), ~1e-7 absolute (Cephes tanhf). */
export function tanhLane(f: FnBuilder, L: Lane, x: string): string {
  const t = L.type;
  const ax = f.let(t, L.abs(x), "ax");
  const s = f.let(t, L.mul(x, x), "s");
  let p = L.c(-5.70498872745e-3);
  for (const k of [2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1])
    p = L.madd(p, s, L.c(k));
  const small = f.let(t, L.madd(L.mul(p, s), x, x), "small");
  // tanh(20) rounds to 1 in float32, so clamping 2|x| at 40 changes nothing and avoids overflow
  const e = expLane(f, L, L.min(L.add(ax, ax), L.c(40)));
  const big = f.let(t, L.sub(L.c(1), L.div(L.c(2), L.add(e, L.c(1)))), "big");
  return f.let(t, L.select(L.lt(ax, L.c(0.625)), small, L.copysign(big, x)), "tanh");
}

/** [sin x, cos x], ~1e-7 absolute for |x| up to ~1e4 (Cephes sinf/cosf). */
export function sinCosLane(f: FnBuilder, L: Lane, x: string): [string, string] {
  const t = L.type;
  const n = f.let(t, L.nearest(L.mul(x, L.c(2 / Math.PI))), "n");
  let r = f.let(t, L.madd(n, L.c(-1.5703125), x), "r");
  r = f.let(t, L.madd(n, L.c(-4.837512969970703125e-4), r), "r");
  r = f.let(t, L.madd(n, L.c(-7.549789954891882e-8), r), "r");
  const z = f.let(t, L.mul(r, r), "z");
  const sp = L.madd(
    L.madd(L.c(-1.9515295891e-4), z, L.c(8.3321608736e-3)),
    z,
    L.c(-1.6666654611e-1),
  );
  const sr = f.let(t, L.madd(L.mul(sp, z), r, r), "sr");
  const cp = L.madd(
    L.madd(L.c(2.443315711809948e-5), z, L.c(-1.388731625493765e-3)),
    z,
    L.c(4.166664568298827e-2),
  );
  const cr = f.let(t, L.add(L.madd(L.mul(cp, z), z, L.mul(L.c(-0.5), z)), L.c(1)), "cr");
  const q = f.let(L.itype, L.toInt(n), "q");
  // odd quadrant: swap sin and cos; sign of sin from bit 1 of q, of cos from bit 1 of q + 1
  const swap = f.let(L.itype, L.bitMask(L.iand(q, L.ic(1))), "swap");
  const sgnS = L.ishl(L.iand(q, L.ic(2)), 30);
  const sgnC = L.ishl(L.iand(L.iadd(q, L.ic(1)), L.ic(2)), 30);
  const s = f.let(t, L.xorBits(L.select(swap, cr, sr), sgnS), "sin");
  const c = f.let(t, L.xorBits(L.select(swap, sr, cr), sgnC), "cos");
  return [s, c];
}

/** Polynomial coefficients (ascending) of d/dt. */
function polyDeriv(p: number[]): number[] {
  return p.slice(1).map((c, i) => c * (i + 1));
}

/** Coefficients of q_k(t) with tanh^(k)(z) = (1 - t^2) q_k(t), k >= 1. */
export function tanhQ(k: number): number[] {
  // p_0 = t, p_{j+1} = p_j' (1 - t^2)
  let p = [0, 1];
  for (let j = 1; j < k; j++) {
    const d = polyDeriv(p);
    const next = new Array<number>(d.length + 2).fill(0);
    d.forEach((c, i) => {
      next[i] += c;
      next[i + 2] -= c;
    });
    p = next;
  }
  return polyDeriv(p);
}

/** Horner evaluation of an ascending polynomial (exploiting parity: only even or odd powers). */
function polyLane(f: FnBuilder, L: Lane, coef: number[], t: string, t2: string): string {
  const nz = coef.map((c, i) => (c !== 0 ? i : -1)).filter((i) => i >= 0);
  if (nz.length === 0) return L.c(0);
  const odd = nz.every((i) => i % 2 === 1);
  const even = nz.every((i) => i % 2 === 0);
  if (odd || even) {
    // sum_j c_{2j+s} (t^2)^j, times t when odd
    const shift = odd ? 1 : 0;
    const cs: number[] = [];
    for (let i = shift; i < coef.length; i += 2) cs.push(coef[i]);
    while (cs.length > 1 && cs[cs.length - 1] === 0) cs.pop();
    let acc = L.c(cs[cs.length - 1]);
    for (let j = cs.length - 2; j >= 0; j--) acc = L.madd(acc, t2, L.c(cs[j]));
    const v = cs.length === 1 && cs[0] === 1 ? (odd ? t : L.c(1)) : odd ? L.mul(acc, t) : acc;
    return f.let(L.type, v, "q");
  }
  let acc = L.c(coef[coef.length - 1]);
  for (let j = coef.length - 2; j >= 0; j--) acc = L.madd(acc, t, L.c(coef[j]));
  return f.let(L.type, acc, "q");
}

/** f, f', ..., f^(order) of tanh given t = tanh z (expressions). */
function tanhDerivs(f: FnBuilder, L: Lane, t: string, order: number): string[] {
  const out = [t];
  if (order === 0) return out;
  const t2 = f.let(L.type, L.mul(t, t), "t2");
  const u = f.let(L.type, L.sub(L.c(1), t2), "u");
  out.push(u);
  for (let k = 2; k <= order; k++) {
    const q = polyLane(f, L, tanhQ(k), t, t2);
    out.push(f.let(L.type, L.mul(u, q), `f${k}_`));
  }
  return out;
}

/** f, ..., f^(order) of sin from sin z and cos z. */
function sinDerivs(f: FnBuilder, L: Lane, s: string, c: string, order: number): string[] {
  const out: string[] = [];
  let ns: string | null = null;
  let nc: string | null = null;
  for (let k = 0; k <= order; k++) {
    switch (k % 4) {
      case 0:
        out.push(s);
        break;
      case 1:
        out.push(c);
        break;
      case 2:
        ns ??= f.let(L.type, L.neg(s), "ns");
        out.push(ns);
        break;
      default:
        nc ??= f.let(L.type, L.neg(c), "nc");
        out.push(nc);
    }
  }
  return out;
}

/** [Phi(z), phi(z)]: the standard normal CDF (|error| ~1e-7) and density. */
export function normalLane(f: FnBuilder, L: Lane, z: string): [string, string] {
  const t = L.type;
  // exp(-z^2/2) clamped at exp(-87): below that expf would leave the normal float range
  const e = expLane(f, L, L.max(L.mul(L.mul(z, z), L.c(-0.5)), L.c(-87)));
  const phi = f.let(t, L.mul(e, L.c(1 / Math.sqrt(2 * Math.PI))), "phi");
  const u = f.let(t, L.div(L.c(1), L.madd(L.c(0.2316419), L.abs(z), L.c(1))), "u");
  let q = L.c(1.330274429);
  for (const b of [-1.821255978, 1.781477937, -0.356563782, 0.31938153]) q = L.madd(q, u, L.c(b));
  const tail = f.let(t, L.mul(phi, L.mul(q, u)), "tail"); // Phi(-|z|)
  const Phi = f.let(t, L.select(L.lt(z, L.c(0)), tail, L.sub(L.c(1), tail)), "Phi");
  return [Phi, phi];
}

/** Coefficients (ascending in z) of p_k with gelu^(k)(z) = phi(z) p_k(z), k >= 2. */
export function geluP(k: number): number[] {
  let p = [2, 0, -1];
  for (let j = 2; j < k; j++) {
    const next = new Array<number>(p.length + 1).fill(0);
    p.slice(1).forEach((c, i) => (next[i] += c * (i + 1)));
    p.forEach((c, i) => (next[i + 1] -= c));
    p = next;
  }
  return p;
}

/** gelu and its derivatives 0..order at z. */
function geluDerivs(f: FnBuilder, L: Lane, z: string, order: number): string[] {
  const [Phi, phi] = L.dtype === "f64" ? normal64Lane(f, L, z) : normalLane(f, L, z);
  const out = [f.let(L.type, L.mul(z, Phi), "gelu")];
  if (order >= 1) out.push(f.let(L.type, L.madd(z, phi, Phi), "f1_"));
  const z2 = order >= 2 ? f.let(L.type, L.mul(z, z), "z2") : "";
  for (let k = 2; k <= order; k++)
    out.push(f.let(L.type, L.mul(phi, polyLane(f, L, geluP(k), z, z2)), `f${k}_`));
  return out;
}

/**
 * How a jet rule evaluates an activation: in the forward pass from z (also naming the values it
 * saves for the backward pass), in the backward pass from the saved values.
 */
export interface ActivationCode {
  /** Number of per-element float32 values saved besides the output value channel. */
  readonly saves: number;
  /** Does the backward pass read the pre-activation value z0? */
  readonly needsZ0: boolean;
  /**
   * Forward: derivatives 0..order at z0 (expressions; index 0 is f(z0)), and the saved values.
   */
  forward(f: FnBuilder, L: Lane, z0: string, order: number): { derivs: string[]; save: string[] };
  /**
   * Backward: derivatives 0..order from h0 = f(z0), the saved values, and z0 (an empty string
   * unless {@link needsZ0}).
   */
  fromSaved(f: FnBuilder, L: Lane, h0: string, save: string[], z0: string, order: number): string[];
}

/** The code generator of an activation. */
export function activationCode(a: KernelActivation): ActivationCode {
  switch (a) {
    case "tanh":
      return {
        saves: 0,
        needsZ0: false,
        forward(f, L, z0, order) {
          const t = L.dtype === "f64" ? tanh64Lane(f, L, z0) : tanhLane(f, L, z0);
          return { derivs: tanhDerivs(f, L, t, order), save: [] };
        },
        fromSaved: (f, L, h0, _save, _z0, order) => tanhDerivs(f, L, h0, order),
      };
    case "sin":
      return {
        saves: 1,
        needsZ0: false,
        forward(f, L, z0, order) {
          const [s, c] = L.dtype === "f64" ? sinCos64Lane(f, L, z0) : sinCosLane(f, L, z0);
          return { derivs: sinDerivs(f, L, s, c, order), save: [c] };
        },
        fromSaved: (f, L, h0, save, _z0, order) => sinDerivs(f, L, h0, save[0], order),
      };
    case "gelu":
      return {
        saves: 0,
        needsZ0: true,
        forward: (f, L, z0, order) => ({ derivs: geluDerivs(f, L, z0, order), save: [] }),
        fromSaved: (f, L, _h0, _save, z0, order) => geluDerivs(f, L, z0, order),
      };
    default: {
      const never: never = a;
      throw new Error(`kernels: activation ${String(never)} is not implemented`);
    }
  }
}
