/**
 * A trained network as an exported model ({@link ModelJson}): the parameters read from jax-js
 * (weight factorisation folded in as the fused kernels compute it), the Fourier matrix
 * from the network's constants, and the hard-constraint transform traced through a recording
 * {@link SmoothOps} into an expression graph.
 */
import type { Precision } from "../engine/index.js";
import { type Dense, type NetParams, type Network, embeddingWidth } from "../nets/network.js";
import { readCoefficients } from "../nets/coefficients.js";
import type { SmoothOps } from "../problem/smooth.js";
import {
  MODEL_FORMAT,
  MODEL_VERSION,
  type ModelExprNode,
  type ModelJson,
  type ModelLayer,
  type ModelTransform,
} from "./model.js";

/** A network that cannot be written in the exported format (the CLI exits 2 with its message). */
export class ExportError extends Error {}

/** What the network alone does not know: names and provenance. */
export interface ExportInfo {
  /** Input names in column order (the problem's domain inputs). */
  readonly inputs: readonly string[];
  /** Output field names (the problem's fields). */
  readonly outputs: readonly string[];
  /** Problem name. */
  readonly problem: string;
  /** Run id, when exported from a run. */
  readonly run?: string;
  /** Checkpoint step, when exported from a run. */
  readonly step?: number;
}

/** Rows [in][out] of a row-major matrix. */
function rows(a: ArrayLike<number>, nIn: number, nOut: number): number[][] {
  return Array.from({ length: nIn }, (_, i) =>
    Array.from({ length: nOut }, (_, j) => a[i * nOut + j]),
  );
}

/**
 * A dense layer's effective weights W = V diag(exp(s)), folded as the fused kernels fold them
 * (Math.exp, rounded to float32 for a float32 network); jax-js's float64 exp is only
 * float32-accurate, so this is the more accurate of pinnlab's two routes.
 */
async function layer(p: Dense, precision: Precision): Promise<ModelLayer> {
  const [nIn, nOut] = p.w.shape;
  const w = await p.w.ref.data();
  const b = await p.b.ref.data();
  if (!p.s) return { w: rows(w, nIn, nOut), b: Array.from(b) };
  const s = await p.s.ref.data();
  const round = precision === "float32" ? Math.fround : (v: number) => v;
  const ex = Array.from(s, (v) => round(Math.exp(v)));
  const W = new Float64Array(nIn * nOut);
  for (let i = 0; i < nIn; i++)
    for (let j = 0; j < nOut; j++) W[i * nOut + j] = round(w[i * nOut + j] * ex[j]);
  return { w: rows(W, nIn, nOut), b: Array.from(b) };
}

/** A traced node (an index into the node list). */
interface Ref {
  readonly k: number;
}

/** Trace the transform's expressions into one shared node list. */
function traceTransform(net: Network): ModelTransform | null {
  const t = net.transform;
  if (!t) return null;
  if (!t.fields || !t.inputs) {
    throw new ExportError(
      "the network's output transform has no expression form, so it cannot be exported",
    );
  }
  const inputs = t.inputs;
  const nodes: ModelExprNode[] = [];
  // node references are boxed so that a plain number operand is told apart as a constant
  const push = (n: ModelExprNode): Ref => (nodes.push(n), { k: nodes.length - 1 });
  const arg = (b: Ref | number): number => (typeof b === "number" ? ops.c(b).k : b.k);
  const ops: SmoothOps<Ref> = {
    in: (name) => {
      if (!inputs.includes(name)) throw new ExportError(`transform reads unknown input "${name}"`);
      return push({ op: "input", name });
    },
    c: (value) => push({ op: "const", value }),
    add: (a, b) => push({ op: "add", a: a.k, b: arg(b) }),
    sub: (a, b) => push({ op: "sub", a: a.k, b: arg(b) }),
    mul: (a, b) => push({ op: "mul", a: a.k, b: arg(b) }),
    sin: (a) => push({ op: "sin", a: a.k }),
    cos: (a) => push({ op: "cos", a: a.k }),
    exp: (a) => push({ op: "exp", a: a.k }),
    sqrt: (a) => push({ op: "sqrt", a: a.k }),
  };
  return {
    nodes,
    fields: t.fields.map((f) => ({ field: f.field, A: f.A(ops).k, B: f.B(ops).k })),
    satisfies: [...t.satisfies],
  };
}

/**
 * Export a network and its parameters as a {@link ModelJson} (parameters not consumed).
 * @throws ExportError when the network's output transform has no expression form
 * @example
 * const model = await exportModel(net, params, { inputs: ["t", "x"], outputs: ["u"], problem: "burgers" });
 * loadModel(model).predict(Float64Array.of(0.5, 0.1));
 */
export async function exportModel(
  net: Network,
  params: NetParams,
  info: ExportInfo,
): Promise<ModelJson> {
  const c = net.config;
  if (info.inputs.length !== c.inputs || info.outputs.length !== c.outputs) {
    throw new ExportError(
      `export: ${info.inputs.length} input and ${info.outputs.length} output names for a network of ${c.inputs} -> ${c.outputs}`,
    );
  }
  const transform = traceTransform(net);
  const embedWidth = embeddingWidth(c);
  const B = net.constants.fourierB;
  const fourier =
    c.fourier && B
      ? { features: c.fourier.features, B: rows(B, embedWidth, c.fourier.features) }
      : null;
  // a float32 network's Fourier matrix is rounded to float32 where the forward pass uses it
  const fourierRounded =
    fourier && c.precision === "float32"
      ? { ...fourier, B: fourier.B.map((r) => r.map((v) => Math.fround(v))) }
      : fourier;
  const hidden: ModelLayer[] = [];
  for (const h of params.hidden) hidden.push(await layer(h, c.precision));
  const coefficients = (await readCoefficients(net, params)) ?? null;
  return {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    inputs: [...info.inputs],
    outputs: [...info.outputs],
    domain: { lo: [...c.lo], hi: [...c.hi] },
    arch: c.arch,
    activation: c.activation,
    embedding: {
      periodic: c.periodic.map((p) => ({
        input: p.input,
        period: p.period,
        ...(p.seam ? { seam: true } : {}),
      })),
      fourier: fourierRounded,
    },
    layers: {
      hidden,
      out: await layer(params.out, c.precision),
      ...(params.encU ? { encU: await layer(params.encU, c.precision) } : {}),
      ...(params.encV ? { encV: await layer(params.encV, c.precision) } : {}),
    },
    transform,
    coefficients,
    source: {
      problem: info.problem,
      precision: c.precision,
      ...(info.run !== undefined ? { run: info.run } : {}),
      ...(info.step !== undefined ? { step: info.step } : {}),
    },
  };
}
