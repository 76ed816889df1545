/**
 * Domains of any shape: a {@link Box} whose `shape` field holds the spatial geometry
 * (src/geometry/shapes.ts) when the domain is not the box itself. `lo`/`hi` stay the bounding box
 * (the network normalises its inputs by them), so everything that reads a box keeps working;
 * sampling, boundary pieces, normals and evaluation masks consult the shape.
 *
 * Constructors: `disk`, `ellipse`, `polygon`, `triangle`, `sphere`, `cuboid` (a 3-D box shape),
 * CSG `union`, `difference`, `intersection` (of these or of plain boxes), and `timeSpace` (in
 * box.ts) for any of them times a time interval.
 */
import { type Box, type Face, box } from "./box.js";
import {
  type BoundaryPiece,
  type Shape,
  type ShapeOptions,
  boxShape,
  containsPoint,
  differenceShape,
  diskShape,
  ellipseShape,
  intersectionShape,
  intervalShape,
  polygonShape,
  sphereShape,
  triangleShape,
  unionShape,
} from "./shapes.js";

/** Any domain: a box, or a shape's bounding box carrying the shape. */
export type Domain = Box;

const NAMES = ["x", "y", "z"];

/** A domain from a shape (inputs x, y, z by dimension). */
export function shapeDomain(shape: Shape, inputs: readonly string[] = NAMES): Domain {
  const ranges: Record<string, [number, number]> = {};
  for (let k = 0; k < shape.dims; k++) ranges[inputs[k]] = [shape.lo[k], shape.hi[k]];
  return { ...box(ranges), shape };
}

/** The spatial shape of a domain: its shape, or its box (without time) as one. */
export function spatialShape(d: Domain): Shape {
  if (d.shape) return d.shape;
  const idx = d.inputs.map((_, i) => i).filter((i) => d.inputs[i] !== d.time);
  const lo = idx.map((i) => d.lo[i]);
  const hi = idx.map((i) => d.hi[i]);
  const names = idx.map((i) => d.inputs[i]);
  if (idx.length === 1) return intervalShape(lo[0], hi[0], {}, names);
  return boxShape(lo, hi, {}, names);
}

/** The names of a domain's spatial inputs, in order. */
export function spatialInputs(d: Domain): string[] {
  return d.inputs.filter((n) => n !== d.time);
}

function spatialOnly(d: Domain, where: string): Shape {
  if (d.time !== null) throw new Error(`${where}: combine spatial domains, then add time`);
  return spatialShape(d);
}

/**
 * The disk of centre c and radius r (inputs x, y); boundary piece "circle" (group `name`).
 * @example disk([0, 0], 1, { name: "outer" })
 */
export function disk(c: readonly [number, number], r: number, o: ShapeOptions = {}): Domain {
  return shapeDomain(diskShape(c, r, o));
}

/**
 * The ellipse of centre c and semi-axes (a, b); boundary piece "ellipse".
 * @example ellipse([0, 0], [2, 1])
 */
export function ellipse(
  c: readonly [number, number],
  axes: readonly [number, number],
  o: ShapeOptions = {},
): Domain {
  return shapeDomain(ellipseShape(c, axes, o));
}

/**
 * Any simple polygon from its vertices (not repeating the first); edges "edge0", "edge1", ...
 * @throws when it is not simple, not closed properly, or degenerate
 * @example polygon([[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2]]) // the L-shape
 */
export function polygon(vertices: readonly (readonly number[])[], o: ShapeOptions = {}): Domain {
  return shapeDomain(polygonShape(vertices, o));
}

/**
 * The triangle a, b, c; edges "edge0" (a-b), "edge1" (b-c), "edge2" (c-a).
 * @example triangle([0, 0], [1, 0], [0, 1])
 */
export function triangle(
  a: readonly number[],
  b: readonly number[],
  c: readonly number[],
  o: ShapeOptions = {},
): Domain {
  return shapeDomain(triangleShape(a, b, c, o));
}

