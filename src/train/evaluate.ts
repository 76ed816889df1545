/**
 * Evaluation: the network's fields on a problem's reference grid, and the relative L2 error
 * ||u - u_ref||_2 / ||u_ref||_2 over every field and grid point.
 */
import { fromData, jit, np, tree } from "../engine/index.js";
import { tensorGrid } from "../geometry/box.js";
import { inputJet } from "../jet/jet.js";
import { jetLayout } from "../jet/multiindex.js";
import type { NetParams, Network } from "../nets/network.js";
import type { EvalGrid, Problem } from "../problem/problem.js";
import { termResiduals } from "../loss/loss.js";

/** Points per forward chunk: large enough to amortise dispatch, small enough for memory. */
const CHUNK = 8192;

/**
 * Network outputs, or one of their derivatives, at arbitrary points.
 * @param X row-major points [n, dims]
 * @param derivative the inputs to differentiate by (a multi-index, e.g. [0] for d/dt of input 0;
 *   default none: the values), computed exactly by the forward jet
 * @returns row-major outputs [n, outputs]
 */
export async function predict(
  net: Network,
  params: NetParams,
  X: Float64Array,
  derivative: readonly number[] = [],
): Promise<Float64Array> {
  const { inputs, outputs, precision } = net.config;
  const n = X.length / inputs;
  const out = new Float64Array(n * outputs);
  const layout = jetLayout(inputs, derivative.length ? [derivative] : []);
  const channel = layout.indexOf(derivative) ?? 0;
  const fwd = jit((p: NetParams, x: np.Array) => {
    const jet = net.applyJet(p, inputJet(layout, x));
    const y = jet.ch[channel] as np.Array;
    jet.ch.forEach((c, i) => {
      if (c && i !== channel) c.dispose();
    });
    return y;
  });
  for (let s = 0; s < n; s += CHUNK) {
    const m = Math.min(CHUNK, n - s);
    // pad the last chunk to a fixed shape so the jitted function is traced once
    const buf = new Float64Array(CHUNK * inputs);
    buf.set(X.subarray(s * inputs, (s + m) * inputs));
    const y = await fwd(tree.ref(params), fromData(buf, [CHUNK, inputs], precision)).data();
    out.set(Array.prototype.slice.call(y, 0, m * outputs) as number[], s * outputs);
  }
  fwd.dispose();
  return out;
}

/** Predictions on a reference grid, per field, row-major like the grid's values. */
export async function predictGrid(
  net: Network,
  params: NetParams,
  grid: EvalGrid,
  fields: readonly string[],
): Promise<{ X: Float64Array; values: Record<string, Float64Array> }> {
  const X = tensorGrid(grid.axes);
  const Y = await predict(net, params, X);
  const n = X.length / grid.axes.length;
  const values: Record<string, Float64Array> = {};
  fields.forEach((f, k) => {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = Y[i * fields.length + k];
    values[f] = v;
  });
  return { X, values };
}

/**
 * Relative L2 error over all fields: sqrt(sum (u - r)^2 / sum r^2), over the points the mask keeps
 * (all without one: the reference grid masked to a non-box domain).
 * @example relativeL2(pred.values, ref.values, ref.mask)
 */
export function relativeL2(
  pred: Readonly<Record<string, Float64Array>>,
  ref: Readonly<Record<string, Float64Array>>,
  mask?: Uint8Array | null,
): number {
  let num = 0;
  let den = 0;
  for (const f of Object.keys(ref)) {
    const p = pred[f];
    const r = ref[f];
    for (let i = 0; i < r.length; i++) {
      if (mask && !mask[i]) continue;
      num += (p[i] - r[i]) ** 2;
      den += r[i] ** 2;
    }
  }
  return Math.sqrt(num / den);
}

/** Per residual term: root-mean-square and largest |r| at a set of points. */
export type ResidualMetrics = Record<string, { rms: number; max: number }>;

/**
 * Residual-based metrics for problems without a reference: every residual term's per-point
 * residual at the given points (the evaluation grid), reduced to its RMS and max |r|.
 * @param X row-major points [n, dims]; params are not consumed
 * @example const m = await residualMetrics(problem, net, params, tensorGrid(evaluationAxes(problem.domain)));
 */
