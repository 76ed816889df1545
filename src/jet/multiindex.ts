/**
 * Multi-indices and the combinatorial tables of Taylor-mode ("jet") differentiation.
 *
 * A derivative of order m with respect to inputs is a sorted list of input indices, e.g. for
 * inputs (t, x): u_x = [1], u_xx = [1, 1], u_tx = [0, 1]. A jet carries one *channel* per
 * multi-index of a set that is closed under taking sub-derivatives (u_xx needs u_x).
 *
 * Both tables below are derived by treating the m differentiation slots as labelled positions:
 * - Faa di Bruno: d^a f(g) = sum over set partitions P of the slots of f^(|P|)(g) prod_{B in P} d^{a|B} g
 * - Leibniz:      d^a (f g) = sum over subsets S of the slots of d^{a|S} f * d^{a|not S} g
 * Equal terms are merged into integer coefficients, so the runtime loops are short.
 */

/** Highest derivative order a jet supports. */
export const MAX_ORDER = 4;

/** A sorted list of input indices: one entry per differentiation. */
export type MultiIndex = readonly number[];

/** Stable string key of a multi-index ("" for the value channel, "0,1,1" for u_txx). */
export function miKey(mi: MultiIndex): string {
  return mi.join(",");
}

/** One term of Faa di Bruno's formula: coef * f^(order)(g) * prod_b g[channels[b]]. */
export interface FdbTerm {
  readonly coef: number;
  readonly order: number;
  readonly channels: readonly number[];
}

/** One term of Leibniz's rule: coef * f[left] * g[right]. */
export interface LeibnizTerm {
  readonly coef: number;
  readonly left: number;
  readonly right: number;
}

/** The channel layout of a jet plus the precomputed composition tables. */
export interface JetLayout {
  /** Number of inputs the multi-indices refer to. */
  readonly dims: number;
  /** Channels in order of increasing derivative order; channel 0 is the value. */
  readonly channels: readonly MultiIndex[];
  /** Highest order among the channels. */
  readonly maxOrder: number;
  /** Faa di Bruno terms per channel (channel 0: just f(g)). */
  readonly fdb: readonly (readonly FdbTerm[])[];
  /** Leibniz terms per channel. */
  readonly leibniz: readonly (readonly LeibnizTerm[])[];
  /** Channel index of a multi-index key, or undefined. */
  indexOf(mi: MultiIndex): number | undefined;
}

function sortedMi(mi: readonly number[]): number[] {
  return [...mi].sort((a, b) => a - b);
}

/** All sub-multisets (as sorted multi-indices) of a multi-index, including empty and itself. */
function subMultiIndices(mi: MultiIndex): MultiIndex[] {
  const seen = new Map<string, MultiIndex>();
  const m = mi.length;
  for (let mask = 0; mask < 1 << m; mask++) {
    const sub = mi.filter((_, i) => (mask >> i) & 1);
    seen.set(miKey(sub), sub);
  }
  return [...seen.values()];
}

/** Every set partition of {0..m-1}, as lists of blocks. */
function setPartitions(m: number): number[][][] {
  if (m === 0) return [[]];
  const out: number[][][] = [];
  for (const p of setPartitions(m - 1)) {
    // element m-1 joins an existing block or opens a new one
    for (let b = 0; b < p.length; b++) {
      out.push(p.map((blk, i) => (i === b ? [...blk, m - 1] : blk)));
    }
    out.push([...p, [m - 1]]);
  }
  return out;
}

/**
 * Build the layout for the given derivatives, closed under sub-derivatives.
 * @param dims number of inputs
 * @param wanted the multi-indices the caller needs (any order; value is always included)
 * @throws if an index is out of range or an order exceeds {@link MAX_ORDER}
 */
export function jetLayout(dims: number, wanted: readonly MultiIndex[]): JetLayout {
  const all = new Map<string, MultiIndex>([["", []]]);
  for (const w of wanted) {
    if (w.length > MAX_ORDER) {
      throw new Error(`derivative order ${w.length} exceeds the supported maximum ${MAX_ORDER}`);
    }
    for (const i of w) {
      if (!Number.isInteger(i) || i < 0 || i >= dims) {
        throw new Error(`derivative index ${i} out of range for ${dims} inputs`);
      }
    }
    for (const s of subMultiIndices(sortedMi(w))) all.set(miKey(s), s);
  }
  const channels = [...all.values()].sort(
    (a, b) => a.length - b.length || miKey(a).localeCompare(miKey(b)),
  );
  const index = new Map(channels.map((c, i) => [miKey(c), i]));
  const idx = (mi: readonly number[]): number => {
    const i = index.get(miKey(sortedMi(mi)));
    if (i === undefined) throw new Error(`internal: channel ${miKey(mi)} missing`);
    return i;
  };

  const fdb = channels.map((mi) => {
    const terms = new Map<string, { coef: number; order: number; channels: number[] }>();
    for (const part of setPartitions(mi.length)) {
      const chans = part.map((blk) => idx(blk.map((p) => mi[p]))).sort((a, b) => a - b);
      const key = `${part.length}|${chans.join(",")}`;
      const t = terms.get(key);
      if (t) t.coef += 1;
      else terms.set(key, { coef: 1, order: part.length, channels: chans });
    }
    return [...terms.values()];
  });

  const leibniz = channels.map((mi) => {
    const terms = new Map<string, { coef: number; left: number; right: number }>();
    for (let mask = 0; mask < 1 << mi.length; mask++) {
      const left = idx(mi.filter((_, i) => (mask >> i) & 1));
      const right = idx(mi.filter((_, i) => !((mask >> i) & 1)));
      const key = `${left}|${right}`;
      const t = terms.get(key);
      if (t) t.coef += 1;
      else terms.set(key, { coef: 1, left, right });
    }
    return [...terms.values()];
  });

  return {
    dims,
    channels,
    maxOrder: channels[channels.length - 1].length,
    fdb,
    leibniz,
    indexOf: (mi) => index.get(miKey(sortedMi(mi))),
  };
}
