/**
 * `defineProblem`: geometry + fields + residuals + conditions -> a validated problem whose every
 * residual and condition is a named loss term. Residuals are written with derivative accessors,
 * `d("u", "xx")`, and are dry-run once at definition time, which both discovers the derivative
 * channels each term needs and rejects mistakes (unknown field or input, order > 4) with an error
 * naming the offending term.
 */
import { fromData, np, type Precision } from "../engine/index.js";
import {
  type Box,
  type Face,
  type Side,
  inputIndex,
  linspace,
  spatialFaces,
  tensorGrid,
} from "../geometry/box.js";
import { type Jet, disposeJet } from "../jet/jet.js";
import { type JetLayout, type MultiIndex, MAX_ORDER, jetLayout } from "../jet/multiindex.js";
import { type SamplerKind, samplePoints } from "../sampling/samplers.js";
import type { Rng } from "../util/rng.js";
import type { BoundaryContext, Condition, On, PointFn } from "./conditions.js";
import { inDomain, selectPieces, spatialInputs, spatialShape } from "../geometry/domain.js";
import {
  type BoundaryShare,
  sampleBoundary,
  sampleInterior,
  withBoundaryShare,
} from "../geometry/sample.js";
import { Scope, Value } from "./maths.js";
import type { Coefficient } from "./coefficients.js";
import { gaussLegendre } from "./quadrature.js";

/**
 * What a residual sees: fields, their derivatives and the coordinates, each a {@link Value} [N].
 * Values are never consumed by the arithmetic (src/problem/maths.ts): use each as often as needed.
 */
export interface ResidualContext {
  /**
   * A field or one of its partial derivatives at the batch's points, shape [N]. The derivative is
   * spelled with input names: "" (value), "t", "xx", "tx", "xxxx" (any order, up to 4).
   */
  d(field: string, derivative?: string): Value;
  /** Coordinate values of a named input, shape [N]. */
  x(input: string): Value;
  /**
   * The Volterra integral int_{lo}^{x} K(x, s) u(s) ds along an input (the domain's lower bound
   * lo to the point's own coordinate; other inputs held), by `nodes`-point Gauss-Legendre
   * quadrature: the network is also evaluated at every point's quadrature nodes. K gets the
   * point's coordinate x [N, 1] and the nodes s [N, nodes] and returns [N, nodes] (or a number).
   * As DeepXDE's IDE examples; one quadrature (input, nodes) per residual.
   * @example volterra("u", (x, s) => exp(s.sub(x))) // int_0^x e^(s - x) u(s) ds
   */
  volterra(
    field: string,
    kernel: (x: Value, s: Value) => Value | number,
    opts?: { readonly input?: string; readonly nodes?: number },
  ): Value;
}

/**
 * A residual: returns the per-point PDE residual [N] that training drives to zero, as a
 * {@link Value} (or an np.Array the residual owns, for code written against jax-js directly).
 */
export type ResidualFn = (c: ResidualContext) => Value | np.Array;

/** Values of a problem's fields on a tensor grid, for evaluation against a reference. */
export interface EvalGrid {
  /** Grid axes per input, in the domain's input order. */
  readonly axes: readonly Float64Array[];
  /** Reference values per field, row-major over the tensor grid (last input fastest). */
  readonly values: Readonly<Record<string, Float64Array>>;
  /**
   * For a domain that is not its bounding box: 1 where the grid point lies in the domain (the
   * evaluation uses those points only); absent means every point. See {@link domainMask}.
   */
  readonly mask?: Uint8Array;
}

/**
 * The mask of a tensor grid's points that lie in a domain (null for a plain box: all of them).
 * @example domainMask(polygon(L), evaluationAxes(polygon(L))) // 1 in the L, 0 in its notch
 */
export function domainMask(domain: Box, axes: readonly Float64Array[]): Uint8Array | null {
  if (!domain.shape) return null;
  const X = tensorGrid(axes);
  const d = axes.length;
  const n = X.length / d;
  const mask = new Uint8Array(n);
  for (let r = 0; r < n; r++)
    mask[r] = inDomain(domain, Array.from(X.subarray(r * d, (r + 1) * d))) ? 1 : 0;
  return mask;
}