export async function residualMetrics(
  problem: Problem,
  net: Network,
  params: NetParams,
  X: Float64Array,
): Promise<ResidualMetrics> {
  const dims = net.config.inputs;
  const n = X.length / dims;
  const out: ResidualMetrics = {};
  for (const term of problem.terms.filter((t) => t.kind === "residual")) {
    const view: Problem = { ...problem, terms: [term], termNames: [term.name] };
    const fwd = jit(
      (p: NetParams, x: np.Array) => termResiduals(view, net, p, { [term.name]: x }, {})[term.name],
    );
    let sum = 0;
    let max = 0;
    for (let s = 0; s < n; s += CHUNK) {
      const m = Math.min(CHUNK, n - s);
      const buf = new Float64Array(CHUNK * dims);
      buf.set(X.subarray(s * dims, (s + m) * dims));
      // the padding rows repeat the first point (inside the domain) and are not counted
      for (let r = m; r < CHUNK; r++) buf.set(X.subarray(0, dims), r * dims);
      const r = await fwd(
        tree.ref(params),
        fromData(buf, [CHUNK, dims], net.config.precision),
      ).data();
      const per = r.length / CHUNK;
      for (let i = 0; i < m * per; i++) {
        const v = Math.abs(r[i]);
        sum += v * v;
        if (v > max || Number.isNaN(v)) max = v;
      }
    }
    fwd.dispose();
    out[term.name] = { rms: Math.sqrt(sum / n), max };
  }
  return out;
}

/** Most grid points an in-training error probe evaluates (the grid is thinned to fit). */
export const PROBE_POINTS = 8192;

/** Rel L2 against a problem's reference during training, on a thinned copy of its grid. */
export interface ErrorProbe {
  /** rel L2 of the network with `params` (not consumed) on the thinned grid. */
  (params: NetParams): Promise<number>;
}

/**
 * An error probe over `grid` thinned to at most `maxPoints` points (every k-th value of each
 * axis, the same k on every axis), for the rel L2 against wall time of the report
 * (`evalEvery`). The probe's number is close to, not equal to, the full grid's.
 * @example const probe = errorProbe(net, problem.reference(), problem.fields); await probe(p);
 */
export function errorProbe(
  net: Network,
  grid: EvalGrid,
  fields: readonly string[],
  maxPoints = PROBE_POINTS,
): ErrorProbe {
  const total = grid.axes.reduce((a, ax) => a * ax.length, 1);
  let k = 1;
  while (total / k ** grid.axes.length > maxPoints) k++;
  const keep = grid.axes.map((ax) =>
    Array.from({ length: Math.ceil(ax.length / k) }, (_, i) => i * k),
  );
  const axes = grid.axes.map((ax, d) => Float64Array.from(keep[d], (i) => ax[i]));
  const strides = grid.axes.map((_, d) =>
    grid.axes.slice(d + 1).reduce((a, ax) => a * ax.length, 1),
  );
  const n = axes.reduce((a, ax) => a * ax.length, 1);
  const values: Record<string, Float64Array> = {};
  // a non-box domain's mask is thinned like a field
  const MASK = "\u0000mask";
  const sources: Record<string, ArrayLike<number>> = grid.mask
    ? { ...grid.values, [MASK]: grid.mask }
    : grid.values;
  for (const f of Object.keys(sources)) {
    const src = sources[f];
    const v = new Float64Array(n);
    const idx = new Array<number>(axes.length).fill(0);
    for (let i = 0; i < n; i++) {
      let o = 0;
      for (let d = 0; d < axes.length; d++) o += keep[d][idx[d]] * strides[d];
      v[i] = src[o];
      // row-major odometer, last axis fastest
      for (let d = axes.length - 1; d >= 0; d--) {
        if (++idx[d] < axes[d].length) break;
        idx[d] = 0;
      }
    }
    values[f] = v;
  }
  const thinMask = grid.mask ? Uint8Array.from(values[MASK]) : undefined;
  delete values[MASK];
  const thin: EvalGrid = { axes, values };
  return async (params) => {
    const pred = await predictGrid(net, params, thin, fields);
    return relativeL2(pred.values, thin.values, thinMask);
  };
}
