/**
 * Spatial geometry beyond boxes: interval, rectangle, box, disk, ellipse, polygon (any simple
 * polygon), triangle and sphere (the ball), their CSG union, difference and intersection, and
 * point sets on them: interior points proportional to area (volume), boundary points proportional
 * to length (area) on named pieces, with the outward unit normal at every boundary point.
 *
 * A shape maps points of the unit cube onto itself measure-preservingly where it can (primitives:
 * affine maps, the polar map of a disk, the triangle fold, a polygon's triangles chosen by area),
 * so uniform, Latin-hypercube and Sobol points keep their stratification; CSG shapes sample their
 * bounding box (interior) or their operands' boundaries (boundary) and keep the points that
 * belong, which stays uniform. Boundary pieces are named: a primitive's pieces carry its `name`
 * option as their group ("outer", "hole") and their own names (a rectangle's "x.min", "y.max", a
 * polygon's "edge0", "edge1", ..., a disk's "circle"); a condition selects pieces by either.
 *
 * Also here, for hard Dirichlet constraints on these domains, each piece's approximate distance
 * function (ADF) written over the smooth algebra, following Sukumar & Srivastava (2022), "Exact
 * imposition of boundary conditions with distance functions in physics-informed deep neural
 * networks" (trimmed segments, circles; pieces joined by the R-conjunction).
 */
import type { SmoothOps } from "../problem/smooth.js";

/** One piece of a shape's boundary. */
export interface BoundaryPiece {
  /** The piece's own name ("x.min", "edge2", "circle"). */
  readonly name: string;
  /** The name of the primitive it belongs to (its `name` option: "outer", "hole", ...). */
  readonly group: string;
  /** Length (2-D), area (3-D) or 1 (an end of an interval) of the whole piece. */
  readonly measure: number;
  /** The point at parameters u in [0, 1)^(dims-1), measure-preserving (an end point in 1-D). */
  at(u: readonly number[]): number[];
  /** The outward unit normal (of the final shape) at a point of the piece. */
  normal(p: readonly number[]): number[];
  /** Whether a point of the piece is on the final shape's boundary (CSG trims pieces). */
  keep(p: readonly number[]): boolean;
  /**
   * A distance to the piece, >= 0 in the shape and 0 on the piece, normalised to first order
   * (|grad| = 1 on the piece), written over the smooth algebra of the named inputs.
   */
  adf<T>(o: SmoothOps<T>, inputs: readonly string[]): T;
  /** True when `adf` is signed (negative outside the primitive): a hole's piece negates it. */
  readonly signedAdf: boolean;
}

/** A spatial shape. */
export interface Shape {
  readonly kind:
    | "interval"
    | "rectangle"
    | "box"
    | "disk"
    | "ellipse"
    | "polygon"
    | "sphere"
    | "union"
    | "difference"
    | "intersection";
  /** 1, 2 or 3. */
  readonly dims: number;
  /** Bounding box. */
  readonly lo: readonly number[];
  readonly hi: readonly number[];
  /** Length, area or volume: exact for primitives, null for CSG (not needed for sampling). */
  readonly measure: number | null;
  /**
   * Signed distance (or a function with its sign and first-order behaviour near the boundary):
   * negative inside, positive outside.
   */
  sd(p: readonly number[]): number;
  /** A measure-preserving map from [0, 1)^dims onto the shape, or null (sample by rejection). */
  fromCube: ((u: readonly number[]) => number[]) | null;
  /** Every boundary piece (for CSG: the operands' pieces, trimmed by `keep`). */
  readonly pieces: readonly BoundaryPiece[];
}

/** Options of a primitive: the group name of its boundary pieces. */
export interface ShapeOptions {
  readonly name?: string;
}

const TOL = 1e-9;

/** The size scale of a shape (for tolerances). */
function scale(s: Pick<Shape, "lo" | "hi">): number {
  return Math.max(...s.lo.map((l, i) => s.hi[i] - l), 1e-300);
}

