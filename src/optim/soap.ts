/**
 * SOAP: Adam in the eigenbasis of Shampoo's preconditioner (Vyas, Morwani, Zhao, Kwun, Shapira,
 * Brandfonbrener, Janson & Kakade, "SOAP: Improving and Stabilizing Shampoo using Adam",
 * arXiv:2409.11321, 2024, Algorithm 3; reference implementation github.com/nikhilvyas/SOAP,
 * `soap.py`), over a flat float64 parameter vector cut into weight-matrix blocks. Used for PINNs by
 * Wang, Bhartari, Li & Perdikaris, "Gradient alignment in PINNs: a second-order optimization
 * perspective" (2025).
 *
 * For a weight block G [rows, cols] with Shampoo factors L = EMA(G G^T) [rows, rows] and
 * R = EMA(G^T G) [cols, cols], eigenbases Q_L, Q_R (eigenvalues largest first):
 *
 *   G' = Q_L^T G Q_R                                  (rotate)
 *   m = b1 m + (1 - b1) G',  v = b2 v + (1 - b2) G'^2  (Adam moments, kept in the rotated basis)
 *   delta = -lr sqrt(1 - b2^t) / (1 - b1^t) Q_L (m / (sqrt(v) + eps)) Q_R^T   (rotate back)
 *   L = beta L + (1 - beta) G G^T,  R = beta R + (1 - beta) G^T G
 *
 * and every `precondEvery` Adam steps the bases are refreshed by one power iteration and a QR
 * decomposition, Q <- qr(L Q) after sorting Q's columns by the estimated eigenvalues diag(Q^T L Q)
 * (and v's rows/columns with them), as the reference does; m is carried into the new basis. The
 * first call only initialises L, R and the bases (by a full eigendecomposition) and returns a zero
 * step, "so that we never use the current gradients in the projection". Parameters outside any
 * block, and blocks with one row or one column (biases), get Adam with the same step-size formula.
 * A side longer than `maxPrecondDim` is left unrotated (identity basis). Bias correction and the
 * placement of eps follow the reference (eps added to sqrt(v) before correcting by sqrt(1 - b2^t)).
 */
import { matMul, qrQ, symEigen, transpose } from "./linalg.js";

/** A weight matrix inside the flat vector: W[i, j] = x[offset + i * cols + j]. */
export interface SoapBlock {
  readonly offset: number;
  readonly rows: number;
  readonly cols: number;
}

/**
 * How the eigenbases are refreshed every `precondEvery` steps: one power iteration and a QR
 * decomposition (the reference's choice), or a full eigendecomposition (Jacobi).
 */
export type SoapRefresh = "powerQr" | "eigh";

/** SOAP's constants (the learning rate is an argument of `soapUpdate`, for schedules). */
export interface SoapOptions {
  /** Adam's first-moment decay. */
  readonly b1: number;
  /** Adam's second-moment decay. */
  readonly b2: number;
  /** Adam's epsilon, added to sqrt(v). */
  readonly eps: number;
  /** Decay of the Shampoo factors L and R. */
  readonly shampooBeta: number;
  /** Refresh the eigenbases every this many Adam steps. */
  readonly precondEvery: number;
  /** Decoupled weight decay (AdamW style): x -= lr weightDecay x after the step; 0 turns it off. */
  readonly weightDecay: number;
  /** Sides longer than this are not rotated (read at `soapInit`). */
  readonly maxPrecondDim: number;
  readonly refresh: SoapRefresh;
}

/**
 * The reference's defaults (b1 = b2 = 0.95, eps 1e-8, shampooBeta = b2, refresh every 10 steps,
 * maxPrecondDim 10000, power iteration + QR) except weightDecay 0; `overrides` replace any of
 * them, and shampooBeta follows an overridden b2 unless given.
 * @example const o = soapOptions({ b1: 0.9, b2: 0.999 }); // shampooBeta 0.999
 */
export function soapOptions(overrides: Partial<SoapOptions> = {}): SoapOptions {
  const b2 = overrides.b2 ?? 0.95;
  return {
    b1: 0.95,
    b2,
    eps: 1e-8,
    shampooBeta: b2,
    precondEvery: 10,
    weightDecay: 0,
    maxPrecondDim: 10000,
    refresh: "powerQr",
    ...overrides,
  };
}