/** Everything that declares a problem. */
export interface ProblemSpec {
  readonly name: string;
  readonly domain: Box;
  readonly fields: readonly string[];
  readonly residuals: Readonly<Record<string, ResidualFn>>;
  readonly conditions: Readonly<Record<string, Condition>>;
  /** Reference solution on the evaluation grid (exact or from a classical solver). */
  readonly reference?: () => EvalGrid;
  /**
   * The exact solution as a point function (one number for a single field, else one per field):
   * `defineProblem` turns it into `reference` on the default evaluation grid
   * ({@link evaluationAxes}). Give `reference` or `exact`, not both.
   */
  readonly exact?: (
    p: Readonly<Record<string, number>>,
  ) => number | Readonly<Record<string, number>>;
  /**
   * A reference read from a CSV file by the command line (`pinnlab train ./problem.ts`): a path
   * relative to the problem file; a header naming the inputs then the fields, one row per point
   * of a full tensor grid. The library itself reads no files (this field is for the CLI).
   */
  readonly referenceCsv?: string;
}

/** The kind of a loss term. */
export type TermKind = "residual" | Condition["kind"];

/** A batch for one term: points [rows, dims] and optional targets [rows]. */
export interface TermBatch {
  readonly X: Float64Array;
  readonly rows: number;
  readonly target: Float64Array | null;
  /**
   * Per-point loss weights [M] (one per residual entry), set by self-adaptive weighting
   * (McClenny & Braga-Neto 2023): the term's loss becomes mean(pointWeights * r^2).
   */
  readonly pointWeights?: Float64Array;
}

/** A named loss term, compiled from a residual or a condition. */
export interface Term {
  readonly name: string;
  readonly kind: TermKind;
  /** Derivative channels the network must provide at this term's points. */
  readonly layout: JetLayout;
  /** True when the term's points never change (data). */
  readonly fixed: boolean;
  /**
   * Quadrature nodes per point when the term integrates (a Volterra residual): its batch holds n
   * points then n * nodes quadrature rows, so it may not be reordered or drawn adaptively.
   */
  readonly quadratureNodes?: number;
  /**
   * Draw a batch of about n points (exactly n unless the term fixes its own count). `share`
   * moves part of a residual's or an initial condition's points onto the spatial boundary
   * (`boundaryFraction`; other terms ignore it).
   */
  sample(rng: Rng, n: number, sampler: SamplerKind, share?: BoundaryShare): TermBatch;
  /**
   * Per-point residuals from the network's output jet at the batch's points.
   * @param out output jet [rows, fields] (consumed)
   * @param X points [rows, dims] (consumed)
   * @param target targets [rows] or null (consumed)
   * @param coefs the trainable coefficients' current values (scalars; not consumed), when the
   *   problem has any
   * @returns residuals [M]
   */
  residual(
    out: Jet,
    X: np.Array,
    target: np.Array | null,
    coefs?: Readonly<Record<string, np.Array>>,
  ): np.Array;
}

/** A validated problem. */
export interface Problem extends ProblemSpec {
  /** The trainable coefficients its residuals and boundary operators use (inverse problems). */
  readonly coefficients?: readonly Coefficient[];
  /** Residual terms first, then conditions, in declaration order. */
  readonly terms: readonly Term[];
  /** The terms' names, in the same order. */
  readonly termNames: readonly string[];
}

function parseDerivative(domain: Box, spec: string, where: string): MultiIndex {
  if (spec.length > MAX_ORDER) {
    throw new Error(`${where}: derivative "${spec}" has order ${spec.length} > ${MAX_ORDER}`);
  }
  return [...spec].map((ch) => inputIndex(domain, ch, `${where}: derivative "${spec}"`));
}

function fieldIndex(spec: Pick<ProblemSpec, "fields">, field: string, where: string): number {
  const i = spec.fields.indexOf(field);
  if (i < 0)
    throw new Error(`${where}: unknown field "${field}" (fields: ${spec.fields.join(", ")})`);
  return i;
}

function evalPointFn(f: PointFn, domain: Box, X: Float64Array, rows: number): Float64Array {
  const out = new Float64Array(rows);
  const d = domain.inputs.length;
  if (typeof f === "number") return out.fill(f);
  const p: Record<string, number> = {};
  for (let r = 0; r < rows; r++) {
    domain.inputs.forEach((name, k) => (p[name] = X[r * d + k]));
    out[r] = f(p);
  }
  return out;
}

/** Column `field` of a channel as [N]; zero channels give zeros. */
function fieldColumn(out: Jet, mi: MultiIndex, field: number): np.Array {
  const k = out.layout.indexOf(mi);
  if (k === undefined) throw new Error(`internal: channel ${mi.join(",")} missing from the jet`);
  const ch = out.ch[k];
  const v = out.ch[0] as np.Array;
  if (!ch) return np.zeros([v.shape[0]], { dtype: v.dtype });
  return ch.ref.slice([], field);
}

