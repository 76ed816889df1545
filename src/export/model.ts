/**
 * The exported model format ("pinnlab-model", version 1) and its evaluator. A model is plain
 * JSON: the input normalisation (from the domain's box), the embeddings (periodic, Fourier), the
 * layers with their weights as plain float64 arrays (weight factorisation already folded in), the
 * activation, and the hard-constraint output transform as a small expression graph. `loadModel`
 * evaluates it in plain JavaScript float64 arithmetic: no jax-js, no Node built-ins, no training
 * code, so it runs in Node and in a browser alike.
 *
 * The forward pass, for a point x with inputs x_1..x_d:
 *
 *   z_i = x_i * 2 / (hi_i - lo_i) + (-1 - lo_i * 2 / (hi_i - lo_i))    (to [-1, 1])
 *   f   = [z_i for i not periodic] ++ [cos(2 pi x_p / P_p), sin(2 pi x_p / P_p) for each periodic p]
 *         (each followed by sin(pi (x_p - lo_p) / P_p) when the periodic input has `seam`)
 *   f   = [cos(f B), sin(f B)]                                          (Fourier features, if any)
 *   mlp:          h = act(h W_l + b_l) for each hidden layer, starting from h = f
 *   modified-mlp: U = act(f W_U + b_U), V = act(f W_V + b_V), h = f, then for each hidden layer
 *                 z = act(h W_l + b_l), h = (1 - z) U + z V
 *   N   = h W_out + b_out
 *   u_f = A_f(x) + B_f(x) N_f  for each field the transform lists, u_f = N_f otherwise
 *
 * Weight matrices are row-major arrays of rows: `w[i][j]` maps feature i to unit j.
 */

/** The value of {@link ModelJson.format}. */
export const MODEL_FORMAT = "pinnlab-model";
/** The schema version this library writes and reads. */
export const MODEL_VERSION = 1;

/** A dense layer: y = x W + b with W [in][out] (rows per input feature) and b [out]. */
export interface ModelLayer {
  readonly w: readonly (readonly number[])[];
  readonly b: readonly number[];
}

/**
 * One node of a transform's expression graph; `a` and `b` are indices of earlier nodes. An
 * `input` node reads the named input's raw (not normalised) coordinate.
 */
export type ModelExprNode =
  | { readonly op: "input"; readonly name: string }
  | { readonly op: "const"; readonly value: number }
  | { readonly op: "add" | "sub" | "mul"; readonly a: number; readonly b: number }
  | { readonly op: "sin" | "cos" | "exp" | "sqrt"; readonly a: number };

/** The hard-constraint output transform u_f = A_f + B_f N_f (A, B: node indices). */
export interface ModelTransform {
  readonly nodes: readonly ModelExprNode[];
  readonly fields: readonly { readonly field: number; readonly A: number; readonly B: number }[];
  /** The conditions the transform satisfies exactly (documentation only). */
  readonly satisfies: readonly string[];
}

/** The embeddings applied before the body. */
export interface ModelEmbedding {
  /**
   * Inputs replaced by (cos, sin)(2 pi x / period), appended after the kept inputs; with `seam`,
   * sin(pi (x - lo) / period) follows the pair (lo from the domain).
   */
  readonly periodic: readonly {
    readonly input: number;
    readonly period: number;
    readonly seam?: boolean;
  }[];
  /** Random Fourier features [cos(f B), sin(f B)], B [embedding width][features]. */
  readonly fourier: {
    readonly features: number;
    readonly B: readonly (readonly number[])[];
  } | null;
}

/** An exported network: see the module comment for the forward pass. */
export interface ModelJson {
  readonly format: typeof MODEL_FORMAT;
  readonly version: typeof MODEL_VERSION;
  /** Input names, in the column order of `predict`'s X (e.g. ["t", "x"]). */
  readonly inputs: readonly string[];
  /** Output field names, in the column order of `predict`'s result. */
  readonly outputs: readonly string[];
  /** The training domain's bounding box; the normalisation maps it to [-1, 1]. */
  readonly domain: { readonly lo: readonly number[]; readonly hi: readonly number[] };
  readonly arch: "mlp" | "modified-mlp";
  readonly activation: "tanh" | "sin" | "gelu";
  readonly embedding: ModelEmbedding;
  readonly layers: {
    readonly hidden: readonly ModelLayer[];
    readonly out: ModelLayer;
    /** The modified MLP's encoders. */
    readonly encU?: ModelLayer;
    readonly encV?: ModelLayer;
  };
  /** The hard-constraint output transform, or null. */
  readonly transform: ModelTransform | null;
  /** Trained PDE coefficients of an inverse problem (metadata; not used by `predict`). */
  readonly coefficients: Readonly<Record<string, number>> | null;
  /** Where the model came from (metadata): problem, run id, checkpoint step, trained precision. */
  readonly source: {
    readonly problem: string;
    readonly precision: "float32" | "float64";
    readonly run?: string;
    readonly step?: number;
  };
}