/**
 * SOAP's state: plain data. For the entries of a preconditioned block, m and v are in the rotated
 * basis. `layout` holds five numbers per preconditioned block: offset, rows, cols, and the sizes
 * of its left and right bases (rows or 0, cols or 0: 0 is an unrotated side). L and QL
 * (R and QR) concatenate the blocks' left (right) [size, size] matrices in layout order.
 */
export interface SoapState {
  readonly n: number;
  /** Adam steps taken (the initialising call not counted). */
  readonly step: number;
  /** The first call (preconditioner initialisation) has happened. */
  readonly initialised: boolean;
  readonly layout: Float64Array;
  /** First moment [n]. */
  readonly m: Float64Array;
  /** Second moment [n]. */
  readonly v: Float64Array;
  readonly L: Float64Array;
  readonly R: Float64Array;
  readonly QL: Float64Array;
  readonly QR: Float64Array;
}

interface BlockView {
  offset: number;
  rows: number;
  cols: number;
  /** size of the left basis (rows or 0) and its start in L / QL */
  dl: number;
  lAt: number;
  dr: number;
  rAt: number;
}

function views(layout: Float64Array): BlockView[] {
  const out: BlockView[] = [];
  let lAt = 0;
  let rAt = 0;
  for (let k = 0; k < layout.length; k += 5) {
    const [offset, rows, cols, dl, dr] = [
      layout[k],
      layout[k + 1],
      layout[k + 2],
      layout[k + 3],
      layout[k + 4],
    ];
    out.push({ offset, rows, cols, dl, lAt, dr, rAt });
    lAt += dl * dl;
    rAt += dr * dr;
  }
  return out;
}

/**
 * Fresh state for n parameters cut into `blocks` (validated: integer, inside [0, n), disjoint).
 * Blocks with one row or one column are treated as 1-D (plain Adam).
 * @example
 * // a 2 -> 3 layer: W [3, 2] at 0, bias [3] at 6
 * let state = soapInit(9, [{ offset: 0, rows: 3, cols: 2 }, { offset: 6, rows: 1, cols: 3 }], soapOptions());
 */
export function soapInit(n: number, blocks: readonly SoapBlock[], opts: SoapOptions): SoapState {
  const sorted = [...blocks].sort((a, b) => a.offset - b.offset);
  let end = 0;
  for (const b of sorted) {
    const ok = [b.offset, b.rows, b.cols].every((v) => Number.isInteger(v) && v >= 0);
    if (!ok || b.offset + b.rows * b.cols > n) {
      throw new Error(`soapInit: block ${JSON.stringify(b)} does not fit in ${n} parameters`);
    }
    if (b.offset < end) throw new Error(`soapInit: block ${JSON.stringify(b)} overlaps another`);
    end = b.offset + b.rows * b.cols;
  }
  const layout: number[] = [];
  let lSize = 0;
  let rSize = 0;
  for (const b of blocks) {
    if (b.rows < 2 || b.cols < 2) continue;
    const dl = b.rows <= opts.maxPrecondDim ? b.rows : 0;
    const dr = b.cols <= opts.maxPrecondDim ? b.cols : 0;
    if (dl === 0 && dr === 0) continue;
    layout.push(b.offset, b.rows, b.cols, dl, dr);
    lSize += dl * dl;
    rSize += dr * dr;
  }
  return {
    n,
    step: 0,
    initialised: false,
    layout: Float64Array.from(layout),
    m: new Float64Array(n),
    v: new Float64Array(n),
    L: new Float64Array(lSize),
    R: new Float64Array(rSize),
    QL: new Float64Array(lSize),
    QR: new Float64Array(rSize),
  };
}

/** Q_L^T X Q_R for X [rows, cols]; an unrotated side is skipped. */
function rotate(X: Float64Array, b: BlockView, QL: Float64Array, QR: Float64Array): Float64Array {
  let T = X;
  if (b.dl) T = matMul(transpose(QL, b.dl, b.dl), T, b.rows, b.rows, b.cols);
  if (b.dr) T = matMul(T, QR, b.rows, b.cols, b.cols);
  return T;
}

