import assert from "node:assert/strict";
import { test } from "node:test";
import { meanStd } from "../../src/util/stats.js";

test("meanStd: mean and sample std of the finite values, null where undefined", () => {
  // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sum of squared deviations 32, sample variance 32 / 7
  const r = meanStd([2, 4, null, 4, 4, NaN, 5, 5, 7, 9, Infinity]);
  assert.equal(r.n, 8);
  assert.equal(r.mean, 5);
  assert.ok(Math.abs((r.std as number) - Math.sqrt(32 / 7)) < 1e-15);
  assert.deepEqual(meanStd([3]), { n: 1, mean: 3, std: null });
  assert.deepEqual(meanStd([null, NaN]), { n: 0, mean: null, std: null });
});