/**
 * The ball of centre c and radius r (inputs x, y, z); boundary piece "sphere".
 * @example sphere([0, 0, 0], 1)
 */
export function sphere(
  c: readonly [number, number, number],
  r: number,
  o: ShapeOptions = {},
): Domain {
  return shapeDomain(sphereShape(c, r, o));
}

/**
 * A 3-D box [lo, hi] as a shape (faces "x.min" ... "z.max"), for CSG; `box({x,y,z})` is the
 * same domain without a shape.
 * @example difference(cuboid([0, 0, 0], [1, 1, 1]), sphere([0.5, 0.5, 0.5], 0.25))
 */
export function cuboid(
  lo: readonly [number, number, number],
  hi: readonly [number, number, number],
  o: ShapeOptions = {},
): Domain {
  return shapeDomain(boxShape(lo, hi, o));
}

/** Inputs of a CSG result: the first operand's spatial names. */
function csgDomain(a: Domain, s: Shape): Domain {
  return shapeDomain(s, spatialInputs(a));
}

/**
 * The union of two spatial domains.
 * @example union(rectangle([0, 2], [0, 1]), disk([2, 0.5], 0.5))
 */
export function union(a: Domain, b: Domain): Domain {
  return csgDomain(a, unionShape(spatialOnly(a, "union"), spatialOnly(b, "union")));
}

/**
 * a without b (b's boundary becomes a hole with inward-pointing normals of b, i.e. outward of
 * the result).
 * @example difference(rectangle([-1, 1], [-1, 1]), disk([0, 0], 0.3, { name: "hole" }))
 */
export function difference(a: Domain, b: Domain): Domain {
  return csgDomain(a, differenceShape(spatialOnly(a, "difference"), spatialOnly(b, "difference")));
}

/**
 * The intersection of two spatial domains.
 * @example intersection(disk([0, 0], 1), rectangle([0, 1], [0, 1])) // a quarter disk
 */
export function intersection(a: Domain, b: Domain): Domain {
  return csgDomain(
    a,
    intersectionShape(spatialOnly(a, "intersection"), spatialOnly(b, "intersection")),
  );
}

/** A boundary selector: a box face, or a piece name, group name or "boundary" (every piece). */
export type BoundarySelector = Face | string;

/** The name a face goes by as a piece ("x.min"). */
export function faceName(f: Face): string {
  return `${f.input}.${f.side}`;
}

/**
 * The indices of the spatial boundary pieces a selection names.
 * @throws naming `where` and the unknown selector, with the known names
 * @example selectPieces(spatialShape(d), ["hole"], "conditions.bc.on")
 */
export function selectPieces(
  shape: Shape,
  on: readonly BoundarySelector[],
  where: string,
): number[] {
  const out = new Set<number>();
  for (const sel of on) {
    const name = typeof sel === "string" ? sel : faceName(sel);
    const hit = shape.pieces
      .map((p, i) => [p, i] as const)
      .filter(([p]) => name === "boundary" || p.name === name || p.group === name);
    if (hit.length === 0) {
      const known = [...new Set(shape.pieces.flatMap((p) => [p.group, p.name]))];
      throw new Error(
        `${where}: no boundary piece "${name}" (known: boundary, ${known.join(", ")})`,
      );
    }
    for (const [, i] of hit) out.add(i);
  }
  return [...out].sort((x, y) => x - y);
}

/** True when a point (domain input order) lies in the domain (boundary included). */
export function inDomain(d: Domain, p: readonly number[]): boolean {
  for (let k = 0; k < p.length; k++) {
    const tol = 1e-9 * (d.hi[k] - d.lo[k]);
    if (p[k] < d.lo[k] - tol || p[k] > d.hi[k] + tol) return false;
  }
  if (!d.shape) return true;
  const space = d.inputs.flatMap((n, i) => (n === d.time ? [] : [p[i]]));
  return containsPoint(d.shape, space);
}

export type { BoundaryPiece, Shape };