/** A loaded model, ready to evaluate. */
export interface LoadedModel {
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly coefficients: Readonly<Record<string, number>> | null;
  /**
   * The network at n points.
   * @param X row-major points [n, inputs]
   * @returns row-major outputs [n, outputs]
   */
  predict(X: Float64Array): Float64Array;
}

/**
 * erf(x) to about 1e-15: the Maclaurin series for |x| < 3, the continued fraction of erfc
 * beyond (Abramowitz & Stegun 7.1.5 and 7.1.14).
 */
function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))), by Lentz's method
  const tiny = 1e-300;
  let f = ax;
  let C = ax;
  let D = 0;
  for (let n = 1; n < 300; n++) {
    const a = n / 2;
    D = ax + a * D;
    D = D === 0 ? tiny : 1 / D;
    C = ax + a / C;
    if (C === 0) C = tiny;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return x > 0 ? 1 - erfc : erfc - 1;
}

function activation(name: ModelJson["activation"]): (z: number) => number {
  switch (name) {
    case "tanh":
      return Math.tanh;
    case "sin":
      return Math.sin;
    case "gelu":
      return (z) => z * 0.5 * (1 + erf(z * Math.SQRT1_2));
    default: {
      const never: never = name;
      throw new Error(`model: unknown activation ${String(never)}`);
    }
  }
}

/** A layer as flat arrays, checked against the expected width of its input. */
interface Flat {
  nIn: number;
  nOut: number;
  w: Float64Array;
  b: Float64Array;
}

function flatLayer(l: ModelLayer | undefined, nIn: number, what: string): Flat {
  if (!l || !Array.isArray(l.w) || !Array.isArray(l.b)) throw new Error(`model: ${what} missing`);
  if (l.w.length !== nIn) throw new Error(`model: ${what} has ${l.w.length} rows, expected ${nIn}`);
  const nOut = l.b.length;
  const w = new Float64Array(nIn * nOut);
  l.w.forEach((row, i) => {
    if (row.length !== nOut) throw new Error(`model: ${what} row ${i} has ${row.length} entries`);
    for (let j = 0; j < nOut; j++) w[i * nOut + j] = row[j];
  });
  return { nIn, nOut, w, b: Float64Array.from(l.b) };
}

/** y = x W + b, the sum over inputs in order. */
function affine(L: Flat, x: Float64Array, y: Float64Array): void {
  for (let j = 0; j < L.nOut; j++) {
    let s = 0;
    for (let i = 0; i < L.nIn; i++) s += x[i] * L.w[i * L.nOut + j];
    y[j] = s + L.b[j];
  }
}

/** Compile an expression graph to a function of the raw input row. */
function compileTransform(t: ModelTransform, inputs: readonly string[]) {
  const nodes = t.nodes;
  nodes.forEach((n, k) => {
    const refs = "a" in n ? ("b" in n ? [n.a, n.b] : [n.a]) : [];
    for (const r of refs)
      if (!Number.isInteger(r) || r < 0 || r >= k)
        throw new Error(`model: transform node ${k} refers to node ${r}`);
    if (n.op === "input" && !inputs.includes(n.name))
      throw new Error(`model: transform reads unknown input "${n.name}"`);
  });
  const index = nodes.map((n) => (n.op === "input" ? inputs.indexOf(n.name) : -1));
  const v = new Float64Array(nodes.length);
  return (x: Float64Array, off: number): Float64Array => {
    for (let k = 0; k < nodes.length; k++) {
      const n = nodes[k];
      switch (n.op) {
        case "input":
          v[k] = x[off + index[k]];
          break;
        case "const":
          v[k] = n.value;
          break;
        case "add":
          v[k] = v[n.a] + v[n.b];
          break;
        case "sub":
          v[k] = v[n.a] - v[n.b];
          break;
        case "mul":
          v[k] = v[n.a] * v[n.b];
          break;
        case "sin":
          v[k] = Math.sin(v[n.a]);
          break;
        case "cos":
          v[k] = Math.cos(v[n.a]);
          break;
        case "exp":
          v[k] = Math.exp(v[n.a]);
          break;
        case "sqrt":
          v[k] = Math.sqrt(v[n.a]);
          break;
        default: {
          const never: never = n;
          throw new Error(`model: unknown transform op ${JSON.stringify(never)}`);
        }
      }
    }
    return v;
  };
}

/**
 * Check a parsed model's format and version.
 * @throws naming what is wrong
 */
export function checkModel(m: unknown): ModelJson {
  const o = m as Partial<ModelJson> | null;
  if (o === null || typeof o !== "object" || o.format !== MODEL_FORMAT)
    throw new Error(`model: not a ${MODEL_FORMAT} file (format: ${JSON.stringify(o?.format)})`);
  if (o.version !== MODEL_VERSION)
    throw new Error(`model: version ${String(o.version)}; this pinnlab reads ${MODEL_VERSION}`);
  return o as ModelJson;
}