/** True when p is inside or on the boundary (within a relative tolerance). */
export function containsPoint(s: Shape, p: readonly number[]): boolean {
  return s.sd(p) <= TOL * scale(s);
}

const always = () => true;

/** A trimmed segment's ADF (Sukumar & Srivastava 2022, eq. 30-31): 0 on [a, b], > 0 elsewhere. */
function segmentAdf<T>(
  o: SmoothOps<T>,
  inputs: readonly string[],
  a: readonly number[],
  b: readonly number[],
): T {
  const x = o.in(inputs[0]);
  const y = o.in(inputs[1]);
  const L = Math.hypot(b[0] - a[0], b[1] - a[1]);
  const xc = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
  // f: signed distance to the line; t: trimming function, > 0 on the segment's disk
  const f = o.mul(
    o.sub(o.mul(o.sub(x, a[0]), b[1] - a[1]), o.mul(o.sub(y, a[1]), b[0] - a[0])),
    1 / L,
  );
  const dx = o.sub(x, xc[0]);
  const dy = o.sub(y, xc[1]);
  const t = o.mul(o.sub(o.c((L * L) / 4), o.add(o.mul(dx, dx), o.mul(dy, dy))), 1 / L);
  const f2 = o.mul(f, f);
  const phi = o.mul(o.sub(o.sqrt(o.add(o.mul(t, t), o.mul(f2, f2))), t), 0.5);
  return o.sqrt(o.add(f2, o.mul(phi, phi)));
}

/** A straight edge from a to b (2-D), outward normal on its right for a CCW boundary. */
function edgePiece(
  name: string,
  group: string,
  a: readonly number[],
  b: readonly number[],
): BoundaryPiece {
  const L = Math.hypot(b[0] - a[0], b[1] - a[1]);
  const n = [(b[1] - a[1]) / L, -(b[0] - a[0]) / L];
  return {
    name,
    group,
    measure: L,
    at: (u) => [a[0] + (b[0] - a[0]) * u[0], a[1] + (b[1] - a[1]) * u[0]],
    normal: () => [...n],
    keep: always,
    adf: (o, inputs) => segmentAdf(o, inputs, a, b),
    signedAdf: false,
  };
}

/**
 * The interval [a, b] as a shape (pieces "x.min" and "x.max").
 * @example intervalShape(0, 1).pieces.map((p) => p.name); // ["x.min", "x.max"]
 */
export function intervalShape(
  a: number,
  b: number,
  o: ShapeOptions = {},
  names: readonly string[] = ["x"],
): Shape {
  if (!(b > a)) throw new Error(`interval: [${a}, ${b}] must have a < b`);
  const group = o.name ?? "interval";
  const end = (name: string, v: number, n: number): BoundaryPiece => ({
    name,
    group,
    measure: 1,
    at: () => [v],
    normal: () => [n],
    keep: always,
    adf: (ops, inputs) => ops.mul(ops.sub(ops.in(inputs[0]), v), n === -1 ? 1 : -1),
    signedAdf: true,
  });
  return {
    kind: "interval",
    dims: 1,
    lo: [a],
    hi: [b],
    measure: b - a,
    sd: (p) => Math.max(a - p[0], p[0] - b),
    fromCube: (u) => [a + (b - a) * u[0]],
    pieces: [end(`${names[0]}.min`, a, -1), end(`${names[0]}.max`, b, 1)],
  };
}

/**
 * An axis-aligned rectangle (2-D) or box (3-D) [lo, hi] as a shape, its faces named like a box
 * domain's ("x.min", ..., "z.max").
 * @example boxShape([0, 0], [2, 1]).measure; // 2
 */
