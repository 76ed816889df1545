/**
 * Parameter trees as flat vectors, in jax-js's `tree.leaves` order (object insertion order:
 * hidden[0].w, hidden[0].b, ..., out.w, out.b, encU, encV). L-BFGS works on flat float64 vectors
 * and the kernel backend keeps its parameters flat in wasm memory; both convert here.
 */
import { type JsTree, fromData, np, tree, type Precision } from "../engine/index.js";
import type { NetParams } from "./network.js";

/** How to rebuild a tree from a flat vector. */
export interface FlatLayout {
  readonly treedef: ReturnType<typeof tree.flatten>[1];
  readonly shapes: readonly number[][];
  /** Total number of parameters P. */
  readonly size: number;
}

/**
 * Read a parameter tree into one flat float64 vector [P] (the tree is not consumed).
 * @returns the vector and the layout to rebuild the tree with {@link unflattenParams}
 */
export async function flattenParams(
  params: NetParams,
): Promise<{ flat: Float64Array; layout: FlatLayout }> {
  const [leaves, treedef] = tree.flatten(params as unknown as JsTree<np.Array>);
  const shapes = leaves.map((l) => l.shape);
  const flat = new Float64Array(leaves.reduce((a, l) => a + l.size, 0));
  let off = 0;
  for (const l of leaves) {
    const d = await l.ref.data();
    flat.set(d, off);
    off += d.length;
  }
  return { flat, layout: { treedef, shapes, size: flat.length } };
}

/** Rebuild a parameter tree from a flat vector [P] in the given precision. */
export function unflattenParams(
  x: ArrayLike<number>,
  layout: FlatLayout,
  precision: Precision,
): NetParams {
  if (x.length !== layout.size)
    throw new Error(`unflattenParams: ${x.length} values for ${layout.size} parameters`);
  let off = 0;
  const arrs = layout.shapes.map((sh) => {
    const n = sh.reduce((a, b) => a * b, 1);
    const a = fromData(Array.prototype.slice.call(x, off, off + n) as number[], sh, precision);
    off += n;
    return a;
  });
  return tree.unflatten(layout.treedef, arrs) as unknown as NetParams;
}
