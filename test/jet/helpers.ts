// Shared by the jet and network tests: network configurations of every kind, deterministic
// points, and reference derivatives from jax-js's own nested forward-mode autodiff.
import { fromData, jvp, np, type Precision } from "../../src/engine/index.js";
import { inputJet } from "../../src/jet/jet.js";
import { type MultiIndex, jetLayout, miKey } from "../../src/jet/multiindex.js";
import type { Activation } from "../../src/jet/jet.js";
import type { NetConfig, NetParams, Network } from "../../src/nets/network.js";

/** One network kind under test. */
export interface NetKind {
  readonly name: string;
  readonly arch: NetConfig["arch"];
  readonly activation: Activation;
  readonly fourier: boolean;
  readonly periodic: boolean;
  readonly rwf: boolean;
}

export const NET_KINDS: readonly NetKind[] = [
  {
    name: "mlp tanh",
    arch: "mlp",
    activation: "tanh",
    fourier: false,
    periodic: false,
    rwf: false,
  },
  { name: "mlp sin", arch: "mlp", activation: "sin", fourier: false, periodic: false, rwf: false },
  {
    name: "mlp gelu",
    arch: "mlp",
    activation: "gelu",
    fourier: false,
    periodic: false,
    rwf: false,
  },
  {
    name: "modified mlp",
    arch: "modified-mlp",
    activation: "tanh",
    fourier: false,
    periodic: false,
    rwf: false,
  },
  {
    name: "mlp + fourier",
    arch: "mlp",
    activation: "tanh",
    fourier: true,
    periodic: false,
    rwf: false,
  },
  {
    name: "mlp + periodic",
    arch: "mlp",
    activation: "tanh",
    fourier: false,
    periodic: true,
    rwf: false,
  },
  {
    name: "mlp + rwf",
    arch: "mlp",
    activation: "tanh",
    fourier: false,
    periodic: false,
    rwf: true,
  },
  {
    name: "modified mlp + fourier + periodic + rwf",
    arch: "modified-mlp",
    activation: "tanh",
    fourier: true,
    periodic: true,
    rwf: true,
  },
];

/** Box of the test networks: input k ranges over [LO[k], HI[k]]. */
export const LO = [0, -1, -0.5];
export const HI = [1, 1, 1.5];

/** The periodic input of a network with `dims` inputs: x (index 1) when there is one, else 0. */
export const periodicInput = (dims: number): number => (dims > 1 ? 1 : 0);

/** A small network configuration of a kind (two outputs from 2 inputs up, so fields are mixed). */
export function kindConfig(
  kind: NetKind,
  dims: number,
  precision: Precision,
  width = 8,
  depth = 2,
): NetConfig {
  const p = periodicInput(dims);
  return {
    arch: kind.arch,
    inputs: dims,
    outputs: dims > 1 ? 2 : 1,
    width,
    depth,
    activation: kind.activation,
    lo: LO.slice(0, dims),
    hi: HI.slice(0, dims),
    periodic: kind.periodic ? [{ input: p, period: HI[p] - LO[p] }] : [],
    fourier: kind.fourier ? { features: 4, scale: 1.5 } : null,
    rwf: kind.rwf ? { mean: 0.5, std: 0.1 } : null,
    precision,
  };
}

/** Deterministic points inside the box, row-major [n, dims] (a 32-bit LCG). */
export function boxPoints(n: number, dims: number, seed: number): Float64Array {
  let s = seed >>> 0;
  const out = new Float64Array(n * dims);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < dims; k++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      out[i * dims + k] = LO[k] + (HI[k] - LO[k]) * (s / 2 ** 32);
    }
  }
  return out;
}

/** The value-only forward pass of a network as a function of X [N, dims] (X consumed). */
export function valueFn(net: Network, params: NetParams): (x: np.Array) => np.Array {
  const dims = net.config.inputs;
  return (x) => net.applyJet(params, inputJet(jetLayout(dims, []), x)).ch[0] as np.Array;
}

/** Unit direction along input `dir` for every one of n points. */
function direction(n: number, dims: number, dir: number, precision: Precision): np.Array {
  const e = new Float64Array(n * dims);
  for (let k = 0; k < n; k++) e[k * dims + dir] = 1;
  return fromData(e, [n, dims], precision);
}

/**
 * Every mixed partial of f along sub-multisets of `dirs`, by nesting jax-js's `jvp` |dirs| times
 * and stacking primal and tangent at each level (one nested call yields all 2^m derivatives).
 * @returns map from multi-index key to the derivative's values (row-major [N, outputs])
 */
export function nestedJvpDerivatives(
  f: (x: np.Array) => np.Array,
  X: Float64Array,
  dims: number,
  dirs: MultiIndex,
  precision: Precision = "float64",
): Map<string, Float64Array> {
  const n = X.length / dims;
  let g = f;
  for (const dir of dirs) {
    const inner = g;
    g = (x) => {
      const [p, t] = jvp(inner, [x], [direction(n, dims, dir, precision)]);
      return np.stack([p, t]);
    };
  }
  const all = Float64Array.from(g(fromData(X, [n, dims], precision)).dataSync());
  const block = all.length / 2 ** dirs.length;
  const out = new Map<string, Float64Array>();
  for (let b = 0; b < 2 ** dirs.length; b++) {
    // the outermost stacking axis belongs to the last direction: bit k of b is direction k
    const mi = dirs.filter((_, k) => (b >> k) & 1).sort((p, q) => p - q);
    out.set(miKey(mi), all.slice(b * block, (b + 1) * block));
  }
  return out;
}

/** max |a - b| / max(1, max |b|): the error relative to the channel's scale. */
export function scaledError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}