export function boxShape(
  lo: readonly number[],
  hi: readonly number[],
  o: ShapeOptions = {},
  names: readonly string[] = ["x", "y", "z"],
): Shape {
  const d = lo.length;
  if (d < 2 || d > 3 || hi.length !== d) throw new Error("rectangle/box: 2 or 3 coordinates");
  lo.forEach((l, i) => {
    if (!(hi[i] > l)) throw new Error(`rectangle/box: empty range [${l}, ${hi[i]}]`);
  });
  const group = o.name ?? (d === 2 ? "rectangle" : "box");
  const pieces: BoundaryPiece[] = [];
  if (d === 2) {
    // CCW: bottom (y.min), right (x.max), top (y.max), left (x.min)
    const [x0, y0] = lo;
    const [x1, y1] = hi;
    const [nx, ny] = names;
    pieces.push(
      edgePiece(`${ny}.min`, group, [x0, y0], [x1, y0]),
      edgePiece(`${nx}.max`, group, [x1, y0], [x1, y1]),
      edgePiece(`${ny}.max`, group, [x1, y1], [x0, y1]),
      edgePiece(`${nx}.min`, group, [x0, y1], [x0, y0]),
    );
  } else {
    for (let k = 0; k < 3; k++) {
      const [i, j] = [0, 1, 2].filter((m) => m !== k);
      for (const side of ["min", "max"] as const) {
        const v = side === "min" ? lo[k] : hi[k];
        const sign = side === "min" ? -1 : 1;
        pieces.push({
          name: `${names[k]}.${side}`,
          group,
          measure: (hi[i] - lo[i]) * (hi[j] - lo[j]),
          at: (u) => {
            const p = [0, 0, 0];
            p[k] = v;
            p[i] = lo[i] + (hi[i] - lo[i]) * u[0];
            p[j] = lo[j] + (hi[j] - lo[j]) * u[1];
            return p;
          },
          normal: () => [0, 1, 2].map((m) => (m === k ? sign : 0)),
          keep: always,
          // the face's plane (exact for a convex box; documented limitation inside CSG)
          adf: (ops, inputs) => ops.mul(ops.sub(ops.in(inputs[k]), v), -sign),
          signedAdf: true,
        });
      }
    }
  }
  return {
    kind: d === 2 ? "rectangle" : "box",
    dims: d,
    lo: [...lo],
    hi: [...hi],
    measure: lo.reduce((m, l, i) => m * (hi[i] - l), 1),
    sd: (p) => {
      // exact signed distance to an axis-aligned box
      let outside = 0;
      let inside = -Infinity;
      for (let i = 0; i < d; i++) {
        const q = Math.max(lo[i] - p[i], p[i] - hi[i]);
        if (q > 0) outside += q * q;
        inside = Math.max(inside, q);
      }
      return outside > 0 ? Math.sqrt(outside) : inside;
    },
    fromCube: (u) => lo.map((l, i) => l + (hi[i] - l) * u[i]),
    pieces,
  };
}

/**
 * The disk of centre c and radius r (2-D), its boundary one piece "circle".
 * @example diskShape([0, 0], 1).measure; // Math.PI
 */
export function diskShape(c: readonly number[], r: number, o: ShapeOptions = {}): Shape {
  return ellipseShape(c, [r, r], o, "disk");
}

/**
 * The ellipse of centre c and semi-axes (a, b) (2-D), its boundary one piece "ellipse" ("circle"
 * for a disk). Boundary points are proportional to arc length (tabulated arc-length inverse).
 * @example ellipseShape([0, 0], [2, 1]).measure; // 2 pi
 */