/**
 * The context a residual runs in over an output jet and its points (neither consumed): each
 * distinct d(field, derivative) and x(input) is sliced once and handed out as a value of `scope`.
 */
export function residualContext(
  spec: Pick<ProblemSpec, "domain" | "fields">,
  out: Jet,
  X: np.Array,
  where: string,
  quad: Quadrature | null = null,
  coefs: Readonly<Record<string, np.Array>> | null = null,
): { ctx: ResidualContext; scope: Scope } {
  const scope = new Scope(coefs);
  // with a quadrature the batch holds n points, then n * nodes quadrature rows
  const total = X.shape[0];
  const n = quad ? total / (1 + quad.nodes) : total;
  const head = (a: np.Array) => (quad ? a.slice([0, n]) : a);
  const cache = new Map<string, Value>();
  const once = (key: string, make: () => np.Array): Value => {
    let v = cache.get(key);
    if (!v) {
      v = scope.wrap(make());
      cache.set(key, v);
    }
    return v;
  };
  const ctx: ResidualContext = {
    d: (field, derivative = "") => {
      const mi = parseDerivative(spec.domain, derivative, where);
      const fi = fieldIndex(spec, field, where);
      return once(`d:${fi}:${mi.join(",")}`, () => head(fieldColumn(out, mi, fi)));
    },
    x: (input) => {
      const k = inputIndex(spec.domain, input, where);
      return once(`x:${k}`, () => head(X.ref.slice([], k)));
    },
    volterra: (field, kernel, opts = {}) => {
      const fi = fieldIndex(spec, field, where);
      if (!quad) throw new Error(`${where}: internal: no quadrature for volterra()`);
      const q = quad.nodes;
      const k = quad.input;
      const lo = spec.domain.lo[k];
      if (
        (opts.nodes ?? DEFAULT_NODES) !== q ||
        (opts.input ?? spec.domain.inputs[k]) !== spec.domain.inputs[k]
      ) {
        throw new Error(`${where}: one quadrature (input, nodes) per residual`);
      }
      const xs = once(`x:${k}`, () => head(X.ref.slice([], k)))
        .array()
        .reshape([n, 1]);
      const s = X.ref.slice([n, total], k).reshape([n, q]);
      const u = fieldColumn(out, [], fi).slice([n, total]).reshape([n, q]);
      const xv = scope.wrap(xs);
      const sv = scope.wrap(s);
      const K = kernel(xv, sv);
      // weights w_j (x - lo) / 2 on the nodes lo + (x - lo)(xi_j + 1) / 2
      const w = fromData(quad.weights, [1, q], X.dtype === np.float64 ? "float64" : "float32");
      const scaled = xv.array().sub(lo).mul(0.5).mul(w);
      const Ku = typeof K === "number" ? u.mul(K) : K.array().mul(u);
      return scope.wrap(Ku.mul(scaled).sum(1));
    },
  };
  return { ctx, scope };
}

/** Quadrature points per Volterra integral unless `nodes` says otherwise. */
const DEFAULT_NODES = 20;

/** A residual's quadrature: the input integrated along, the rule's size, nodes and weights. */
export interface Quadrature {
  readonly input: number;
  readonly nodes: number;
  /** Gauss-Legendre nodes on [-1, 1] and weights [nodes]. */
  readonly xi: Float64Array;
  readonly weights: Float64Array;
}

/** Append each point's quadrature rows (the input replaced by the nodes) after the points. */
function withQuadrature(domain: Box, q: Quadrature, X: Float64Array, n: number): Float64Array {
  const d = domain.inputs.length;
  const out = new Float64Array(n * (1 + q.nodes) * d);
  out.set(X);
  const lo = domain.lo[q.input];
  for (let i = 0; i < n; i++) {
    const row = X.subarray(i * d, (i + 1) * d);
    for (let j = 0; j < q.nodes; j++) {
      const r = n + i * q.nodes + j;
      out.set(row, r * d);
      out[r * d + q.input] = lo + ((row[q.input] - lo) * (q.xi[j] + 1)) / 2;
    }
  }
  return out;
}

/**
 * Dry-run a residual (or a boundary operator) to find the channels it reads and validate its
 * accessors; errors are prefixed with `where`.
 */
