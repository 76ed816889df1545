// reexpressInput: a network moved to a new input box computes the same function of the raw input
// (time marching's warm start, src/train/run.ts), for every network kind with an affine path from
// that input to the first layer; random Fourier features and periodic inputs have none.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startEngine, tree } from "../../src/engine/index.js";
import { createNetwork } from "../../src/nets/network.js";
import { reexpressInput } from "../../src/nets/reexpress.js";
import { predict } from "../../src/train/evaluate.js";
import { NET_KINDS, kindConfig } from "../jet/helpers.js";

await startEngine();

test("reexpressInput: the same function of the raw input on a moved and stretched box", async () => {
  for (const kind of NET_KINDS) {
    const from = kindConfig(kind, 2, "float64");
    const to = { ...from, lo: [1, from.lo[1]], hi: [1.7, from.hi[1]] };
    const a = createNetwork(from, 3);
    const b = createNetwork(to, 3);
    const params = a.init(5);
    const moved = await reexpressInput(a, params, 0, { lo: 0, hi: 1 }, { lo: 1, hi: 1.7 });
    if (kind.fourier) {
      assert.equal(moved, null, kind.name);
      tree.dispose(params);
      continue;
    }
    assert.ok(moved, kind.name);
    // points in the new box, where the old network extrapolates
    const X = new Float64Array(2 * 40);
    for (let i = 0; i < 40; i++) {
      X[2 * i] = 1 + (0.7 * (i + 0.5)) / 40;
      X[2 * i + 1] = -1 + (2 * ((i * 7) % 40)) / 40;
    }
    const ya = await predict(a, params, X);
    const yb = await predict(b, moved, X);
    // the unmoved parameters on the new box compute something else (the test can fail)
    const yc = await predict(b, params, X);
    let err = 0;
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < ya.length; i++) {
      err = Math.max(err, Math.abs(ya[i] - yb[i]));
      diff = Math.max(diff, Math.abs(ya[i] - yc[i]));
      scale = Math.max(scale, Math.abs(ya[i]));
    }
    assert.ok(err < 1e-12 * Math.max(1, scale), `${kind.name}: ${err}`);
    assert.ok(diff > 1e-3 * scale, `${kind.name}: unmoved parameters agree too (${diff})`);
    tree.dispose(params);
    tree.dispose(moved);
  }
});
