/**
 * Geometry: axis-aligned boxes with named inputs (intervals, rectangles, boxes, time x space),
 * their faces, and point sets on them. Every input has a name; a derivative accessor like "xx"
 * refers to these names, so built-in problems use single-letter names ("t", "x", "y").
 */

import type { Shape } from "./shapes.js";

/**
 * A box domain [lo_i, hi_i] per named input; `time` names the input that is time, if any. With
 * `shape` (src/geometry/domain.ts) the domain is that spatial shape (times the time interval) and
 * lo/hi are its bounding box.
 */
export interface Box {
  readonly kind: "box";
  readonly inputs: readonly string[];
  readonly lo: readonly number[];
  readonly hi: readonly number[];
  readonly time: string | null;
  /** The spatial geometry when the domain is not the box itself. */
  readonly shape?: Shape;
}

/** Which end of an input's range a face sits at. */
export type Side = "min" | "max";

/** A face of a box: the points whose `input` equals its `side` bound. */
export interface Face {
  readonly input: string;
  readonly side: Side;
}

/**
 * A box from named ranges, in the order given (that order is the network's input order).
 * @example box({ x: [-1, 1], y: [-1, 1] })
 * @throws if a range is empty or not finite, naming the input
 */
export function box(
  ranges: Record<string, readonly [number, number]>,
  opts: { time?: string } = {},
): Box {
  const inputs = Object.keys(ranges);
  if (inputs.length === 0) throw new Error("domain: at least one input is needed");
  for (const name of inputs) {
    const [a, b] = ranges[name];
    if (!Number.isFinite(a) || !Number.isFinite(b) || !(b > a)) {
      throw new Error(`domain.${name}: range [${a}, ${b}] must be finite with lo < hi`);
    }
    if (!/^[A-Za-z]$/.test(name)) {
      throw new Error(`domain.${name}: input names must be single letters so "xx" can name u_xx`);
    }
  }
  const time = opts.time ?? null;
  if (time !== null && !inputs.includes(time))
    throw new Error(`domain.time: no input named ${time}`);
  return {
    kind: "box",
    inputs,
    lo: inputs.map((n) => ranges[n][0]),
    hi: inputs.map((n) => ranges[n][1]),
    time,
  };
}

/** The interval [a, b] in the input `name` (default "x"). */
export function interval(a: number, b: number, name = "x"): Box {
  return box({ [name]: [a, b] });
}

/** The rectangle [x0, x1] x [y0, y1] with inputs (x, y). */
export function rectangle(x: readonly [number, number], y: readonly [number, number]): Box {
  return box({ x, y });
}

/**
 * Time x space: time first (input "t"), then the space domain's inputs (a box or any shape).
 * @example timeSpace([0, 1], disk([0, 0], 1))
 */
export function timeSpace(t: readonly [number, number], space: Box): Box {
  if (space.time !== null) throw new Error("timeSpace: the space domain already has time");
  const ranges: Record<string, readonly [number, number]> = { t };
  space.inputs.forEach((n, i) => {
    if (n === "t") throw new Error("timeSpace: the space box may not have an input named t");
    ranges[n] = [space.lo[i], space.hi[i]];
  });
  const d = box(ranges, { time: "t" });
  return space.shape ? { ...d, shape: space.shape } : d;
}

/** Index of a named input, or an error naming it. */
export function inputIndex(b: Box, name: string, where: string): number {
  const i = b.inputs.indexOf(name);
  if (i < 0) throw new Error(`${where}: unknown input "${name}" (inputs: ${b.inputs.join(", ")})`);
  return i;
}

/** Every face of a box except those of the time input (the spatial boundary). */
export function spatialFaces(b: Box): Face[] {
  return b.inputs
    .filter((n) => n !== b.time)
    .flatMap((input) => [
      { input, side: "min" as const },
      { input, side: "max" as const },
    ]);
}

/** Tensor grid of points, row-major in input order: [prod(n_i), dims]. */
export function tensorGrid(axes: readonly Float64Array[]): Float64Array {
  const d = axes.length;
  const total = axes.reduce((p, a) => p * a.length, 1);
  const out = new Float64Array(total * d);
  const idx = new Array<number>(d).fill(0);
  for (let r = 0; r < total; r++) {
    for (let k = 0; k < d; k++) out[r * d + k] = axes[k][idx[k]];
    for (let k = d - 1; k >= 0; k--) {
      if (++idx[k] < axes[k].length) break;
      idx[k] = 0;
    }
  }
  return out;
}

/** n evenly spaced points from a to b; `endpoint: false` leaves b out (periodic grids). */
export function linspace(a: number, b: number, n: number, endpoint = true): Float64Array {
  const out = new Float64Array(n);
  const h = (b - a) / (endpoint ? Math.max(n - 1, 1) : n);
  for (let i = 0; i < n; i++) out[i] = a + i * h;
  return out;
}