function discover(
  spec: ProblemSpec,
  where: string,
  fn: (ctx: BoundaryContext) => Value | np.Array,
  quads: Quadrature[] = [],
  coefficients: Map<string, Coefficient> = new Map(),
): MultiIndex[] {
  const found: MultiIndex[] = [];
  const scope = new Scope();
  const zero = () => scope.wrap(np.zeros([1]));
  const space = spatialInputs(spec.domain);
  const ctx: BoundaryContext = {
    d(field, derivative = "") {
      fieldIndex(spec, field, where);
      found.push(parseDerivative(spec.domain, derivative, where));
      return zero();
    },
    x(input) {
      inputIndex(spec.domain, input, where);
      return zero();
    },
    normal(input) {
      if (!space.includes(input)) {
        throw new Error(`normal("${input}"): not a spatial input (${space.join(", ")})`);
      }
      return zero();
    },
    volterra(field, kernel, opts = {}) {
      fieldIndex(spec, field, where);
      found.push([]);
      const input = opts.input ?? spec.domain.inputs[0];
      const k = inputIndex(spec.domain, input, `${where}: volterra`);
      const nodes = opts.nodes ?? DEFAULT_NODES;
      const prev = quads[0];
      if (prev && (prev.input !== k || prev.nodes !== nodes)) {
        throw new Error("volterra: one quadrature (input, nodes) per residual");
      }
      if (!prev) {
        const { x, w } = gaussLegendre(nodes);
        quads.push({ input: k, nodes, xi: x, weights: w });
      }
      const K = kernel(zero(), zero());
      if (typeof K !== "number" && !(K instanceof Value)) {
        throw new Error("volterra: the kernel must return a value or a number");
      }
      return zero();
    },
  };
  let r: unknown;
  try {
    r = fn(ctx);
  } catch (e) {
    scope.dispose();
    const msg = (e as Error).message;
    throw new Error(msg.startsWith(where) ? msg : `${where}: ${msg}`, { cause: e });
  }
  if (!(r instanceof Value) && !(r instanceof np.Array)) {
    scope.dispose();
    throw new Error(`${where}: must return the per-point residual built from d(...)`);
  }
  for (const [n, c] of scope.seen) {
    const prev = coefficients.get(n);
    if (prev && prev !== c) throw new Error(`${where}: two coefficients are named "${n}"`);
    coefficients.set(n, c);
  }
  const arr = scope.close(r);
  const shape = arr.shape;
  arr.dispose();
  if (shape.length !== 1 || shape[0] !== 1) {
    throw new Error(`${where}: must return the per-point residual built from d(...)`);
  }
  if (found.length === 0) throw new Error(`${where}: reads no field (use d("u", ...))`);
  return found;
}

/** n interior points of the domain (its box, or its shape). */
function interior(domain: Box, sampler: SamplerKind, rng: Rng, n: number): Float64Array {
  return domain.shape
    ? sampleInterior(domain, sampler, rng, n)
    : samplePoints(sampler, rng, n, domain.lo, domain.hi);
}

function residualTerm(
  spec: ProblemSpec,
  name: string,
  fn: ResidualFn,
  coefficients: Map<string, Coefficient>,
): Term {
  const dims = spec.domain.inputs.length;
  const quads: Quadrature[] = [];
  const layout = jetLayout(dims, discover(spec, `residuals.${name}`, fn, quads, coefficients));
  const quad = quads[0] ?? null;
  return {
    name,
    kind: "residual",
    layout,
    fixed: false,
    ...(quad ? { quadratureNodes: quad.nodes } : {}),
    sample: (rng, n, sampler, share) => {
      let X = interior(spec.domain, sampler, rng, n);
      if (share && share.fraction > 0) {
        if (quad) {
          throw new Error(
            `boundaryFraction: residuals.${name} integrates (quadrature rows follow its points), so its points cannot move onto the boundary`,
          );
        }
        X = withBoundaryShare(spec.domain, X, n, share, sampler, rng, false);
      }
      if (!quad) return { X, rows: n, target: null };
      return {
        X: withQuadrature(spec.domain, quad, X, n),
        rows: n * (1 + quad.nodes),
        target: null,
      };
    },
    residual(out, X, target, coefs) {
      target?.dispose();
      const where = `residuals.${name}`;
      const { ctx, scope } = residualContext(spec, out, X, where, quad, coefs ?? null);
      try {
        return scope.close(fn(ctx));
      } finally {
        scope.dispose();
        disposeJet(out);
        X.dispose();
      }
    },
  };
}

