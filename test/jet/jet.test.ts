// The jet forward pass of every network kind, in 1, 2 and 3 inputs, channel by channel against
// nested jax-js `jvp` of the value-only forward pass (float64 reference), in float64 and float32.
// Hessian, finite-difference and activation checks are in jet-crosscheck.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Precision, fromData, startEngine } from "../../src/engine/index.js";
import { inputJet } from "../../src/jet/jet.js";
import { type MultiIndex, jetLayout, miKey } from "../../src/jet/multiindex.js";
import { createNetwork } from "../../src/nets/network.js";
import {
  NET_KINDS,
  boxPoints,
  kindConfig,
  nestedJvpDerivatives,
  scaledError,
  valueFn,
} from "./helpers.js";

await startEngine();

/** Wanted derivatives per input count: orders 1-4 with mixed partials. */
const WANTED: Record<number, MultiIndex[]> = {
  1: [[0], [0, 0], [0, 0, 0], [0, 0, 0, 0]],
  // (t, x): x, t, xx, tx, tt, xxx, txx, xxxx, ttxx
  2: [[1], [0], [1, 1], [0, 1], [0, 0], [1, 1, 1], [0, 1, 1], [1, 1, 1, 1], [0, 0, 1, 1]],
  // (t, x, y): t, x, y, xy, ty, txy, ttxx, xyyy, yyyy
  3: [[0], [1], [2], [1, 2], [0, 2], [0, 1, 2], [0, 0, 1, 1], [1, 2, 2, 2], [2, 2, 2, 2]],
};

/** True when the multiset a is contained in the multiset b. */
function isSub(a: MultiIndex, b: MultiIndex): boolean {
  const rest = [...b];
  for (const i of a) {
    const k = rest.indexOf(i);
    if (k < 0) return false;
    rest.splice(k, 1);
  }
  return true;
}

/** The wanted indices not contained in a longer one: one nested jvp each yields all the rest. */
function covers(wanted: MultiIndex[]): MultiIndex[] {
  return wanted.filter(
    (w, i) => !wanted.some((v, j) => j !== i && v.length > w.length && isSub(w, v)),
  );
}

const N = 3;
const SEED_NET = 3;
const SEED_PARAMS = 5;
// Both float64 paths evaluate the same function with the same primitives in a different order;
// measured differences are ~1e-15 of the channel's scale, so 1e-9 only admits rounding while
// any wrong coefficient or missing term (an O(1) relative change) fails.
const TOL64 = 1e-9;
// float32 jet vs the float64 reference: parameters, inputs and every intermediate round at
// eps32 = 6e-8, tanh/sin/erf carry ~1e-7 error, and a 4th-order channel sums ~15 Faa di Bruno
// products per layer that are individually larger than the result. Measured worst case 6e-6 (the
// combined network, 3-D); 5e-5 keeps ~10x margin and still rejects any formula error.
const TOL32 = 5e-5;

for (const dims of [1, 2, 3]) {
  for (const kind of NET_KINDS) {
    const name = `${kind.name}, ${dims}-D: every jet channel equals nested jvp (float64 and float32)`;
    test(name, () => {
      const layout = jetLayout(dims, WANTED[dims]);
      const X = boxPoints(N, dims, 17 * dims + kind.name.length);
      const net64 = createNetwork(kindConfig(kind, dims, "float64"), SEED_NET);
      const params64 = net64.init(SEED_PARAMS);
      const ref = new Map<string, Float64Array>();
      for (const cover of covers(WANTED[dims])) {
        for (const [k, v] of nestedJvpDerivatives(valueFn(net64, params64), X, dims, cover)) {
          ref.set(k, v);
        }
      }
      // the float32 network from the same seeds holds the float32 roundings of the same draws
      const jetOf = (precision: Precision): Float64Array[] => {
        const net =
          precision === "float64"
            ? net64
            : createNetwork(kindConfig(kind, dims, precision), SEED_NET);
        const params = precision === "float64" ? params64 : net.init(SEED_PARAMS);
        const out = net.applyJet(params, inputJet(layout, fromData(X, [N, dims], precision)));
        return out.ch.map((c) =>
          c ? Float64Array.from(c.dataSync()) : new Float64Array(N * net.config.outputs),
        );
      };
      const j64 = jetOf("float64");
      const j32 = jetOf("float32");
      assert.equal(j64.length, layout.channels.length);
      layout.channels.forEach((mi, c) => {
        const r = ref.get(miKey(mi));
        assert.ok(r, `no reference for channel ${miKey(mi)}`);
        assert.equal(j64[c].length, N * net64.config.outputs);
        const e64 = scaledError(j64[c], r);
        const e32 = scaledError(j32[c], r);
        assert.ok(e64 <= TOL64, `float64 channel [${miKey(mi)}]: error ${e64}`);
        assert.ok(e32 <= TOL32, `float32 channel [${miKey(mi)}]: error ${e32}`);
      });
    });
  }
}

test("the covers of each layout reach every channel (the reference is complete)", () => {
  for (const dims of [1, 2, 3]) {
    const layout = jetLayout(dims, WANTED[dims]);
    const cs = covers(WANTED[dims]);
    for (const mi of layout.channels) {
      assert.ok(
        cs.some((c) => isSub(mi, c)),
        `${dims}-D channel ${miKey(mi)}`,
      );
    }
  }
});