/**
 * Load an exported model (the object or its JSON text) for evaluation in plain float64
 * JavaScript; works in Node and in browsers, without jax-js or any training code.
 * @throws naming the first inconsistency (format, version, a layer's shape, a transform node)
 * @example
 * const model = loadModel(await (await fetch("model.json")).text());
 * const u = model.predict(Float64Array.of(0.5, 0.1)); // one point (t, x) -> [u]
 */
export function loadModel(json: ModelJson | string): LoadedModel {
  const m = checkModel(typeof json === "string" ? JSON.parse(json) : json);
  const d = m.inputs.length;
  const nOut = m.outputs.length;
  if (m.domain.lo.length !== d || m.domain.hi.length !== d)
    throw new Error("model: domain lo/hi need one entry per input");
  const scale = m.domain.lo.map((lo, i) => 2 / (m.domain.hi[i] - lo));
  const shift = m.domain.lo.map((lo, i) => -1 - lo * scale[i]);
  const lo = m.domain.lo;
  const periodic = m.embedding.periodic;
  const keep = [...Array(d).keys()].filter((i) => !periodic.some((p) => p.input === i));
  const embedWidth = keep.length + periodic.reduce((n, p) => n + (p.seam ? 3 : 2), 0);
  const four = m.embedding.fourier;
  let B: Flat | null = null;
  if (four) {
    B = flatLayer(
      { w: four.B, b: new Array<number>(four.features).fill(0) },
      embedWidth,
      "fourier B",
    );
  }
  const featWidth = B ? 2 * B.nOut : embedWidth;
  const act = activation(m.activation);
  const modified = m.arch === "modified-mlp";
  const hidden: Flat[] = [];
  let width = featWidth;
  for (const [l, layer] of m.layers.hidden.entries()) {
    const L = flatLayer(layer, width, `hidden layer ${l}`);
    hidden.push(L);
    width = L.nOut;
  }
  const encU = modified ? flatLayer(m.layers.encU, featWidth, "encoder U") : null;
  const encV = modified ? flatLayer(m.layers.encV, featWidth, "encoder V") : null;
  if (modified && hidden.some((L) => L.nOut !== encU?.nOut))
    throw new Error("model: modified-mlp layers must all have the encoders' width");
  const out = flatLayer(m.layers.out, width, "output layer");
  if (out.nOut !== nOut)
    throw new Error(`model: output layer has ${out.nOut} units for ${nOut} outputs`);
  const transform = m.transform ? compileTransform(m.transform, m.inputs) : null;
  const tFields = m.transform?.fields ?? [];
  for (const f of tFields)
    if (!(f.field >= 0 && f.field < nOut)) throw new Error(`model: transform field ${f.field}`);

  const maxW = Math.max(featWidth, width, embedWidth);
  const f0 = new Float64Array(maxW);
  const f1 = new Float64Array(maxW);
  let h = new Float64Array(maxW);
  let z = new Float64Array(maxW);
  const U = new Float64Array(maxW);
  const V = new Float64Array(maxW);
  const y = new Float64Array(nOut);

  return {
    inputs: m.inputs,
    outputs: m.outputs,
    coefficients: m.coefficients,
    predict(X: Float64Array): Float64Array {
      if (X.length % d !== 0)
        throw new Error(`predict: ${X.length} values are not rows of ${d} inputs`);
      const n = X.length / d;
      const Y = new Float64Array(n * nOut);
      for (let r = 0; r < n; r++) {
        const off = r * d;
        // normalisation and periodic embedding
        let k = 0;
        for (const i of keep) f0[k++] = X[off + i] * scale[i] + shift[i];
        for (const p of periodic) {
          const a = X[off + p.input] * ((2 * Math.PI) / p.period);
          f0[k++] = Math.cos(a);
          f0[k++] = Math.sin(a);
          if (p.seam) f0[k++] = Math.sin(((X[off + p.input] - lo[p.input]) * Math.PI) / p.period);
        }
        let feats = f0;
        if (B) {
          affine(B, f0, f1);
          for (let j = 0; j < B.nOut; j++) {
            const a = f1[j];
            f1[j] = Math.cos(a);
            f1[B.nOut + j] = Math.sin(a);
          }
          feats = f1;
        }
        h.set(feats.subarray(0, featWidth));
        if (encU && encV) {
          affine(encU, feats, U);
          affine(encV, feats, V);
          for (let j = 0; j < encU.nOut; j++) {
            U[j] = act(U[j]);
            V[j] = act(V[j]);
          }
        }
        for (const L of hidden) {
          affine(L, h, z);
          if (encU) {
            for (let j = 0; j < L.nOut; j++) {
              const s = act(z[j]);
              z[j] = (1 - s) * U[j] + s * V[j];
            }
          } else for (let j = 0; j < L.nOut; j++) z[j] = act(z[j]);
          [h, z] = [z, h];
        }
        affine(out, h, y);
        if (transform) {
          const v = transform(X, off);
          for (const f of tFields) y[f.field] = v[f.A] + v[f.B] * y[f.field];
        }
        Y.set(y, r * nOut);
      }
      return Y;
    },
  };
}