/** Points on faces, split evenly (remainder to the first faces). */
function sampleFaces(
  domain: Box,
  faces: readonly { input: string; side: "min" | "max" }[],
  rng: Rng,
  n: number,
  sampler: SamplerKind,
): Float64Array {
  const d = domain.inputs.length;
  const X = new Float64Array(n * d);
  let row = 0;
  faces.forEach((f, i) => {
    const m = Math.floor(n / faces.length) + (i < n % faces.length ? 1 : 0);
    if (m === 0) return;
    const k = domain.inputs.indexOf(f.input);
    const fixed = domain.inputs.map((_, j) =>
      j === k ? (f.side === "min" ? domain.lo[k] : domain.hi[k]) : NaN,
    );
    X.set(samplePoints(sampler, rng, m, domain.lo, domain.hi, fixed), row * d);
    row += m;
  });
  return X;
}

/**
 * The selection as box faces when the domain is a plain box and every selector names a spatial
 * face ({ input, side } or "x.min"); null otherwise (boundary pieces of a shape).
 */
function asFaces(domain: Box, on: On, where: string): Face[] | null {
  if (domain.shape) return null;
  const faces: Face[] = [];
  for (const sel of on) {
    if (typeof sel !== "string") {
      inputIndex(domain, sel.input, where);
      if (sel.input === domain.time) throw new Error(`${where}: ${sel.input} is the time input`);
      faces.push(sel);
      continue;
    }
    const m = /^([A-Za-z])\.(min|max)$/.exec(sel);
    if (sel === "boundary") faces.push(...spatialFaces(domain));
    else if (m && domain.inputs.includes(m[1]) && m[1] !== domain.time) {
      faces.push({ input: m[1], side: m[2] as Side });
    } else return null;
  }
  return faces;
}

/** The spatial boundary pieces a condition selects (validated), for the piece path. */
function piecesOf(domain: Box, on: On, where: string): number[] {
  if (on.length === 0) throw new Error(`${where}: no faces given`);
  return selectPieces(spatialShape(domain), on, where);
}

/**
 * A batch on boundary pieces: points, and a flat target holding `value` at the points (when
 * given) followed by one block of rows per normal component: [g (rows), n_1 (rows), ...].
 */
function pieceBatch(
  domain: Box,
  pieces: readonly number[],
  value: PointFn | null,
  withNormals: boolean,
  rng: Rng,
  n: number,
  sampler: SamplerKind,
): TermBatch {
  const b = sampleBoundary(domain, sampler, rng, n, pieces);
  const sd = spatialShape(domain).dims;
  const blocks = (value === null ? 0 : 1) + (withNormals ? sd : 0);
  if (blocks === 0) return { X: b.X, rows: n, target: null };
  const target = new Float64Array(blocks * n);
  let off = 0;
  if (value !== null) {
    target.set(evalPointFn(value, domain, b.X, n), 0);
    off = n;
  }
  if (withNormals) {
    for (let k = 0; k < sd; k++) {
      for (let r = 0; r < n; r++) target[off + k * n + r] = b.normals[r * sd + k];
    }
  }
  return { X: b.X, rows: n, target };
}

/** Block k (rows) of a flat target [blocks * rows]; the target is not consumed. */
function block(target: np.Array, rows: number, k: number): np.Array {
  return target.ref.slice([k * rows, (k + 1) * rows]);
}

/** grad u . n from the first-derivative channels and the normal blocks (starting at `first`). */
function normalDerivative(
  domain: Box,
  out: Jet,
  fi: number,
  target: np.Array,
  rows: number,
  first: number,
): np.Array {
  const space = spatialInputs(domain);
  let acc: np.Array | null = null;
  space.forEach((name, k) => {
    const i = domain.inputs.indexOf(name);
    const part = fieldColumn(out, [i], fi).mul(block(target, rows, first + k));
    acc = acc ? acc.add(part) : part;
  });
  return acc as unknown as np.Array;
}