/** Q_L X Q_R^T for X [rows, cols]; an unrotated side is skipped. */
function rotateBack(
  X: Float64Array,
  b: BlockView,
  QL: Float64Array,
  QR: Float64Array,
): Float64Array {
  let T = X;
  if (b.dl) T = matMul(QL, T, b.rows, b.rows, b.cols);
  if (b.dr) T = matMul(T, transpose(QR, b.dr, b.dr), b.rows, b.cols, b.cols);
  return T;
}

/** beta F + (1 - beta) G G^T (left, F [rows, rows]) or G^T G (right, F [cols, cols]), new. */
function accumulated(
  F: Float64Array,
  G: Float64Array,
  rows: number,
  cols: number,
  left: boolean,
  beta: number,
): Float64Array {
  const Gt = transpose(G, rows, cols);
  const outer = left ? matMul(G, Gt, rows, cols, rows) : matMul(Gt, G, cols, rows, cols);
  return F.map((f, i) => beta * f + (1 - beta) * outer[i]);
}

/**
 * One power iteration and QR (or a full eigendecomposition) for the basis Q [d, d] of the factor
 * P [d, d], after sorting Q's columns by q_k^T P q_k, largest first.
 * @returns the new basis and the sort order (new column k was old column order[k])
 */
function refreshBasis(
  P: Float64Array,
  Q: Float64Array,
  d: number,
  kind: SoapRefresh,
): { Q: Float64Array; order: number[] } {
  const PQ = matMul(P, Q, d, d, d);
  const est = Array.from({ length: d }, (_, k) => {
    let s = 0;
    for (let i = 0; i < d; i++) s += Q[i * d + k] * PQ[i * d + k];
    return s;
  });
  const order = est.map((_, k) => k).sort((a, b) => est[b] - est[a] || a - b);
  switch (kind) {
    case "powerQr": {
      // P Q[:, order] = (P Q)[:, order]
      const sortedPQ = new Float64Array(d * d);
      for (let i = 0; i < d; i++) {
        for (let k = 0; k < d; k++) sortedPQ[i * d + k] = PQ[i * d + order[k]];
      }
      return { Q: qrQ(sortedPQ, d), order };
    }
    case "eigh":
      return { Q: symEigen(P, d).vectors, order };
    default: {
      const never: never = kind;
      throw new Error(`soapUpdate: unknown refresh ${String(never)}`);
    }
  }
}

/**
 * One SOAP step (see the module comment). Pure: returns a new state.
 * @param grad gradient [n]
 * @param lr learning rate of this step
 * @param params current parameters [n], needed only when `opts.weightDecay > 0`
 * @returns delta [n] to add to the parameters (all zero on the first, initialising call)
 * @example
 * const opts = soapOptions();
 * let state = soapInit(n, blocks, opts);
 * const { delta, state: next } = soapUpdate(grad, state, 3e-3, opts);
 * for (let i = 0; i < n; i++) x[i] += delta[i];
 */
