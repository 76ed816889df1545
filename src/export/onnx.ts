/**
 * An exported model ({@link ModelJson}) as an ONNX file: a hand-written protobuf encoder for the
 * few messages ONNX needs (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto,
 * AttributeProto; field numbers from onnx/onnx.proto) and a graph of standard operators only
 * (MatMul, Add, Sub, Mul, Neg, Tanh, Sin, Cos, Exp, Sqrt, Clip, Gather, Concat, Identity; erf
 * for gelu is a series in these, as onnxruntime has no float64 Erf) at opset
 * {@link ONNX_OPSET}, every tensor DOUBLE. The graph has one input `x` [n, inputs] and one output
 * `y` [n, outputs] and computes exactly the forward pass of src/export/model.ts.
 */
import type { ModelJson, ModelLayer } from "./model.js";

/** The ONNX operator set the graph is written against (pinned). */
export const ONNX_OPSET = 17;
/** The ONNX IR version that goes with opset 17. */
const IR_VERSION = 8;
/** TensorProto.DataType values. */
const DOUBLE = 11;
const INT64 = 7;
/** Terms of erf's series and the clip bound (see {@link Graph.erf}). */
const ERF_TERMS = 140;
const ERF_CLIP = 8;
/** AttributeProto.AttributeType.INT. */
const ATTR_INT = 2;