export function ellipseShape(
  c: readonly number[],
  ax: readonly number[],
  o: ShapeOptions = {},
  kind: "disk" | "ellipse" = "ellipse",
): Shape {
  const [a, b] = ax;
  if (!(a > 0) || !(b > 0) || c.length !== 2) throw new Error(`${kind}: needs a centre and r > 0`);
  const group = o.name ?? (kind === "disk" ? "circle" : "ellipse");
  const circle = a === b;
  // arc length table s(theta) for the ellipse (1024 trapezoids); exact for a circle
  const M = 1024;
  const sTab = new Float64Array(M + 1);
  for (let i = 1; i <= M; i++) {
    const th = ((i - 0.5) / M) * 2 * Math.PI;
    sTab[i] = sTab[i - 1] + (Math.hypot(a * Math.sin(th), b * Math.cos(th)) * 2 * Math.PI) / M;
  }
  const perimeter = circle ? 2 * Math.PI * a : sTab[M];
  const thetaAt = (u: number): number => {
    if (circle) return 2 * Math.PI * u;
    const s = u * sTab[M];
    let lo = 0;
    let hi = M;
    while (hi - lo > 1) {
      const m = (lo + hi) >> 1;
      if (sTab[m] <= s) lo = m;
      else hi = m;
    }
    const f = (s - sTab[lo]) / (sTab[hi] - sTab[lo]);
    return ((lo + f) / M) * 2 * Math.PI;
  };
  const normalAt = (p: readonly number[]) => {
    const gx = (p[0] - c[0]) / (a * a);
    const gy = (p[1] - c[1]) / (b * b);
    const g = Math.hypot(gx, gy);
    return [gx / g, gy / g];
  };
  const m = Math.min(a, b);
  const piece: BoundaryPiece = {
    name: kind === "disk" ? "circle" : "ellipse",
    group,
    measure: perimeter,
    at: (u) => {
      const th = thetaAt(u[0]);
      return [c[0] + a * Math.cos(th), c[1] + b * Math.sin(th)];
    },
    normal: normalAt,
    keep: always,
    // (1 - (x/a)^2 - (y/b)^2) m / 2: 0 on the ellipse, slope 1 on a circle (first order)
    adf: (ops, inputs) => {
      const dx = ops.mul(ops.sub(ops.in(inputs[0]), c[0]), 1 / a);
      const dy = ops.mul(ops.sub(ops.in(inputs[1]), c[1]), 1 / b);
      return ops.mul(ops.sub(ops.c(1), ops.add(ops.mul(dx, dx), ops.mul(dy, dy))), m / 2);
    },
    signedAdf: true,
  };
  return {
    kind,
    dims: 2,
    lo: [c[0] - a, c[1] - b],
    hi: [c[0] + a, c[1] + b],
    measure: Math.PI * a * b,
    // scaled implicit function: the right sign, slope ~1 near the boundary
    sd: (p) => ((((p[0] - c[0]) / a) ** 2 + ((p[1] - c[1]) / b) ** 2 - 1) * m) / 2,
    fromCube: (u) => {
      const rho = Math.sqrt(u[0]);
      const th = 2 * Math.PI * u[1];
      return [c[0] + a * rho * Math.cos(th), c[1] + b * rho * Math.sin(th)];
    },
    pieces: [piece],
  };
}

/**
 * The ball of centre c and radius r (3-D), its boundary one piece "sphere".
 * @example sphereShape([0, 0, 0], 1).measure; // 4 pi / 3
 */
export function sphereShape(c: readonly number[], r: number, o: ShapeOptions = {}): Shape {
  if (!(r > 0) || c.length !== 3) throw new Error("sphere: needs a 3-D centre and r > 0");
  const dist = (p: readonly number[]) => Math.hypot(p[0] - c[0], p[1] - c[1], p[2] - c[2]);
  const onSphere = (z: number, phi: number, rad: number) => {
    const s = Math.sqrt(Math.max(0, 1 - z * z));
    return [c[0] + rad * s * Math.cos(phi), c[1] + rad * s * Math.sin(phi), c[2] + rad * z];
  };
  return {
    kind: "sphere",
    dims: 3,
    lo: c.map((v) => v - r),
    hi: c.map((v) => v + r),
    measure: (4 / 3) * Math.PI * r ** 3,
    sd: (p) => dist(p) - r,
    fromCube: (u) => onSphere(1 - 2 * u[1], 2 * Math.PI * u[2], r * Math.cbrt(u[0])),
    pieces: [
      {
        name: "sphere",
        group: o.name ?? "sphere",
        measure: 4 * Math.PI * r * r,
        at: (u) => onSphere(1 - 2 * u[0], 2 * Math.PI * u[1], r),
        normal: (p) => {
          const d = dist(p);
          return [0, 1, 2].map((k) => (p[k] - c[k]) / d);
        },
        keep: always,
        adf: (ops, inputs) => {
          const sq = [0, 1, 2]
            .map((k) => ops.sub(ops.in(inputs[k]), c[k]))
            .map((v) => ops.mul(v, v))
            .reduce((s, v) => ops.add(s, v));
          return ops.mul(ops.sub(ops.c(r * r), sq), 1 / (2 * r));
        },
        signedAdf: true,
      },
    ],
  };
}

