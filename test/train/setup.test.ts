// networkFor: the network a configuration calls for, here the periodic embedding's seam feature
// (src/nets/network.ts, `PeriodicInput`) and its check against the problem.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startEngine } from "../../src/engine/index.js";
import { getProblem } from "../../src/problems/index.js";
import { applyOverrides, defaultTrainConfig } from "../../src/train/config.js";
import { networkFor } from "../../src/train/setup.js";

await startEngine();

const allenCahn = getProblem("allen-cahn").build({ eps: 1e-4, gamma: 5, T: 1 });
const poisson = getProblem("poisson1d").build({ k: 4 });
const config = (sets: [string, string | number | boolean][]) =>
  applyOverrides(defaultTrainConfig(), [["width", 6], ["depth", 1], ...sets]);

test("periodicSeam adds sin(pi (x - lo) / P) after the (cos, sin) pair: t, cos, sin, seam in", () => {
  const net = networkFor(
    allenCahn,
    config([
      ["periodicEmbedding", true],
      ["periodicSeam", true],
    ]),
  );
  assert.deepEqual(net.config.periodic, [{ input: 1, period: 2, seam: true }]);
  assert.deepEqual(net.init(0).hidden[0].w.shape, [4, 6]);
  const plain = networkFor(allenCahn, config([["periodicEmbedding", true]]));
  assert.deepEqual(plain.config.periodic, [{ input: 1, period: 2 }]);
  assert.deepEqual(plain.init(0).hidden[0].w.shape, [3, 6]);
});

test("periodicSeam without an embedded periodic input is refused, naming the key", () => {
  assert.throws(
    () => networkFor(allenCahn, config([["periodicSeam", true]])),
    /^Error: periodicSeam: no periodic input is embedded \(allen-cahn/,
  );
  assert.throws(
    () =>
      networkFor(
        poisson,
        config([
          ["periodicEmbedding", true],
          ["periodicSeam", true],
        ]),
      ),
    /periodicSeam: no periodic input is embedded \(poisson1d needs a periodic condition/,
  );
});