/** A protobuf message being written: fields appended in order. */
class Proto {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
  }

  private varint(v: number): void {
    if (!Number.isInteger(v) || v < 0) throw new Error(`onnx: varint ${v}`);
    const out: number[] = [];
    while (v >= 0x80) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
    this.push(Uint8Array.from(out));
  }

  private key(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** An unsigned integer field (int32/int64/enum, non-negative). */
  int(field: number, v: number): this {
    this.key(field, 0);
    this.varint(v);
    return this;
  }

  /** A length-delimited field (bytes, string or embedded message). */
  bytes(field: number, b: Uint8Array): this {
    this.key(field, 2);
    this.varint(b.length);
    this.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, m: Proto): this {
    return this.bytes(field, m.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let off = 0;
    for (const p of this.parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
}

/** TensorProto: dims (1), data_type (2), name (8), raw_data (9, little-endian). */
function tensor(name: string, dims: readonly number[], values: ArrayLike<number>, type = DOUBLE) {
  const n = dims.reduce((a, b) => a * b, 1);
  if (values.length !== n)
    throw new Error(`onnx: tensor ${name}: ${values.length} values for ${n}`);
  const raw = new Uint8Array(8 * n);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < n; i++) {
    if (type === DOUBLE) view.setFloat64(8 * i, values[i], true);
    else view.setBigInt64(8 * i, BigInt(values[i]), true);
  }
  const t = new Proto();
  for (const d of dims) t.int(1, d);
  return t.int(2, type).string(8, name).bytes(9, raw);
}

/** ValueInfoProto of a DOUBLE tensor [n, cols] with a symbolic batch dimension. */
function valueInfo(name: string, cols: number): Proto {
  const shape = new Proto()
    .message(1, new Proto().string(2, "n"))
    .message(1, new Proto().int(1, cols));
  const tensorType = new Proto().int(1, DOUBLE).message(2, shape);
  return new Proto().string(1, name).message(2, new Proto().message(1, tensorType));
}

/** Builds the graph's nodes and initializers with fresh names. */
class Graph {
  readonly nodes: Proto[] = [];
  readonly inits: Proto[] = [];
  private count = 0;

  fresh(base: string): string {
    return `${base}_${this.count++}`;
  }

  /** A DOUBLE constant tensor (initializer). */
  constant(base: string, dims: readonly number[], values: ArrayLike<number>): string {
    const name = this.fresh(base);
    this.inits.push(tensor(name, dims, values));
    return name;
  }

  /** An INT64 constant (Gather's indices). */
  indices(values: readonly number[]): string {
    const name = this.fresh("idx");
    this.inits.push(tensor(name, [values.length], values, INT64));
    return name;
  }

  /** One node; returns its output name. */
  op(type: string, inputs: readonly string[], attrs: Record<string, number> = {}, out?: string) {
    const output = out ?? this.fresh(type.toLowerCase());
    const n = new Proto();
    for (const i of inputs) n.string(1, i);
    n.string(2, output)
      .string(3, this.fresh(`n_${type}`))
      .string(4, type);
    for (const [k, v] of Object.entries(attrs)) {
      n.message(5, new Proto().string(1, k).int(3, v).int(20, ATTR_INT));
    }
    this.nodes.push(n);
    return output;
  }

  /** Columns `cols` of a [n, k] tensor, as [n, cols.length]. */
  columns(x: string, cols: readonly number[]): string {
    return this.op("Gather", [x, this.indices(cols)], { axis: 1 });
  }

  /** x W + b. */
  dense(x: string, l: ModelLayer, base: string): string {
    const nIn = l.w.length;
    const nOut = l.b.length;
    const W = this.constant(`${base}_W`, [nIn, nOut], l.w.flat());
    const b = this.constant(`${base}_b`, [nOut], l.b);
    return this.op("Add", [this.op("MatMul", [x, W]), b]);
  }

  /** A scalar constant [1, 1] (broadcasts against [n, 1] and [n, k]). */
  scalar(v: number): string {
    return this.constant("c", [1, 1], [v]);
  }

  /**
   * erf(x) to ~2e-15 without the Erf operator (onnxruntime's CPU provider has no float64 Erf):
   * erf(x) = 2 / sqrt(pi) exp(-x^2) x sum_n (2 x^2)^n / (1 3 ... (2n + 1)) (Abramowitz & Stegun
   * 7.1.6; every term positive, so no cancellation), by Horner in u = 2 x^2 with
   * {@link ERF_TERMS} terms, x clipped to [-8, 8], where erf is +-1 to 1e-29.
   */
  erf(x: string): string {
    const bound = (v: number) => this.constant("c", [], [v]);
    const xc = this.op("Clip", [x, bound(-ERF_CLIP), bound(ERF_CLIP)]);
    const x2 = this.op("Mul", [xc, xc]);
    const u = this.op("Mul", [x2, this.scalar(2)]);
    const a = [1];
    for (let n = 1; n < ERF_TERMS; n++) a.push(a[n - 1] / (2 * n + 1));
    let S = this.op("Mul", [u, this.scalar(a[ERF_TERMS - 1])]);
    for (let n = ERF_TERMS - 2; n >= 1; n--)
      S = this.op("Mul", [this.op("Add", [S, this.scalar(a[n])]), u]);
    S = this.op("Add", [S, this.scalar(1)]);
    const g = this.op("Mul", [this.op("Exp", [this.op("Neg", [x2])]), xc]);
    return this.op("Mul", [this.op("Mul", [g, S]), this.scalar(2 / Math.sqrt(Math.PI))]);
  }

  activate(x: string, act: ModelJson["activation"]): string {
    switch (act) {
      case "tanh":
        return this.op("Tanh", [x]);
      case "sin":
        return this.op("Sin", [x]);
      case "gelu": {
        // x * 0.5 * (1 + erf(x / sqrt 2)), erf from standard operators (see erf below)
        const e = this.erf(this.op("Mul", [x, this.scalar(Math.SQRT1_2)]));
        const half = this.op("Mul", [this.op("Add", [e, this.scalar(1)]), this.scalar(0.5)]);
        return this.op("Mul", [x, half]);
      }
      default: {
        const never: never = act;
        throw new Error(`onnx: unknown activation ${String(never)}`);
      }
    }
  }
}

/**
 * Encode a model as an ONNX ModelProto (opset {@link ONNX_OPSET}, DOUBLE tensors).
 * @returns the bytes of a `.onnx` file
 * @example
 * const bytes = modelToOnnx(model); // write to model.onnx; input "x" [n, d], output "y" [n, m]
 */
export function modelToOnnx(m: ModelJson): Uint8Array {
  const g = new Graph();
  const d = m.inputs.length;
  const scale = m.domain.lo.map((lo, i) => 2 / (m.domain.hi[i] - lo));
  const shift = m.domain.lo.map((lo, i) => -1 - lo * scale[i]);
  const normed = g.op("Add", [
    g.op("Mul", ["x", g.constant("scale", [1, d], scale)]),
    g.constant("shift", [1, d], shift),
  ]);
  const periodic = m.embedding.periodic;
  const keep = [...Array(d).keys()].filter((i) => !periodic.some((p) => p.input === i));
  let feats: string;
  if (periodic.length === 0) feats = normed;
  else {
    const parts: string[] = [];
    if (keep.length > 0) parts.push(g.columns(normed, keep));
    for (const p of periodic) {
      const a = g.op("Mul", [g.columns("x", [p.input]), g.scalar((2 * Math.PI) / p.period)]);
      parts.push(g.op("Cos", [a]), g.op("Sin", [a]));
      if (p.seam) {
        // sin(pi (x - lo) / P): the seam feature (src/nets/network.ts)
        const lo = m.domain.lo[p.input];
        const b = g.op("Add", [
          g.op("Mul", [g.columns("x", [p.input]), g.scalar(Math.PI / p.period)]),
          g.scalar((-Math.PI * lo) / p.period),
        ]);
        parts.push(g.op("Sin", [b]));
      }
    }
    feats = g.op("Concat", parts, { axis: 1 });
  }
  const four = m.embedding.fourier;
  if (four) {
    const B = g.constant("fourier_B", [four.B.length, four.features], four.B.flat());
    const z = g.op("MatMul", [feats, B]);
    feats = g.op("Concat", [g.op("Cos", [z]), g.op("Sin", [z])], { axis: 1 });
  }
  let h = feats;
  if (m.arch === "modified-mlp") {
    const { encU, encV } = m.layers;
    if (!encU || !encV) throw new Error("onnx: modified-mlp model lacks its encoders");
    const U = g.activate(g.dense(feats, encU, "encU"), m.activation);
    const V = g.activate(g.dense(feats, encV, "encV"), m.activation);
    const one = g.scalar(1);
    m.layers.hidden.forEach((l, k) => {
      const z = g.activate(g.dense(h, l, `hidden${k}`), m.activation);
      h = g.op("Add", [g.op("Mul", [g.op("Sub", [one, z]), U]), g.op("Mul", [z, V])]);
    });
  } else {
    m.layers.hidden.forEach((l, k) => {
      h = g.activate(g.dense(h, l, `hidden${k}`), m.activation);
    });
  }
  const raw = g.dense(h, m.layers.out, "out");
  const t = m.transform;
  if (!t) g.op("Identity", [raw], {}, "y");
  else {
    // the expression graph, node by node, on [n, 1] columns
    const names: string[] = [];
    for (const n of t.nodes) {
      switch (n.op) {
        case "input": {
          const i = m.inputs.indexOf(n.name);
          if (i < 0) throw new Error(`onnx: transform reads unknown input "${n.name}"`);
          names.push(g.columns("x", [i]));
          break;
        }
        case "const":
          names.push(g.scalar(n.value));
          break;
        case "add":
          names.push(g.op("Add", [names[n.a], names[n.b]]));
          break;
        case "sub":
          names.push(g.op("Sub", [names[n.a], names[n.b]]));
          break;
        case "mul":
          names.push(g.op("Mul", [names[n.a], names[n.b]]));
          break;
        case "sin":
          names.push(g.op("Sin", [names[n.a]]));
          break;
        case "cos":
          names.push(g.op("Cos", [names[n.a]]));
          break;
        case "exp":
          names.push(g.op("Exp", [names[n.a]]));
          break;
        case "sqrt":
          names.push(g.op("Sqrt", [names[n.a]]));
          break;
        default: {
          const never: never = n;
          throw new Error(`onnx: transform op ${JSON.stringify(never)} has no ONNX form`);
        }
      }
    }
    const cols = m.outputs.map((_, f) => {
      const N = m.outputs.length === 1 ? raw : g.columns(raw, [f]);
      const ft = t.fields.find((x) => x.field === f);
      if (!ft) return N;
      return g.op("Add", [names[ft.A], g.op("Mul", [names[ft.B], N])]);
    });
    if (cols.length === 1) g.op("Identity", cols, {}, "y");
    else g.op("Concat", cols, { axis: 1 }, "y");
  }
  const graph = new Proto();
  for (const n of g.nodes) graph.message(1, n);
  graph.string(2, `pinnlab_${m.source.problem}`);
  for (const i of g.inits) graph.message(5, i);
  graph.message(11, valueInfo("x", d)).message(12, valueInfo("y", m.outputs.length));
  const doc = `pinnlab model of ${m.source.problem}: inputs ${m.inputs.join(", ")} -> ${m.outputs.join(", ")}`;
  graph.string(10, doc);
  return new Proto()
    .int(1, IR_VERSION)
    .string(2, "pinnlab")
    .message(7, graph)
    .message(8, new Proto().string(1, "").int(2, ONNX_OPSET))
    .finish();
}