/** Twice the signed area of a vertex ring (positive: counter-clockwise). */
function signedArea2(v: readonly (readonly number[])[]): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) {
    const [x0, y0] = v[i];
    const [x1, y1] = v[(i + 1) % v.length];
    s += x0 * y1 - x1 * y0;
  }
  return s;
}

/** Whether segments ab and cd properly intersect or touch (orientation tests). */
function segmentsMeet(
  a: readonly number[],
  b: readonly number[],
  c: readonly number[],
  d: readonly number[],
): boolean {
  const orient = (p: readonly number[], q: readonly number[], r: readonly number[]) =>
    Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));
  const onSeg = (p: readonly number[], q: readonly number[], r: readonly number[]) =>
    Math.min(p[0], r[0]) <= q[0] &&
    q[0] <= Math.max(p[0], r[0]) &&
    Math.min(p[1], r[1]) <= q[1] &&
    q[1] <= Math.max(p[1], r[1]);
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  if (o1 !== o2 && o3 !== o4) return true;
  return (
    (o1 === 0 && onSeg(a, c, b)) ||
    (o2 === 0 && onSeg(a, d, b)) ||
    (o3 === 0 && onSeg(c, a, d)) ||
    (o4 === 0 && onSeg(c, b, d))
  );
}

/** Ear-clipping triangulation of a simple CCW polygon: vertex index triples. */
function triangulate(v: readonly (readonly number[])[]): [number, number, number][] {
  const idx = v.map((_, i) => i);
  const tris: [number, number, number][] = [];
  const cross = (a: number, b: number, c: number) =>
    (v[b][0] - v[a][0]) * (v[c][1] - v[a][1]) - (v[b][1] - v[a][1]) * (v[c][0] - v[a][0]);
  const inTri = (p: number, a: number, b: number, c: number) =>
    cross(a, b, p) >= 0 && cross(b, c, p) >= 0 && cross(c, a, p) >= 0;
  let guard = 0;
  while (idx.length > 3 && guard++ < 10000) {
    let clipped = false;
    for (let i = 0; i < idx.length; i++) {
      const a = idx[(i + idx.length - 1) % idx.length];
      const b = idx[i];
      const c = idx[(i + 1) % idx.length];
      if (cross(a, b, c) <= 0) continue; // reflex or degenerate
      if (idx.some((p) => p !== a && p !== b && p !== c && inTri(p, a, b, c))) continue;
      tris.push([a, b, c]);
      idx.splice(i, 1);
      clipped = true;
      break;
    }
    if (!clipped) throw new Error("polygon: triangulation failed (is it simple?)");
  }
  tris.push([idx[0], idx[1], idx[2]]);
  return tris;
}

/**
 * Any simple polygon (2-D) from its vertices in order (either orientation; do not repeat the
 * first vertex). Its edges are pieces "edge0" (from vertex 0 to 1), "edge1", ...
 * @throws naming the problem when it has fewer than 3 vertices, repeats a vertex, has zero area
 *   or is not simple (two edges cross)
 * @example polygonShape([[0, 0], [1, 0], [1, 1], [0, 1]]).measure; // 1
 */
