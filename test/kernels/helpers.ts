// Shared by the kernel tests: a seeded generator, float64 reference implementations (GEMM, the
// Faa di Bruno jet rule, the plain-MLP and the any-network jet forward pass) and error measures.
import type { JetLayout } from "../../src/jet/multiindex.js";
import { fromData, np, tree, valueAndGrad } from "../../src/engine/index.js";
import { inputJet } from "../../src/jet/jet.js";
import type { NetConfig, NetParams, Network } from "../../src/nets/network.js";
import { scaledError } from "../jet/helpers.js";

export { scaledError };

/** The small float32 network the kernel tests start from (2 inputs, 2 fields, 2 x 10 tanh). */
export function kernelNetConfig(patch: Partial<NetConfig> = {}): NetConfig {
  return {
    arch: "mlp",
    inputs: 2,
    outputs: 2,
    width: 10,
    depth: 2,
    activation: "tanh",
    lo: [0, -1],
    hi: [1, 2],
    periodic: [],
    fourier: null,
    rwf: null,
    precision: "float32",
    ...patch,
  };
}

/** Deterministic uniform numbers in [lo, hi) (a 32-bit LCG; quality is irrelevant here). */
export function rand(n: number, seed: number, lo = -1, hi = 1): Float32Array<ArrayBuffer> {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + (hi - lo) * (s / 2 ** 32);
  }
  return out;
}

/** max |a - b| / max |b| (norm-wise relative error; b must not be all zero). */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

/** Float64 reference C = op(A)·op(B) plus the entry-wise bound sum_k |a||b| used for tolerances. */
export function gemmRef(
  shape: "nn" | "tn" | "nt",
  m: number,
  n: number,
  k: number,
  A: ArrayLike<number>,
  B: ArrayLike<number>,
): { C: Float64Array; absSum: Float64Array } {
  const C = new Float64Array(m * n);
  const absSum = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let t = 0;
      for (let p = 0; p < k; p++) {
        const a = shape === "tn" ? A[p * m + i] : A[i * k + p];
        const b = shape === "nt" ? B[j * k + p] : B[p * n + j];
        s += a * b;
        t += Math.abs(a * b);
      }
      C[i * n + j] = s;
      absSum[i * n + j] = t;
    }
  }
  return { C, absSum };
}

/** The kernels' activations. */
export type Act = "tanh" | "sin" | "gelu";

/**
 * The standard normal CDF in float64 (~1e-15 absolute): Phi(z) = (1 + erf(z / sqrt 2)) / 2 with
 * erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (1 * 3 * ... * (2n+1)), a series of positive
 * terms (no cancellation) that converges for every x.
 */
