/**
 * A fixed, documented order of a network's parameters, so that gradients and Jacobians can be
 * flattened into one vector of length P and cut back into named layers.
 *
 * Order: `hidden[0]`, `hidden[1]`, ..., `out`, `encU`, `encV` (the modified MLP's encoders, when
 * present); inside each dense layer `w` (row-major [in, out]), then `b` [out], then the weight
 * factorisation scale `s` [out] when present. This is pinnlab's own order, independent of how
 * `tree.flatten` happens to order object keys.
 */
import type { np } from "../engine/index.js";
import type { Dense, NetParams } from "../nets/network.js";

/** One parameter array's place in the flattened vector. */
export interface ParamSegment {
  /** The dense layer it belongs to: "hidden[0]", ..., "out", "encU", "encV". */
  readonly layer: string;
  /** Which array of the layer. */
  readonly param: "w" | "b" | "s";
  readonly shape: readonly number[];
  /** First index in the flattened vector. */
  readonly offset: number;
  readonly size: number;
}

/** The layers of a parameter tree with their arrays, in the documented order. */
function namedDense(p: NetParams): [string, Dense][] {
  const out: [string, Dense][] = p.hidden.map((d, i) => [`hidden[${i}]`, d]);
  out.push(["out", p.out]);
  if (p.encU) out.push(["encU", p.encU]);
  if (p.encV) out.push(["encV", p.encV]);
  return out;
}

function denseArrays(d: Dense): ["w" | "b" | "s", np.Array][] {
  const arrs: ["w" | "b" | "s", np.Array][] = [
    ["w", d.w],
    ["b", d.b],
  ];
  if (d.s) arrs.push(["s", d.s]);
  return arrs;
}

/**
 * The parameter arrays of a tree in the documented order (the same objects: nothing is consumed
 * or copied; the caller decides ownership).
 */
export function orderedLeaves(p: NetParams): np.Array[] {
  return namedDense(p).flatMap(([, d]) => denseArrays(d).map(([, a]) => a));
}

/**
 * Where every parameter array sits in the flattened vector of length P (params not consumed).
 * @example
 * const layout = paramLayout(net.init(0)); // [{ layer: "hidden[0]", param: "w", offset: 0, ... }, ...]
 */
export function paramLayout(p: NetParams): ParamSegment[] {
  const segs: ParamSegment[] = [];
  let offset = 0;
  for (const [layer, d] of namedDense(p)) {
    for (const [param, a] of denseArrays(d)) {
      segs.push({ layer, param, shape: [...a.shape], offset, size: a.size });
      offset += a.size;
    }
  }
  return segs;
}

/** Total number of parameters P of a layout. */
export function layoutSize(layout: readonly ParamSegment[]): number {
  return layout.reduce((n, s) => n + s.size, 0);
}

/** The layer names of a layout, in order, each once. */
export function layerNames(layout: readonly ParamSegment[]): string[] {
  return [...new Set(layout.map((s) => s.layer))];
}