export function polygonShape(
  vertices: readonly (readonly number[])[],
  o: ShapeOptions = {},
  kind: "polygon" = "polygon",
): Shape {
  const where = o.name ? `polygon "${o.name}"` : "polygon";
  if (vertices.length < 3) throw new Error(`${where}: needs at least 3 vertices`);
  vertices.forEach((p, i) => {
    if (p.length !== 2 || !p.every(Number.isFinite)) {
      throw new Error(`${where}: vertex ${i} must be two finite numbers`);
    }
  });
  const n0 = vertices.length;
  const [f, l] = [vertices[0], vertices[n0 - 1]];
  if (f[0] === l[0] && f[1] === l[1]) {
    throw new Error(`${where}: the last vertex repeats the first (the polygon closes itself)`);
  }
  for (let i = 0; i < n0; i++) {
    const [a, b] = [vertices[i], vertices[(i + 1) % n0]];
    if (a[0] === b[0] && a[1] === b[1]) throw new Error(`${where}: vertex ${i} is repeated`);
  }
  for (let i = 0; i < n0; i++) {
    for (let j = i + 1; j < n0; j++) {
      if (j === i + 1 || (i === 0 && j === n0 - 1)) continue; // neighbours share a vertex
      const a = vertices[i];
      const b = vertices[(i + 1) % n0];
      const c = vertices[j];
      const d = vertices[(j + 1) % n0];
      if (segmentsMeet(a, b, c, d)) {
        throw new Error(`${where}: not simple (edges ${i} and ${j} cross)`);
      }
    }
  }
  const area2 = signedArea2(vertices);
  if (Math.abs(area2) < 1e-14) throw new Error(`${where}: zero area`);
  // counter-clockwise internally; edge names follow the vertices as given
  const ccw = area2 > 0;
  const v = ccw ? vertices.map((p) => [...p]) : [...vertices].reverse().map((p) => [...p]);
  const group = o.name ?? "polygon";
  const pieces = vertices.map((_, i) => {
    const a = vertices[i];
    const b = vertices[(i + 1) % n0];
    return ccw ? edgePiece(`edge${i}`, group, a, b) : flip(edgePiece(`edge${i}`, group, a, b));
  });
  const tris = triangulate(v);
  const areas = tris.map(([a, b, c]) => Math.abs(signedArea2([v[a], v[b], v[c]]) / 2));
  const total = areas.reduce((s, x) => s + x, 0);
  const cum = areas.map(
    (
      (s) => (x: number) =>
        (s += x / total)
    )(0),
  );
  const xs = v.map((p) => p[0]);
  const ys = v.map((p) => p[1]);
  const sd = (p: readonly number[]): number => {
    // distance to the nearest edge, negative inside (even-odd rule)
    let dmin = Infinity;
    let inside = false;
    for (let i = 0, j = v.length - 1; i < v.length; j = i++) {
      const [xi, yi] = v[i];
      const [xj, yj] = v[j];
      if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) {
        inside = !inside;
      }
      const ex = xj - xi;
      const ey = yj - yi;
      const t = Math.max(
        0,
        Math.min(1, ((p[0] - xi) * ex + (p[1] - yi) * ey) / (ex * ex + ey * ey)),
      );
      dmin = Math.min(dmin, Math.hypot(p[0] - xi - t * ex, p[1] - yi - t * ey));
    }
    return inside ? -dmin : dmin;
  };
  return {
    kind,
    dims: 2,
    lo: [Math.min(...xs), Math.min(...ys)],
    hi: [Math.max(...xs), Math.max(...ys)],
    measure: total,
    sd,
    fromCube: (u) => {
      // the triangle by area from u0 (rescaled within its bin), then the triangle fold
      let k = 0;
      while (k < cum.length - 1 && u[0] >= cum[k]) k++;
      const lo = k === 0 ? 0 : cum[k - 1];
      let s = (u[0] - lo) / (cum[k] - lo);
      let t = u[1];
      if (s + t > 1) [s, t] = [1 - s, 1 - t];
      const [a, b, c] = tris[k].map((i) => v[i]);
      return [
        a[0] + s * (b[0] - a[0]) + t * (c[0] - a[0]),
        a[1] + s * (b[1] - a[1]) + t * (c[1] - a[1]),
      ];
    },
    pieces,
  };
}

/**
 * The triangle with vertices a, b, c (2-D), edges "edge0" (a to b), "edge1", "edge2".
 * @example triangleShape([0, 0], [1, 0], [0, 1]).measure; // 0.5
 */