export function soapUpdate(
  grad: Float64Array,
  state: SoapState,
  lr: number,
  opts: SoapOptions,
  params?: Float64Array,
): { delta: Float64Array; state: SoapState } {
  const n = state.n;
  if (grad.length !== n) throw new Error(`soapUpdate: grad has ${grad.length} entries, not ${n}`);
  const blocks = views(state.layout);
  const beta = opts.shampooBeta;
  const L = Float64Array.from(state.L);
  const R = Float64Array.from(state.R);
  const QL = Float64Array.from(state.QL);
  const QR = Float64Array.from(state.QR);
  const gradOf = (b: BlockView) => grad.slice(b.offset, b.offset + b.rows * b.cols);
  const lOf = (b: BlockView) => L.subarray(b.lAt, b.lAt + b.dl * b.dl);
  const rOf = (b: BlockView) => R.subarray(b.rAt, b.rAt + b.dr * b.dr);
  const qlOf = (b: BlockView) => QL.subarray(b.lAt, b.lAt + b.dl * b.dl);
  const qrOf = (b: BlockView) => QR.subarray(b.rAt, b.rAt + b.dr * b.dr);
  const accumulateFactors = (b: BlockView, G: Float64Array) => {
    if (b.dl) lOf(b).set(accumulated(lOf(b), G, b.rows, b.cols, true, beta));
    if (b.dr) rOf(b).set(accumulated(rOf(b), G, b.rows, b.cols, false, beta));
  };

  if (!state.initialised) {
    for (const b of blocks) {
      accumulateFactors(b, gradOf(b));
      if (b.dl) qlOf(b).set(symEigen(lOf(b), b.dl).vectors);
      if (b.dr) qrOf(b).set(symEigen(rOf(b), b.dr).vectors);
    }
    const next = { ...state, initialised: true, L, R, QL, QR };
    return { delta: new Float64Array(n), state: next };
  }

  const t = state.step + 1;
  const stepSize = (lr * Math.sqrt(1 - Math.pow(opts.b2, t))) / (1 - Math.pow(opts.b1, t));
  const m = Float64Array.from(state.m);
  const v = Float64Array.from(state.v);
  const delta = new Float64Array(n);
  const adam = (i: number, g: number) => {
    m[i] = opts.b1 * m[i] + (1 - opts.b1) * g;
    v[i] = opts.b2 * v[i] + (1 - opts.b2) * g * g;
    return m[i] / (Math.sqrt(v[i]) + opts.eps);
  };
  // plain Adam everywhere, then the preconditioned blocks overwrite their entries
  const inBlock = new Uint8Array(n);
  for (const b of blocks) inBlock.fill(1, b.offset, b.offset + b.rows * b.cols);
  for (let i = 0; i < n; i++) if (!inBlock[i]) delta[i] = -stepSize * adam(i, grad[i]);
  const refresh = t % opts.precondEvery === 0;
  for (const b of blocks) {
    const size = b.rows * b.cols;
    const G = gradOf(b);
    const Gr = rotate(G, b, qlOf(b), qrOf(b));
    const ratio = new Float64Array(size);
    for (let k = 0; k < size; k++) ratio[k] = adam(b.offset + k, Gr[k]);
    const N = rotateBack(ratio, b, qlOf(b), qrOf(b));
    for (let k = 0; k < size; k++) delta[b.offset + k] = -stepSize * N[k];
    // the preconditioner sees this step's gradient only after the step
    accumulateFactors(b, G);
    if (!refresh) continue;
    const mb = m.subarray(b.offset, b.offset + size);
    const vb = v.subarray(b.offset, b.offset + size);
    const mOriginal = rotateBack(Float64Array.from(mb), b, qlOf(b), qrOf(b));
    const vOld = Float64Array.from(vb);
    if (b.dl) {
      const { Q, order } = refreshBasis(lOf(b), qlOf(b), b.dl, opts.refresh);
      qlOf(b).set(Q);
      // v's row k follows the basis vector now in column k
      const src = Float64Array.from(vOld);
      for (let i = 0; i < b.rows; i++) {
        for (let j = 0; j < b.cols; j++) vOld[i * b.cols + j] = src[order[i] * b.cols + j];
      }
    }
    if (b.dr) {
      const { Q, order } = refreshBasis(rOf(b), qrOf(b), b.dr, opts.refresh);
      qrOf(b).set(Q);
      const src = Float64Array.from(vOld);
      for (let i = 0; i < b.rows; i++) {
        for (let j = 0; j < b.cols; j++) vOld[i * b.cols + j] = src[i * b.cols + order[j]];
      }
    }
    vb.set(vOld);
    mb.set(rotate(mOriginal, b, qlOf(b), qrOf(b)));
  }
  if (opts.weightDecay > 0) {
    if (!params || params.length !== n) {
      throw new Error("soapUpdate: weightDecay > 0 needs the current parameters [n]");
    }
    // decoupled, applied to the parameters after the step (the reference's order)
    for (let i = 0; i < n; i++) delta[i] -= lr * opts.weightDecay * (params[i] + delta[i]);
  }
  const next: SoapState = { ...state, step: t, m, v, L, R, QL, QR };
  return { delta, state: next };
}