export function normalCdf64(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  if (x > 9) return z > 0 ? 1 : 0;
  let term = x;
  let sum = x;
  for (let n = 1; n < 400 && term > 1e-17 * sum; n++) {
    term *= (2 * x * x) / (2 * n + 1);
    sum += term;
  }
  const erf = (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
  return 0.5 * (1 + (z < 0 ? -erf : erf));
}

/** Derivatives 0..order of an activation at z, in float64. */
export function activationDerivs64(act: Act, z: number, order: number): number[] {
  if (act === "gelu") {
    const Phi = normalCdf64(z);
    const phi = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
    const out = [z * Phi, Phi + z * phi];
    // gelu^(k) = phi p_k(z), p_2 = 2 - z^2, p_{k+1} = p_k' - z p_k
    let p = [2, 0, -1];
    for (let k = 2; k <= order; k++) {
      out.push(phi * p.reduceRight((acc, c) => acc * z + c, 0));
      const next = new Array<number>(p.length + 1).fill(0);
      p.slice(1).forEach((c, i) => (next[i] += c * (i + 1)));
      p.forEach((c, i) => (next[i + 1] -= c));
      p = next;
    }
    return out.slice(0, order + 1);
  }
  if (act === "sin") {
    const s = Math.sin(z);
    const c = Math.cos(z);
    return Array.from({ length: order + 1 }, (_, k) => [s, c, -s, -c][k % 4]);
  }
  const t = Math.tanh(z);
  // p_0 = t, p_{k+1} = p_k'(t) (1 - t^2), as coefficient arrays
  let p = [0, 1];
  const out = [t];
  for (let k = 1; k <= order; k++) {
    const d = p.slice(1).map((c, i) => c * (i + 1));
    const next = new Array<number>(d.length + 2).fill(0);
    d.forEach((c, i) => {
      next[i] += c;
      next[i + 2] -= c;
    });
    p = next;
    out.push(p.reduceRight((acc, c) => acc * t + c, 0));
  }
  return out;
}

/** Float64 Faa di Bruno forward on channels [K][E] (arrays of numbers). */
export function jetActivate64(layout: JetLayout, act: Act, Z: ArrayLike<number>[]): Float64Array[] {
  const E = Z[0].length;
  const H = layout.channels.map(() => new Float64Array(E));
  for (let e = 0; e < E; e++) {
    const f = activationDerivs64(act, Z[0][e], layout.maxOrder);
    layout.fdb.forEach((terms, c) => {
      let s = 0;
      for (const t of terms) {
        let p = t.coef * f[t.order];
        for (const b of t.channels) p *= Z[b][e];
        s += p;
      }
      H[c][e] = s;
    });
  }
  return H;
}

/** Float64 Leibniz product of two jets [K][E]. */
export function jetMul64(
  layout: JetLayout,
  A: ArrayLike<number>[],
  B: ArrayLike<number>[],
): Float64Array[] {
  const E = A[0].length;
  return layout.leibniz.map((terms) => {
    const out = new Float64Array(E);
    for (let e = 0; e < E; e++) {
      let s = 0;
      for (const t of terms) s += t.coef * A[t.left][e] * B[t.right][e];
      out[e] = s;
    }
    return out;
  });
}

/** A plain MLP described by flat float64 parameters in tree order (w then b per layer). */
export interface Mlp64 {
  readonly inputs: number;
  readonly width: number;
  readonly depth: number;
  readonly outputs: number;
  readonly act: Act;
  readonly lo: readonly number[];
  readonly hi: readonly number[];
}

/** Parameter count of {@link Mlp64}. */
export function mlpParamCount(m: Mlp64): number {
  let n = 0;
  let fin = m.inputs;
  for (let l = 0; l < m.depth; l++) {
    n += fin * m.width + m.width;
    fin = m.width;
  }
  return n + fin * m.outputs + m.outputs;
}

/**
 * Float64 jet forward pass of a plain MLP (the same maths as `createNetwork(...).applyJet`, with
 * double-precision activations): X [N * d] row-major -> output channels [K][N * outputs].
 */
export function mlpForward64(
  m: Mlp64,
  P: ArrayLike<number>,
  layout: JetLayout,
  X: ArrayLike<number>,
): Float64Array[] {
  const N = X.length / m.inputs;
  const K = layout.channels.length;
  const d = m.inputs;
  // input jet, normalised to [-1, 1]
  let H: Float64Array[] = layout.channels.map((mi) => {
    const ch = new Float64Array(N * d);
    for (let n = 0; n < N; n++) {
      for (let i = 0; i < d; i++) {
        const scale = 2 / (m.hi[i] - m.lo[i]);
        if (mi.length === 0) ch[n * d + i] = X[n * d + i] * scale + (-1 - m.lo[i] * scale);
        else if (mi.length === 1 && mi[0] === i) ch[n * d + i] = scale;
      }
    }
    return ch;
  });
  let off = 0;
  let fin = d;
  const dense = (fout: number, Hin: Float64Array[]): Float64Array[] => {
    const W = off;
    const b = off + fin * fout;
    off = b + fout;
    return Hin.map((h, c) => {
      const z = new Float64Array(N * fout);
      for (let n = 0; n < N; n++)
        for (let j = 0; j < fout; j++) {
          let s = c === 0 ? P[b + j] : 0;
          for (let i = 0; i < fin; i++) s += h[n * fin + i] * P[W + i * fout + j];
          z[n * fout + j] = s;
        }
      return z;
    });
  };
  for (let l = 0; l < m.depth; l++) {
    const Z = dense(m.width, H);
    fin = m.width;
    H = jetActivate64(layout, m.act, Z);
  }
  void K;
  return dense(m.outputs, H);
}

/**
 * Any network of `createNetwork` described for the float64 reference: body, embedding and weight
 * factorisation (`fourierB` row-major [inputs + periodic.length, features], or null).
 */
export interface Net64 extends Mlp64 {
  readonly arch: "mlp" | "modified-mlp";
  readonly periodic: readonly {
    readonly input: number;
    readonly period: number;
    readonly seam?: boolean;
  }[];
  readonly fourierB: ArrayLike<number> | null;
  readonly rwf: boolean;
}

/** A jet in float64: channels [K] of row-major [N, w]. */
interface J64 {
  readonly w: number;
  readonly ch: Float64Array[];
}

/** Columns side by side (network.ts's concatJets). */
function concat64(parts: J64[], N: number): J64 {
  const w = parts.reduce((s, p) => s + p.w, 0);
  const ch = parts[0].ch.map((_, c) => {
    const out = new Float64Array(N * w);
    let off = 0;
    for (const p of parts) {
      for (let n = 0; n < N; n++)
        for (let j = 0; j < p.w; j++) out[n * w + off + j] = p.ch[c][n * p.w + j];
      off += p.w;
    }
    return out;
  });
  return { w, ch };
}

/** x W (+ b on the value channel) on every channel; W [fin, fout] row-major. */
function linear64(x: J64, W: ArrayLike<number>, b: ArrayLike<number> | null, fout: number): J64 {
  const fin = x.w;
  const N = x.ch[0].length / fin;
  const ch = x.ch.map((h, c) => {
    const z = new Float64Array(N * fout);
    for (let n = 0; n < N; n++)
      for (let j = 0; j < fout; j++) {
        let s = c === 0 && b ? b[j] : 0;
        for (let i = 0; i < fin; i++) s += h[n * fin + i] * W[i * fout + j];
        z[n * fout + j] = s;
      }
    return z;
  });
  return { w: fout, ch };
}

/** sin (shift 0) or cos (shift pi/2) of a jet by Faa di Bruno. */
function sinJet64(layout: JetLayout, x: J64, shift: number): J64 {
  const z = x.ch.map((c, k) => (k === 0 ? c.map((v) => v + shift) : c));
  return { w: x.w, ch: jetActivate64(layout, "sin", z) };
}

/**
 * Float64 jet forward pass of any network of network.ts (the same maths as `applyJet`, written
 * independently, with double-precision activations). Parameters are flat in tree.leaves order:
 * hidden[], out, encU, encV, each w, b (, s).
 */
export function netForward64(
  m: Net64,
  P: ArrayLike<number>,
  layout: JetLayout,
  X: ArrayLike<number>,
): Float64Array[] {
  const d = m.inputs;
  const N = X.length / d;
  const column = (i: number, scale: number, shift: number): J64 => ({
    w: 1,
    ch: layout.channels.map((mi) => {
      const ch = new Float64Array(N);
      for (let n = 0; n < N; n++) {
        if (mi.length === 0) ch[n] = X[n * d + i] * scale + shift;
        else if (mi.length === 1 && mi[0] === i) ch[n] = scale;
      }
      return ch;
    }),
  });
  const parts: J64[] = [];
  for (let i = 0; i < d; i++) {
    if (m.periodic.some((p) => p.input === i)) continue;
    const scale = 2 / (m.hi[i] - m.lo[i]);
    parts.push(column(i, scale, -1 - m.lo[i] * scale));
  }
  for (const p of m.periodic) {
    const a = column(p.input, (2 * Math.PI) / p.period, 0);
    parts.push(sinJet64(layout, a, Math.PI / 2), sinJet64(layout, a, 0));
    // the seam feature sin(pi (x - lo) / P)
    if (p.seam) {
      const f = Math.PI / p.period;
      parts.push(sinJet64(layout, column(p.input, f, -m.lo[p.input] * f), 0));
    }
  }
  let feats = concat64(parts, N);
  if (m.fourierB) {
    const F = m.fourierB.length / feats.w;
    const z = linear64(feats, m.fourierB, null, F);
    feats = concat64([sinJet64(layout, z, Math.PI / 2), sinJet64(layout, z, 0)], N);
  }
  let off = 0;
  const dense = (x: J64, fout: number): J64 => {
    const fin = x.w;
    const W = Array.from({ length: fin * fout }, (_, k) => P[off + k]);
    const b = Array.from({ length: fout }, (_, j) => P[off + fin * fout + j]);
    off += fin * fout + fout;
    if (m.rwf) {
      for (let k = 0; k < W.length; k++) W[k] *= Math.exp(P[off + (k % fout)]);
      off += fout;
    }
    return linear64(x, W, b, fout);
  };
  const act = (x: J64): J64 => ({ w: x.w, ch: jetActivate64(layout, m.act, x.ch) });
  let h = feats;
  if (m.arch === "mlp") {
    for (let l = 0; l < m.depth; l++) h = act(dense(h, m.width));
    return dense(h, m.outputs).ch;
  }
  // modified MLP: tree order is hidden[], out, encU, encV, so find the offsets first
  const size = (fin: number, fout: number) => fin * fout + fout * (m.rwf ? 2 : 1);
  const hiddenAt: number[] = [];
  let at = 0;
  for (let l = 0; l < m.depth; l++) {
    hiddenAt.push(at);
    at += size(l === 0 ? feats.w : m.width, m.width);
  }
  const outOff = at;
  off = outOff + size(m.width, m.outputs);
  const U = act(dense(feats, m.width));
  const V = act(dense(feats, m.width));
  for (let l = 0; l < m.depth; l++) {
    off = hiddenAt[l];
    const A = act(dense(h, m.width));
    // h = (1 - A) * U + A * V
    const oneMinus = A.ch.map((c, k) => c.map((v) => (k === 0 ? 1 - v : -v)));
    const p1 = jetMul64(layout, oneMinus, U.ch);
    const p2 = jetMul64(layout, A.ch, V.ch);
    h = { w: m.width, ch: p1.map((c, k) => c.map((v, i) => v + p2[k][i])) };
  }
  off = outOff;
  return dense(h, m.outputs).ch;
}

/** Parameters flattened in jax-js's tree.leaves order (the tree is not consumed). */
export function flatLeaves(p: NetParams): Float32Array {
  const parts = (tree.leaves(p) as np.Array[]).map((a) => a.ref.dataSync());
  const out = new Float32Array(parts.reduce((s, a) => s + a.length, 0));
  let o = 0;
  for (const a of parts) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

/** Points inside the box [lo, hi] of a config, row-major [N, inputs]. */
export function points(c: NetConfig, N: number, seed: number): Float32Array {
  const u = rand(N * c.inputs, seed, 0, 1);
  return u.map((x, i) => c.lo[i % c.inputs] + x * (c.hi[i % c.inputs] - c.lo[i % c.inputs]));
}

/**
 * The jax-js oracle of the kernel MLP tests: the output jet of `net` at X, and the value and
 * parameter gradient (flat, tree.leaves order) of the scalar sum_k <c_k, out_k>.
 * Consumes `params`.
 */
export function jaxOracle(
  net: Network,
  params: NetParams,
  layout: JetLayout,
  X: Float32Array,
  N: number,
  weights: readonly Float32Array[],
): { outJax: ArrayLike<number>[]; lossJax: number; gJax: Float32Array } {
  const c = net.config;
  const outJax = net
    .applyJet(params, inputJet(layout, fromData(X, [N, c.inputs])))
    .ch.map((a) => (a as np.Array).dataSync());
  const cArr = weights.map((w) => fromData(w, [N, c.outputs]));
  const [lossArr, gTree] = valueAndGrad((p: NetParams) => {
    const out = net.applyJet(p, inputJet(layout, fromData(X, [N, c.inputs])));
    return out.ch.map((a, k) => (a as np.Array).mul(cArr[k].ref).sum()).reduce((a, b) => a.add(b));
  })(params);
  const lossJax = lossArr.dataSync()[0];
  const gJax = flatLeaves(gTree);
  tree.dispose(gTree);
  for (const a of cArr) a.dispose();
  return { outJax, lossJax, gJax };
}

/** Deterministic float64 numbers in [lo, hi) with all 53 bits random (two LCG draws each). */
export function rand64(n: number, seed: number, lo = -1, hi = 1): Float64Array<ArrayBuffer> {
  let s = seed >>> 0 || 1;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = ((next() >>> 5) * 2 ** 26 + (next() >>> 6)) / 2 ** 53;
    out[i] = lo + (hi - lo) * u;
  }
  return out;
}

/** The float64 reference's description of a network of createNetwork. */
export function netSpec64(net: Network): Net64 {
  const c = net.config;
  return {
    arch: c.arch,
    inputs: c.inputs,
    width: c.width,
    depth: c.depth,
    outputs: c.outputs,
    act: c.activation,
    lo: c.lo,
    hi: c.hi,
    periodic: c.periodic,
    fourierB: net.constants.fourierB,
    rwf: c.rwf !== null,
  };
}

/** Parameters flattened in tree.leaves order as float64 (the tree is not consumed). */
export function flatLeaves64(p: NetParams): Float64Array {
  const parts = (tree.leaves(p) as np.Array[]).map((a) => a.ref.dataSync());
  const out = new Float64Array(parts.reduce((s, a) => s + a.length, 0));
  let o = 0;
  for (const a of parts) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

/**
 * {@link jaxOracle} in the network's precision (float64 arrays for a float64 network): the output
 * jet, and the value and flat parameter gradient of sum_k <c_k, out_k>. Consumes `params`.
 */
export function jaxOracle64(
  net: Network,
  params: NetParams,
  layout: JetLayout,
  X: ArrayLike<number>,
  N: number,
  weights: readonly ArrayLike<number>[],
): { outJax: ArrayLike<number>[]; lossJax: number; gJax: Float64Array } {
  const c = net.config;
  const p = c.precision;
  const outJax = net
    .applyJet(params, inputJet(layout, fromData(X, [N, c.inputs], p)))
    .ch.map((a) => (a as np.Array).dataSync());
  const cArr = weights.map((w) => fromData(w, [N, c.outputs], p));
  const [lossArr, gTree] = valueAndGrad((q: NetParams) => {
    const out = net.applyJet(q, inputJet(layout, fromData(X, [N, c.inputs], p)));
    return out.ch.map((a, k) => (a as np.Array).mul(cArr[k].ref).sum()).reduce((a, b) => a.add(b));
  })(params);
  const lossJax = lossArr.dataSync()[0];
  const gJax = flatLeaves64(gTree);
  tree.dispose(gTree);
  for (const a of cArr) a.dispose();
  return { outJax, lossJax, gJax };
}