function conditionTerm(
  spec: ProblemSpec,
  name: string,
  c: Condition,
  coefficients: Map<string, Coefficient>,
): Term {
  const where = `conditions.${name}`;
  const { domain } = spec;
  const dims = domain.inputs.length;
  const fi = c.kind === "operator" ? -1 : fieldIndex(spec, c.field, where);
  const targetResidual =
    (mi: MultiIndex, sign: (X: np.Array) => np.Array | number) =>
    (out: Jet, X: np.Array, target: np.Array | null): np.Array => {
      const v = fieldColumn(out, mi, fi);
      disposeJet(out);
      const s = sign(X);
      const signed = typeof s === "number" ? (s === 1 ? v : v.mul(s)) : v.mul(s);
      return target ? signed.sub(target) : signed;
    };
  const withTargets = (f: PointFn, X: Float64Array, rows: number): TermBatch => ({
    X,
    rows,
    target: evalPointFn(f, domain, X, rows),
  });
  const spaceDims = spatialInputs(domain).map((n) => domain.inputs.indexOf(n));
  switch (c.kind) {
    case "initial": {
      if (domain.time === null) throw new Error(`${where}: the domain has no time input`);
      const ti = domain.inputs.indexOf(domain.time);
      const mi: MultiIndex = c.derivative === 1 ? [ti] : [];
      const t0 = domain.lo[ti];
      return {
        name,
        kind: c.kind,
        layout: jetLayout(dims, [mi]),
        fixed: false,
        sample: (rng, n, sampler, share) => {
          const X = domain.shape
            ? sampleInterior(domain, sampler, rng, n, t0)
            : sampleFaces(domain, [{ input: domain.time as string, side: "min" }], rng, n, sampler);
          // the initial slice's boundary: where the initial state meets the boundary conditions
          const moved =
            share && share.fraction > 0
              ? withBoundaryShare(domain, X, n, share, sampler, rng, true)
              : X;
          return withTargets(c.value, moved, n);
        },
        residual: targetResidual(mi, (X) => (X.dispose(), 1)),
      };
    }
    case "dirichlet":
    case "neumann": {
      if (c.on.length === 0) throw new Error(`${where}.on: no faces given`);
      const neumann = c.kind === "neumann";
      const faces = asFaces(domain, c.on, `${where}.on`);
      if (faces) {
        const idx = faces.map((f) => inputIndex(domain, f.input, `${where}.on`));
        const layout = jetLayout(dims, neumann ? idx.map((i) => [i]) : [[]]);
        return {
          name,
          kind: c.kind,
          layout,
          fixed: false,
          sample: (rng, n, sampler) =>
            withTargets(c.value, sampleFaces(domain, faces, rng, n, sampler), n),
          residual: neumann
            ? (out, X, target) => neumannResidual(out, X, target, faces, domain, fi, idx)
            : targetResidual([], (X) => (X.dispose(), 1)),
        };
      }
      const pieces = piecesOf(domain, c.on, `${where}.on`);
      return {
        name,
        kind: c.kind,
        layout: jetLayout(dims, neumann ? spaceDims.map((i) => [i]) : [[]]),
        fixed: false,
        sample: (rng, n, sampler) => pieceBatch(domain, pieces, c.value, neumann, rng, n, sampler),
        residual: neumann
          ? (out, X, target) => {
              X.dispose();
              const T = target as np.Array;
              const rows = T.shape[0] / (1 + spaceDims.length);
              const dn = normalDerivative(domain, out, fi, T, rows, 1);
              disposeJet(out);
              const g = block(T, rows, 0);
              T.dispose();
              return dn.sub(g);
            }
          : targetResidual([], (X) => (X.dispose(), 1)),
      };
    }
    case "robin": {
      const pieces = piecesOf(domain, c.on, `${where}.on`);
      // trainable a or b: registered like those of the residuals
      for (const k of [c.a, c.b]) {
        if (typeof k === "number") continue;
        const prev = coefficients.get(k.name);
        if (prev && prev !== k) throw new Error(`${where}: two coefficients are named "${k.name}"`);
        coefficients.set(k.name, k);
      }
      const scalar = (
        k: number | Coefficient,
        coefs: Readonly<Record<string, np.Array>> | undefined,
      ): np.Array | number => {
        if (typeof k === "number") return k;
        const v = coefs?.[k.name];
        if (!v) throw new Error(`${where}: coefficient "${k.name}" has no value here`);
        return v.ref;
      };
      return {
        name,
        kind: c.kind,
        layout: jetLayout(dims, [[], ...spaceDims.map((i) => [i])]),
        fixed: false,
        sample: (rng, n, sampler) => pieceBatch(domain, pieces, c.value, true, rng, n, sampler),
        residual(out, X, target, coefs) {
          X.dispose();
          const T = target as np.Array;
          const rows = T.shape[0] / (1 + spaceDims.length);
          const dn = normalDerivative(domain, out, fi, T, rows, 1);
          const u = fieldColumn(out, [], fi);
          disposeJet(out);
          const g = block(T, rows, 0);
          T.dispose();
          return u
            .mul(scalar(c.a, coefs))
            .add(dn.mul(scalar(c.b, coefs)))
            .sub(g);
        },
      };
    }
    case "operator": {
      const pieces = piecesOf(domain, c.on, `${where}.on`);
      const space = spatialInputs(domain);
      const layout = jetLayout(dims, discover(spec, where, c.residual, [], coefficients));
      return {
        name,
        kind: c.kind,
        layout,
        fixed: false,
        sample: (rng, n, sampler) => pieceBatch(domain, pieces, null, true, rng, n, sampler),
        residual(out, X, target, coefs) {
          const T = target as np.Array;
          const rows = X.shape[0];
          const { ctx, scope } = residualContext(spec, out, X, where, null, coefs ?? null);
          const bctx: BoundaryContext = {
            ...ctx,
            normal: (input) => {
              const k = space.indexOf(input);
              if (k < 0) throw new Error(`${where}: normal("${input}"): not a spatial input`);
              return scope.wrap(block(T, rows, k));
            },
          };
          try {
            return scope.close(c.residual(bctx));
          } finally {
            scope.dispose();
            disposeJet(out);
            X.dispose();
            T.dispose();
          }
        },
      };
    }
    case "periodic": {
      const k = inputIndex(domain, c.input, `${where}.input`);
      if (domain.time === c.input) throw new Error(`${where}.input: time cannot be periodic`);
      if (domain.shape) throw new Error(`${where}: periodic conditions need a box domain`);
      const mis: MultiIndex[] = Array.from({ length: c.derivatives + 1 }, (_, o) =>
        new Array<number>(o).fill(k),
      );
      return {
        name,
        kind: c.kind,
        layout: jetLayout(dims, mis),
        fixed: false,
        sample(rng, n, sampler) {
          // n pairs: the same point at the left and right ends of the periodic input
          const left = samplePoints(sampler, rng, n, domain.lo, domain.hi);
          const X = new Float64Array(2 * n * dims);
          for (let r = 0; r < n; r++) {
            left[r * dims + k] = domain.lo[k];
            X.set(left.subarray(r * dims, (r + 1) * dims), r * dims);
            X.set(left.subarray(r * dims, (r + 1) * dims), (n + r) * dims);
            X[(n + r) * dims + k] = domain.hi[k];
          }
          return { X, rows: 2 * n, target: null };
        },
        residual(out, X, target) {
          target?.dispose();
          const n = X.shape[0] / 2;
          X.dispose();
          const diffs = mis.map((mi) => {
            const col = fieldColumn(out, mi, fi);
            return col.ref.slice([0, n]).sub(col.slice([n, 2 * n]));
          });
          disposeJet(out);
          return diffs.length === 1 ? diffs[0] : np.concatenate(diffs, 0);
        },
      };
    }
    case "data": {
      const rows = c.points.length;
      const X = new Float64Array(rows * dims);
      c.points.forEach((p, r) => {
        if (p.length !== dims) {
          throw new Error(`${where}.points[${r}]: expected ${dims} coordinates, got ${p.length}`);
        }
        p.forEach((v, j) => {
          if (!Number.isFinite(v)) throw new Error(`${where}.points[${r}][${j}] is not finite`);
          X[r * dims + j] = v;
        });
        if (!inDomain(domain, p)) {
          throw new Error(`${where}.points[${r}]: (${p.join(", ")}) is outside the domain`);
        }
      });
      const target = Float64Array.from(c.values);
      if (target.some((v) => !Number.isFinite(v)))
        throw new Error(`${where}.values: not all finite`);
      const mi = parseDerivative(domain, c.derivative, `${where}.derivative`);
      return {
        name,
        kind: c.kind,
        layout: jetLayout(dims, [mi]),
        fixed: true,
        sample: () => ({ X, rows, target }),
        residual: targetResidual(mi, (Xa) => (Xa.dispose(), 1)),
      };
    }
    default: {
      const never: never = c;
      throw new Error(`${where}: unknown condition kind ${String((never as Condition).kind)}`);
    }
  }
}

