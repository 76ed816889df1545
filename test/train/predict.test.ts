// predict: network values and their derivatives (by the forward jet) at arbitrary points,
// against central finite differences of the values in float64.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startEngine, tree } from "../../src/engine/index.js";
import { createNetwork } from "../../src/nets/network.js";
import { predict } from "../../src/train/evaluate.js";
import { NET_KINDS, boxPoints, kindConfig } from "../jet/helpers.js";

await startEngine();

test("predict: d/dt and d2/dx2 of the outputs agree with Richardson-extrapolated differences", async () => {
  // jax-js's float64 transcendental functions are good to ~1e-7 relative, so the differences use
  // wide steps with Richardson extrapolation (truncation O(h^4)) rather than tiny ones
  const kind = NET_KINDS.find((k) => k.name === "modified mlp");
  assert.ok(kind);
  const net = createNetwork(kindConfig(kind, 2, "float64"), 1);
  const params = net.init(2);
  const X = boxPoints(16, 2, 9);
  const at = (k: number, h: number) =>
    predict(
      net,
      params,
      X.map((v, i) => (i % 2 === k ? v + h : v)),
    );
  const y = await predict(net, params, X);
  const d1 = async (h: number) => {
    const [u, d] = [await at(0, h), await at(0, -h)];
    return u.map((v, i) => (v - d[i]) / (2 * h));
  };
  const d2 = async (h: number) => {
    const [u, d] = [await at(1, h), await at(1, -h)];
    return u.map((v, i) => (v - 2 * y[i] + d[i]) / (h * h));
  };
  const rich = (a: Float64Array, b: Float64Array) => b.map((v, i) => (4 * v - a[i]) / 3);
  const fdT = rich(await d1(2e-2), await d1(1e-2));
  const fdXX = rich(await d2(1e-1), await d2(5e-2));
  const dt = await predict(net, params, X, [0]);
  const dxx = await predict(net, params, X, [1, 1]);
  assert.equal(dt.length, 16 * net.config.outputs);
  for (let i = 0; i < dt.length; i++) {
    const e1 = Math.abs(dt[i] - fdT[i]);
    assert.ok(e1 < 1e-4 * Math.max(1, Math.abs(fdT[i])), `u_t ${i}: ${dt[i]} vs ${fdT[i]}`);
    const e2 = Math.abs(dxx[i] - fdXX[i]);
    assert.ok(e2 < 1e-3 * Math.max(1, Math.abs(fdXX[i])), `u_xx ${i}: ${dxx[i]} vs ${fdXX[i]}`);
  }
  // the values are the default, unchanged by the option
  assert.deepEqual(await predict(net, params, X, []), y);
  tree.dispose(params);
});
