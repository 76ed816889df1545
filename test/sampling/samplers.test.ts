// Collocation samplers: determinism, bounds, moments of uniform points, Latin hypercube
// stratification and fixed coordinates.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startEngine } from "../../src/engine/index.js";
import { samplePoints } from "../../src/sampling/samplers.js";
import { Rng } from "../../src/util/rng.js";

await startEngine();

const LO = [0, -1, 10];
const HI = [1, 3, 10.5];

test("samplers are deterministic in the generator's state and stay in the box", () => {
  for (const kind of ["uniform", "lhs"] as const) {
    const a = samplePoints(kind, new Rng(5), 64, LO, HI);
    const b = samplePoints(kind, new Rng(5), 64, LO, HI);
    const c = samplePoints(kind, new Rng(6), 64, LO, HI);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.equal(a.length, 64 * 3);
    for (let i = 0; i < 64; i++) {
      for (let k = 0; k < 3; k++) {
        const v = a[i * 3 + k];
        assert.ok(v >= LO[k] && v < HI[k], `${kind}: point ${i} coordinate ${k} = ${v}`);
      }
    }
    // the generator advances: a second draw from the same Rng differs from the first
    const r = new Rng(5);
    assert.notDeepEqual(samplePoints(kind, r, 8, LO, HI), samplePoints(kind, r, 8, LO, HI));
  }
});

test("uniform: each coordinate has the uniform mean and variance within 5 sigma", () => {
  const n = 20_000;
  const X = samplePoints("uniform", new Rng(77), n, LO, HI);
  for (let k = 0; k < 3; k++) {
    const w = HI[k] - LO[k];
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const u = (X[i * 3 + k] - LO[k]) / w; // back to [0, 1)
      sum += u;
      sq += (u - 0.5) ** 2;
    }
    assert.ok(Math.abs(sum / n - 0.5) < 5 * Math.sqrt(1 / 12 / n), `coordinate ${k} mean`);
    assert.ok(
      Math.abs(sq / n - 1 / 12) < (5 * Math.sqrt(1 / 80 - 1 / 144)) / Math.sqrt(n),
      `coordinate ${k} variance`,
    );
  }
  // coordinates are independent: the correlation of the first two is 0 within 5 / sqrt(n)
  let cov = 0;
  for (let i = 0; i < n; i++) cov += (X[i * 3] - 0.5) * ((X[i * 3 + 1] - 1) / 4);
  assert.ok(Math.abs(cov / n / (1 / 12)) < 5 / Math.sqrt(n), "uncorrelated");
});

test("lhs: exactly one point per stratum per dimension", () => {
  for (const n of [1, 2, 7, 100]) {
    const X = samplePoints("lhs", new Rng(n), n, LO, HI);
    for (let k = 0; k < 3; k++) {
      const strata = new Array<number>(n).fill(0);
      for (let i = 0; i < n; i++) {
        strata[Math.floor(((X[i * 3 + k] - LO[k]) / (HI[k] - LO[k])) * n)]++;
      }
      assert.deepEqual(strata, new Array<number>(n).fill(1), `n = ${n}, dimension ${k}`);
    }
  }
  // strata are shuffled independently per dimension: the two orders differ for n = 100
  const X = samplePoints("lhs", new Rng(3), 100, LO, HI);
  const order = (k: number) =>
    Array.from({ length: 100 }, (_, i) =>
      Math.floor(((X[i * 3 + k] - LO[k]) / (HI[k] - LO[k])) * 100),
    );
  assert.notDeepEqual(order(0), order(1));
});

test("fixed coordinates are respected (NaN = free) by both samplers", () => {
  for (const kind of ["uniform", "lhs"] as const) {
    const X = samplePoints(kind, new Rng(1), 30, LO, HI, [NaN, 3, NaN]);
    const free0 = new Set<number>();
    for (let i = 0; i < 30; i++) {
      assert.equal(X[i * 3 + 1], 3);
      assert.ok(X[i * 3] >= 0 && X[i * 3] < 1);
      assert.ok(X[i * 3 + 2] >= 10 && X[i * 3 + 2] < 10.5);
      free0.add(X[i * 3]);
    }
    assert.equal(free0.size, 30, "free coordinates still vary");
    const all = samplePoints(kind, new Rng(1), 4, LO, HI, [0.25, -1, 10.5]);
    assert.deepEqual([...all], [0.25, -1, 10.5, 0.25, -1, 10.5, 0.25, -1, 10.5, 0.25, -1, 10.5]);
  }
});
