/**
 * Points on domains of any shape: interior points (uniform in area/volume, times time) and
 * boundary points (uniform in length/area over the selected pieces, times time) with their
 * outward unit normals. Unit-cube points come from the run's sampler (uniform, Latin hypercube,
 * Sobol) and are mapped by the shape's measure-preserving map; CSG shapes keep the points that
 * belong (rejection), drawing more until n are in.
 */
import { type SamplerKind, samplePoints } from "../sampling/samplers.js";
import type { Rng } from "../util/rng.js";
import { type Domain, inDomain, spatialInputs, spatialShape } from "./domain.js";
import { containsPoint } from "./shapes.js";

/** n points of the unit cube [0, 1)^d. */
function cube(kind: SamplerKind, rng: Rng, n: number, d: number): Float64Array {
  return samplePoints(kind, rng, n, new Array<number>(d).fill(0), new Array<number>(d).fill(1));
}

/**
 * Draw until n accepted rows: `make(u)` maps a cube row to a point row or null (rejected).
 * Accepted rows keep their order; more cube points are drawn (doubling) while too few pass.
 */
function accept(
  kind: SamplerKind,
  rng: Rng,
  n: number,
  cubeDims: number,
  rowDims: number,
  make: (u: readonly number[], out: number[]) => boolean,
  where: string,
): { X: Float64Array; rows: number[][] } {
  const X = new Float64Array(n * rowDims);
  const extra: number[][] = [];
  let m = Math.max(16, Math.ceil(n * 1.25));
  for (let tries = 0; tries < 12; tries++) {
    const U = cube(kind, rng, m, cubeDims);
    let got = 0;
    extra.length = 0;
    const row = new Array<number>(rowDims);
    for (let i = 0; i < m && got < n; i++) {
      const u = Array.from(U.subarray(i * cubeDims, (i + 1) * cubeDims));
      if (make(u, row)) {
        X.set(row, got * rowDims);
        extra.push([...row]);
        got++;
      }
    }
    if (got === n) return { X, rows: extra };
    m *= 2;
  }
  throw new Error(`${where}: could not place ${n} points (is the region empty?)`);
}

/**
 * n interior points of a domain, rows in its input order [n, dims]; `pinTime` fixes the time
 * input (initial conditions).
 * @example sampleInterior(disk([0, 0], 1), "sobol", new Rng(1), 256)
 */
export function sampleInterior(
  d: Domain,
  kind: SamplerKind,
  rng: Rng,
  n: number,
  pinTime?: number,
): Float64Array {
  const shape = spatialShape(d);
  const dims = d.inputs.length;
  const ti = d.time === null ? -1 : d.inputs.indexOf(d.time);
  const timeDims = ti >= 0 && pinTime === undefined ? 1 : 0;
  const sd = shape.dims;
  const cubeDims = sd + timeDims;
  const { X } = accept(
    kind,
    rng,
    n,
    cubeDims,
    dims,
    (u, row) => {
      const space = u.slice(timeDims);
      let p: number[];
      if (shape.fromCube) p = shape.fromCube(space);
      else {
        p = space.map((v, k) => shape.lo[k] + (shape.hi[k] - shape.lo[k]) * v);
        if (!containsPoint(shape, p)) return false;
      }
      let k = 0;
      for (let j = 0; j < dims; j++) {
        if (j === ti) row[j] = pinTime ?? d.lo[ti] + (d.hi[ti] - d.lo[ti]) * u[0];
        else row[j] = p[k++];
      }
      return true;
    },
    "sampleInterior",
  );
  return X;
}

/** Boundary points with their outward unit normals and piece indices. */
export interface BoundarySample {
  /** Points [n, dims] in the domain's input order. */
  readonly X: Float64Array;
  /** Outward unit normals [n, spatial dims] (spatial inputs in order). */
  readonly normals: Float64Array;
  /** The piece index of each point. */
  readonly piece: Int32Array;
}

/**
 * n points on the selected boundary pieces (indices into the spatial shape's pieces), uniform in
 * length/area over them (and uniform in time when the domain has time), with outward normals.
 * @example sampleBoundary(d, "uniform", rng, 128, selectPieces(spatialShape(d), ["hole"], "bc"))
 */