function neumannResidual(
  out: Jet,
  X: np.Array,
  target: np.Array | null,
  faces: readonly { input: string; side: "min" | "max" }[],
  domain: Box,
  fi: number,
  idx: readonly number[],
): np.Array {
  // Each row belongs to one face: pick d/dx_k with the outward sign by masking on the coordinate.
  let acc: np.Array | null = null;
  faces.forEach((f, j) => {
    const k = idx[j];
    const bound = f.side === "min" ? domain.lo[k] : domain.hi[k];
    const onFace = np.abs(X.ref.slice([], k).sub(bound)).less(1e-9 * (1 + Math.abs(bound)));
    const dn = fieldColumn(out, [k], fi).mul(f.side === "min" ? -1 : 1);
    const part = np.where(onFace, dn, 0);
    acc = acc ? acc.add(part) : part;
  });
  X.dispose();
  disposeJet(out);
  const r = acc as unknown as np.Array;
  return target ? r.sub(target) : r;
}

/**
 * Validate a problem and compile its residuals and conditions into named loss terms.
 * @throws an error naming the offending field, residual or condition
 * @example
 * const p = defineProblem({ name: "heat", domain: timeSpace([0, 1], interval(0, 1)), fields: ["u"],
 *   residuals: { res: ({ d }) => d("u", "t").sub(d("u", "xx")) },
 *   conditions: { ic: initial("u", (p) => Math.sin(Math.PI * p.x)) } });
 */