export function triangleShape(
  a: readonly number[],
  b: readonly number[],
  c: readonly number[],
  o: ShapeOptions = {},
): Shape {
  return polygonShape([a, b, c], { name: o.name ?? "triangle" });
}

/** A piece with its normal reversed (a hole's boundary in a difference; its ADF too if signed). */
function flip(p: BoundaryPiece): BoundaryPiece {
  return {
    ...p,
    normal: (q) => p.normal(q).map((v) => -v),
    adf: p.signedAdf ? (o, inputs) => o.mul(p.adf(o, inputs), -1) : p.adf,
  };
}

/** A piece further trimmed by `also`. */
function trim(p: BoundaryPiece, also: (q: readonly number[]) => boolean): BoundaryPiece {
  return { ...p, keep: (q) => p.keep(q) && also(q) };
}

function csg(
  kind: "union" | "difference" | "intersection",
  a: Shape,
  b: Shape,
  sd: (p: readonly number[]) => number,
  pieces: BoundaryPiece[],
  lo: readonly number[],
  hi: readonly number[],
): Shape {
  if (a.dims !== b.dims) throw new Error(`${kind}: a ${a.dims}-D and a ${b.dims}-D shape`);
  return { kind, dims: a.dims, lo, hi, measure: null, sd, fromCube: null, pieces };
}

/** Strictly inside (not within tolerance of the boundary). */
const strictlyIn = (s: Shape, tol: number) => (p: readonly number[]) => s.sd(p) < -tol;

/**
 * The union of two shapes: boundary pieces of each outside the other.
 * @example unionShape(diskShape([0, 0], 1), diskShape([1, 0], 1));
 */
export function unionShape(a: Shape, b: Shape): Shape {
  const tol = TOL * Math.max(scale(a), scale(b));
  const pieces = [
    ...a.pieces.map((p) => trim(p, (q) => !strictlyIn(b, tol)(q))),
    ...b.pieces.map((p) => trim(p, (q) => !strictlyIn(a, tol)(q))),
  ];
  return csg(
    "union",
    a,
    b,
    (p) => Math.min(a.sd(p), b.sd(p)),
    pieces,
    a.lo.map((v, i) => Math.min(v, b.lo[i])),
    a.hi.map((v, i) => Math.max(v, b.hi[i])),
  );
}

/**
 * a without b: a's pieces outside b, and b's pieces inside a with reversed normals (a hole).
 * @example differenceShape(boxShape([0, 0], [1, 1]), diskShape([0.5, 0.5], 0.2, { name: "hole" }));
 */
export function differenceShape(a: Shape, b: Shape): Shape {
  const tol = TOL * Math.max(scale(a), scale(b));
  const pieces = [
    ...a.pieces.map((p) => trim(p, (q) => !strictlyIn(b, tol)(q))),
    ...b.pieces.map((p) => trim(flip(p), strictlyIn(a, tol))),
  ];
  return csg("difference", a, b, (p) => Math.max(a.sd(p), -b.sd(p)), pieces, a.lo, a.hi);
}

/**
 * The intersection of two shapes: each one's pieces inside the other.
 * @example intersectionShape(diskShape([0, 0], 1), boxShape([0, 0], [2, 2])); // a quarter disk
 */
export function intersectionShape(a: Shape, b: Shape): Shape {
  const tol = TOL * Math.max(scale(a), scale(b));
  const inB = (q: readonly number[]) => b.sd(q) <= tol;
  const inA = (q: readonly number[]) => a.sd(q) <= tol;
  const pieces = [...a.pieces.map((p) => trim(p, inB)), ...b.pieces.map((p) => trim(p, inA))];
  return csg(
    "intersection",
    a,
    b,
    (p) => Math.max(a.sd(p), b.sd(p)),
    pieces,
    a.lo.map((v, i) => Math.max(v, b.lo[i])),
    a.hi.map((v, i) => Math.min(v, b.hi[i])),
  );
}