export function sampleBoundary(
  d: Domain,
  kind: SamplerKind,
  rng: Rng,
  n: number,
  pieces: readonly number[],
): BoundarySample {
  const shape = spatialShape(d);
  const dims = d.inputs.length;
  const ti = d.time === null ? -1 : d.inputs.indexOf(d.time);
  const sd = shape.dims;
  const sel = pieces.map((i) => shape.pieces[i]);
  const total = sel.reduce((s, p) => s + p.measure, 0);
  const cum: number[] = [];
  sel.reduce((s, p) => (cum.push((s + p.measure) / total), s + p.measure), 0);
  const paramDims = Math.max(1, sd - 1);
  const timeDims = ti >= 0 ? 1 : 0;
  const cubeDims = paramDims + timeDims;
  const rowDims = dims + sd + 1;
  const { rows } = accept(
    kind,
    rng,
    n,
    cubeDims,
    rowDims,
    (u, row) => {
      // the piece by length from the first parameter, rescaled within its bin
      const u0 = u[timeDims];
      let k = 0;
      while (k < cum.length - 1 && u0 >= cum[k]) k++;
      const lo = k === 0 ? 0 : cum[k - 1];
      const params = [(u0 - lo) / (cum[k] - lo), ...u.slice(timeDims + 1)];
      const piece = sel[k];
      const p = piece.at(params);
      if (!piece.keep(p)) return false;
      const nrm = piece.normal(p);
      let j = 0;
      for (let c = 0; c < dims; c++) {
        if (c === ti) row[c] = d.lo[ti] + (d.hi[ti] - d.lo[ti]) * u[0];
        else row[c] = p[j++];
      }
      for (let c = 0; c < sd; c++) row[dims + c] = nrm[c];
      row[dims + sd] = pieces[k];
      return true;
    },
    "sampleBoundary",
  );
  const X = new Float64Array(n * dims);
  const normals = new Float64Array(n * sd);
  const piece = new Int32Array(n);
  rows.forEach((r, i) => {
    X.set(r.slice(0, dims), i * dims);
    normals.set(r.slice(dims, dims + sd), i * sd);
    piece[i] = r[dims + sd];
  });
  return { X, normals, piece };
}

/** Where some of an interior batch's points go instead: the spatial boundary, or a band inside it. */
export interface BoundaryShare {
  /** Fraction of the points moved, in [0, 1]. */
  readonly fraction: number;
  /** Each moved point goes inward along the normal by a distance uniform in [0, band]. */
  readonly band: number;
}

/**
 * Move the last round(fraction * rows) of `rows` points [rows, dims] onto the spatial boundary
 * (every piece, uniform by measure), then inward along the normal by a distance uniform in
 * [0, band] unless that would leave the domain; the time coordinate is kept with `keepTime`
 * (points of an initial slice), else drawn uniformly. Returns a new array; X itself is unchanged.
 * DeepXDE includes its boundary points in the PDE's points likewise.
 * @throws when the domain has no spatial input (no boundary to draw on)
 * @example withBoundaryShare(d, X, 256, { fraction: 0.05, band: 0 }, "uniform", rng, false)
 */
export function withBoundaryShare(
  d: Domain,
  X: Float64Array,
  rows: number,
  share: BoundaryShare,
  kind: SamplerKind,
  rng: Rng,
  keepTime: boolean,
): Float64Array {
  const space = spatialInputs(d).map((n) => d.inputs.indexOf(n));
  if (space.length === 0) {
    throw new Error("the domain has no spatial input, so no boundary to draw on");
  }
  const m = Math.round(share.fraction * rows);
  const out = Float64Array.from(X);
  if (m === 0) return out;
  const shape = spatialShape(d);
  const b = sampleBoundary(
    d,
    kind,
    rng,
    m,
    shape.pieces.map((_, i) => i),
  );
  const dims = d.inputs.length;
  const p = new Array<number>(dims);
  for (let i = 0; i < m; i++) {
    const row = (rows - m + i) * dims;
    for (let k = 0; k < dims; k++)
      p[k] = keepTime && !space.includes(k) ? X[row + k] : b.X[i * dims + k];
    if (share.band > 0) {
      const delta = share.band * rng.uniform();
      const q = p.slice();
      space.forEach((k, j) => (q[k] -= delta * b.normals[i * space.length + j]));
      if (inDomain(d, q)) q.forEach((v, k) => (p[k] = v));
    }
    out.set(p, row);
  }
  return out;
}