export function defineProblem(spec: ProblemSpec): Problem {
  if (!spec.name) throw new Error("problem.name is empty");
  const given = [spec.reference, spec.exact, spec.referenceCsv].filter((v) => v !== undefined);
  if (given.length > 1) {
    throw new Error(`${spec.name}: give one of reference, exact and referenceCsv`);
  }
  if (spec.fields.length === 0)
    throw new Error(`${spec.name}: fields: at least one field is needed`);
  for (const f of spec.fields) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(f))
      throw new Error(`${spec.name}: fields: bad name "${f}"`);
  }
  if (Object.keys(spec.residuals).length === 0) {
    throw new Error(`${spec.name}: residuals: at least one residual is needed`);
  }
  const names = [...Object.keys(spec.residuals), ...Object.keys(spec.conditions)];
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`${spec.name}: term name "${dup}" is used twice`);
  const coefficients = new Map<string, Coefficient>();
  const terms: Term[] = [
    ...Object.entries(spec.residuals).map(([n, fn]) => residualTerm(spec, n, fn, coefficients)),
    ...Object.entries(spec.conditions).map(([n, c]) => conditionTerm(spec, n, c, coefficients)),
  ];
  for (const name of coefficients.keys()) {
    const clash = spec.fields.includes(name)
      ? "field"
      : spec.domain.inputs.includes(name)
        ? "input"
        : null;
    if (clash) throw new Error(`${spec.name}: coefficient "${name}" has the name of a ${clash}`);
  }
  const reference = spec.exact ? exactReference(spec, spec.exact) : spec.reference;
  return {
    ...spec,
    reference,
    terms,
    termNames: terms.map((t) => t.name),
    coefficients: [...coefficients.values()],
  };
}

/**
 * Default evaluation axes over a domain's bounding box: 1001 points for one input, 101 per axis
 * for two, 31 for three, 11 for more.
 * @example evaluationAxes(box({ x: [0, 1], y: [0, 1] })); // two axes of 101 points
 */
export function evaluationAxes(domain: Box): Float64Array[] {
  const n = [1001, 101, 31][domain.inputs.length - 1] ?? 11;
  return domain.inputs.map((_, k) => linspace(domain.lo[k], domain.hi[k], n));
}

/** The reference grid of an exact point solution, with the field names checked at the origin. */
function exactReference(spec: ProblemSpec, exact: NonNullable<ProblemSpec["exact"]>) {
  const where = `${spec.name}: exact`;
  const single = spec.fields.length === 1;
  return (): EvalGrid => {
    const axes = evaluationAxes(spec.domain);
    const X = tensorGrid(axes);
    const d = axes.length;
    const n = X.length / d;
    const values: Record<string, Float64Array> = {};
    for (const f of spec.fields) values[f] = new Float64Array(n);
    const p: Record<string, number> = {};
    const mask = domainMask(spec.domain, axes);
    for (let r = 0; r < n; r++) {
      if (mask && !mask[r]) {
        for (const f of spec.fields) values[f][r] = NaN;
        continue;
      }
      spec.domain.inputs.forEach((name, k) => (p[name] = X[r * d + k]));
      const v = exact(p);
      if (typeof v === "number") {
        if (!single) throw new Error(`${where}: returns a number; expected one per field`);
        values[spec.fields[0]][r] = v;
      } else {
        for (const f of spec.fields) {
          const fv = v[f];
          if (typeof fv !== "number") throw new Error(`${where}: no value for field "${f}"`);
          values[f][r] = fv;
        }
      }
    }
    return mask ? { axes, values, mask } : { axes, values };
  };
}

/** Upload a batch's arrays in the run's precision. */
export function batchArrays(
  b: TermBatch,
  dims: number,
  precision: Precision,
): { X: np.Array; target: np.Array | null } {
  return {
    X: fromData(b.X, [b.rows, dims], precision),
    // a flat target may hold several blocks of rows (boundary normals after the values)
    target: b.target ? fromData(b.target, [b.target.length], precision) : null,
  };
}
