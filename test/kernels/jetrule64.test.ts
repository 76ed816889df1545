// The float64 (f64x2) jet rules: the transcendentals against Math.tanh / Math.sin / Math.cos and
// an erf series to a few float64 ulps, the Faa di Bruno forward pass and its adjoint against exact
// derivatives computed in JS float64 and against central finite differences, the Leibniz product
// rule, element-wise sums and the bias kernels; plain and relaxed builds.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type JetLayout, type MultiIndex, jetLayout } from "../../src/jet/multiindex.js";
import { KernelRuntime, type SimdVariant } from "../../src/kernels/assemble.js";
import { ElementwiseKernels } from "../../src/kernels/elementwise.js";
import { BiasKernels, JetRule, LeibnizRule } from "../../src/kernels/jetrule.js";
import {
  type Act,
  activationDerivs64,
  jetActivate64,
  jetMul64,
  normalCdf64,
  rand64,
  scaledError,
} from "./helpers.js";

const rt = await KernelRuntime.create();
const VARIANTS: SimdVariant[] = rt.features.relaxedSimd ? ["plain", "relaxed"] : ["plain"];
const ACTS: Act[] = ["tanh", "sin", "gelu"];
const U = 2 ** -53;

const LAYOUTS: [string, number, MultiIndex[]][] = [
  ["1d order 1", 1, [[0]]],
  ["1d order 4", 1, [[0, 0, 0, 0]]],
  ["2d burgers (t, x, xx)", 2, [[0], [1, 1]]],
  ["2d kdv (t, xxx)", 2, [[0], [1, 1, 1]]],
  ["2d mixed order 4 (xxyy)", 2, [[0, 0, 1, 1]]],
  [
    "3d laplacian",
    3,
    [
      [0, 0],
      [1, 1],
      [2, 2],
    ],
  ],
  ["3d mixed order 4", 3, [[0, 1, 2, 2]]],
];

function upload(chs: ArrayLike<number>[]): number {
  const E = chs[0].length;
  const p = rt.arena.allocF64(chs.length * E);
  chs.forEach((c, k) => rt.f64(p + 8 * k * E, E).set(c));
  return p;
}
function download(p: number, K: number, E: number): Float64Array[] {
  return Array.from({ length: K }, (_, k) => Float64Array.from(rt.f64(p + 8 * k * E, E)));
}
function randomJet(K: number, E: number, seed: number): Float64Array[] {
  return Array.from({ length: K }, (_, c) =>
    rand64(E, seed + 17 * c, c === 0 ? -3 : -1.5, c === 0 ? 3 : 1.5),
  );
}

/**
 * Phi(z) in float64 to a few ulps also in the lower tail, where the erf series of normalCdf64
 * cancels: for z < -1 the Mills-ratio continued fraction Phi(-x) = phi(x) / (x + 1/(x + 2/(x +
 * ...))), evaluated backwards, with exp(-x^2/2) from an exact split of x^2.
 */
function normalCdfRef(z: number): number {
  if (z >= -1) return z > 1 ? 1 - normalCdfRef(-z) : normalCdf64(z);
  const x = -z;
  let cf = x;
  for (let k = 4000; k >= 1; k--) cf = x + k / cf;
  const xh = Math.fround(x) === x ? x : Number(x.toPrecision(7)); // few bits: xh^2 / 2 is exact
  const xl = x - xh;
  const e = Math.exp(-(xh * xh) / 2) * Math.exp(-(2 * xh * xl + xl * xl) / 2);
  return e / Math.sqrt(2 * Math.PI) / cf;
}

/** Value and first derivative of each activation through a 1-channel order-1 rule. */
function valueAndSlope(act: string, v: SimdVariant, z: Float64Array): [Float64Array, Float64Array] {
  const E = z.length;
  const rule = JetRule.create(rt, jetLayout(1, [[0]]), act, v, "f64");
  const mark = rt.arena.mark();
  const Z = upload([z, new Float64Array(E).fill(1)]);
  const H = rt.arena.allocF64(2 * E);
  const S = rt.arena.allocF64(E);
  rule.forward(Z, H, S, E);
  const [h, h1] = download(H, 2, E);
  rt.arena.release(mark);
  return [h, h1];
}

test("float64 tanh, sin, cos and gelu are accurate to a few ulps (vector body and scalar tail)", () => {
  // 8001 points (odd: the scalar tail runs too) over [-12, 12], plus wide and tiny arguments
  const grid = Array.from({ length: 8001 }, (_, i) => -12 + (24 * i) / 8000);
  const tiny = [1e-300, -3e-200, 1e-12, -7e-9, 1e-5, 0.3, -0.62, 0.625, -0.6251, 5e-324];
  const wide = rand64(2001, 9, -2000, 2000);
  const z = Float64Array.from([...grid, ...tiny, ...wide]);
  for (const v of VARIANTS) {
    const worst: Record<string, number> = {};
    const note = (k: string, e: number) => (worst[k] = Math.max(worst[k] ?? 0, e));
    for (const act of ACTS) {
      const [h, h1] = valueAndSlope(act, v, z);
      for (let i = 0; i < z.length; i++) {
        const x = z[i];
        if (act === "tanh") {
          note("tanh rel", Math.abs(h[i] - Math.tanh(x)) / Math.abs(Math.tanh(x) || 1));
          // tanh' = 1 - t^2 from the output (as the backward pass uses it): absolute accuracy
          note("tanh' abs", Math.abs(h1[i] - (1 - Math.tanh(x) ** 2)));
        } else if (act === "sin") {
          // relative to max(|sin|, 2^-30): near the zeros of sin, the reduction's ulp of x rules
          note("sin", Math.abs(h[i] - Math.sin(x)) / Math.max(Math.abs(Math.sin(x)), 2 ** -30));
          note("cos", Math.abs(h1[i] - Math.cos(x)) / Math.max(Math.abs(Math.cos(x)), 2 ** -30));
        } else if (Math.abs(x) <= 30) {
          const Phi = normalCdfRef(x);
          const phi = Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
          // relative error in units of (8 + z^2) u: exp(-z^2/2) inherits the rounding of z^2
          const unit = (8 + x * x) * U;
          if (x * Phi !== 0)
            note("gelu rel / (8+z^2)u", Math.abs(h[i] - x * Phi) / Math.abs(x * Phi) / unit);
          note(
            "gelu' abs",
            Math.abs(h1[i] - (Phi + x * phi)) / Math.max(1, Math.abs(Phi + x * phi)),
          );
        }
      }
    }
    // Math.* are themselves within ~1 ulp, so a few ulps of difference is the target
    assert.ok(worst["tanh rel"] < 4 * U, `${v}: tanh ${worst["tanh rel"]}`);
    assert.ok(worst["tanh' abs"] < 4 * U, `${v}: tanh' ${worst["tanh' abs"]}`);
    assert.ok(worst.sin < 4 * U, `${v}: sin ${worst.sin}`);
    assert.ok(worst.cos < 4 * U, `${v}: cos ${worst.cos}`);
    assert.ok(worst["gelu rel / (8+z^2)u"] < 4, `${v}: gelu ${worst["gelu rel / (8+z^2)u"]}`);
    assert.ok(worst["gelu' abs"] < 8 * U, `${v}: gelu' ${worst["gelu' abs"]}`);
    console.log(`# ${v}: ${JSON.stringify(worst)}`);
  }
});

test("float64 exp inside gelu: Phi's far tails keep their relative accuracy", () => {
  // Phi(z) for z in [-30, -1]: gelu(z) / z = Phi(z), so relative accuracy is visible directly
  const z = Float64Array.from({ length: 291 }, (_, i) => -30 + i * 0.1);
  for (const v of VARIANTS) {
    const [h] = valueAndSlope("gelu", v, z);
    let worst = 0;
    for (let i = 0; i < z.length; i++) {
      const want = normalCdfRef(z[i]);
      // the reference's own error and the rounding of z^2/2 in exp(-z^2/2): ~z^2 u
      const tol = (8 + z[i] * z[i]) * U * 4;
      const err = Math.abs(h[i] / z[i] - want) / want;
      assert.ok(err < tol, `${v}: Phi(${z[i]}) ${h[i] / z[i]} vs ${want}: ${err}`);
      worst = Math.max(worst, err / ((8 + z[i] * z[i]) * U));
    }
    console.log(`# ${v}: worst Phi tail error ${worst.toFixed(2)} (z^2 + 8) u`);
  }
});

/** Exact adjoint of the Faa di Bruno forward in float64: dZ_j = sum_c dH_c dH_c/dZ_j. */
function jetActivateVjp64(
  layout: JetLayout,
  act: Act,
  Z: Float64Array[],
  dH: Float64Array[],
): Float64Array[] {
  const K = layout.channels.length;
  const E = Z[0].length;
  const dZ = Array.from({ length: K }, () => new Float64Array(E));
  for (let e = 0; e < E; e++) {
    const f = activationDerivs64(act, Z[0][e], layout.maxOrder + 1);
    layout.fdb.forEach((terms, c) => {
      for (const t of terms) {
        let prod = t.coef * dH[c][e];
        for (const b of t.channels) prod *= Z[b][e];
        dZ[0][e] += f[t.order + 1] * prod;
        t.channels.forEach((j, pos) => {
          let p = t.coef * dH[c][e] * f[t.order];
          t.channels.forEach((b, q) => {
            if (q !== pos) p *= Z[b][e];
          });
          dZ[j][e] += p;
        });
      }
    });
  }
  return dZ;
}

for (const [name, dims, wanted] of LAYOUTS) {
  test(`float64 jet rule forward and backward, ${name}: vs exact float64 derivatives`, () => {
    const layout = jetLayout(dims, wanted);
    const K = layout.channels.length;
    const E = 15; // seven vector steps and a scalar tail
    for (const act of ACTS) {
      const Z = randomJet(K, E, 11 + dims * 7 + wanted.length);
      const dH = randomJet(K, E, 99 + dims);
      const h64 = jetActivate64(layout, act, Z);
      const dZ64 = jetActivateVjp64(layout, act, Z, dH);
      for (const v of VARIANTS) {
        const rule = JetRule.create(rt, layout, act, v, "f64");
        const mark = rt.arena.mark();
        const zp = upload(Z);
        const hp = rt.arena.allocF64(K * E);
        const sp = rt.arena.allocF64(Math.max(1, rule.saves) * E);
        rule.forward(zp, hp, sp, E);
        const H = download(hp, K, E);
        const dhp = upload(dH);
        const dzp = rt.arena.allocF64(K * E);
        rule.backward(dhp, zp, hp, sp, dzp, E);
        const dZ = download(dzp, K, E);
        rule.backward(dhp, zp, hp, sp, dhp, E);
        const dZin = download(dhp, K, E);
        rt.arena.release(mark);
        for (let c = 0; c < K; c++) {
          // channels reach ~1e2 (Faa di Bruno coefficients times products of up to 4 channels);
          // errors relative to max(1, |channel|) are a few dozen float64 roundings
          const ef = scaledError(H[c], h64[c]);
          const eb = scaledError(dZ[c], dZ64[c]);
          assert.ok(ef < 1e-14, `${act} ${v} fwd channel ${c}: ${ef}`);
          assert.ok(eb < 1e-14, `${act} ${v} bwd channel ${c}: ${eb}`);
          assert.deepEqual(dZin[c], dZ[c], `${act} ${v}: in-place backward differs`);
        }
      }
    }
  });
}

test("float64 jet rule backward passes a central finite-difference dot-product test", () => {
  const layout = jetLayout(2, [
    [0, 0, 1, 1],
    [0, 1, 1],
  ]);
  const K = layout.channels.length;
  const E = 13;
  for (const act of ACTS) {
    const Z = randomJet(K, E, 5);
    const dH = randomJet(K, E, 6);
    const V = randomJet(K, E, 7);
    for (const v of VARIANTS) {
      const rule = JetRule.create(rt, layout, act, v, "f64");
      // the kernel's own forward pass is differentiated, not the JS reference
      const phi = (eps: number) => {
        const mark = rt.arena.mark();
        const zp = upload(Z.map((c, k) => c.map((x, i) => x + eps * V[k][i])));
        const hp = rt.arena.allocF64(K * E);
        const sp = rt.arena.allocF64(Math.max(1, rule.saves) * E);
        rule.forward(zp, hp, sp, E);
        const H = download(hp, K, E);
        rt.arena.release(mark);
        let s = 0;
        for (let k = 0; k < K; k++) for (let i = 0; i < E; i++) s += dH[k][i] * H[k][i];
        return s;
      };
      const h = 1e-4;
      // fourth-order central difference: truncation ~h^4, rounding ~u / h
      const fd = (8 * (phi(h) - phi(-h)) - (phi(2 * h) - phi(-2 * h))) / (12 * h);
      const mark = rt.arena.mark();
      const zp = upload(Z);
      const hp = rt.arena.allocF64(K * E);
      const sp = rt.arena.allocF64(Math.max(1, rule.saves) * E);
      rule.forward(zp, hp, sp, E);
      const dhp = upload(dH);
      rule.backward(dhp, zp, hp, sp, dhp, E);
      const dZ = download(dhp, K, E);
      rt.arena.release(mark);
      let dot = 0;
      let scale = 0;
      for (let k = 0; k < K; k++)
        for (let i = 0; i < E; i++) {
          dot += dZ[k][i] * V[k][i];
          scale += Math.abs(dZ[k][i] * V[k][i]);
        }
      assert.ok(Math.abs(dot - fd) < 1e-9 * scale, `${act} ${v}: ${dot} vs fd ${fd}`);
    }
  }
});

test("float64 Leibniz product rule: forward, backward (overwrite, accumulate, mixed) vs exact", () => {
  for (const [dims, wanted] of [
    [1, [[0, 0, 0, 0]]],
    [2, [[0], [1, 1]]],
    [3, [[0, 1, 2]]],
  ] as [number, MultiIndex[]][]) {
    const layout = jetLayout(dims, wanted);
    const K = layout.channels.length;
    const E = 21;
    const A = randomJet(K, E, 1);
    const B = randomJet(K, E, 2);
    const dP = randomJet(K, E, 3);
    const p64 = jetMul64(layout, A, B);
    // exact adjoints of the bilinear rule
    const dA64 = Array.from({ length: K }, () => new Float64Array(E));
    const dB64 = Array.from({ length: K }, () => new Float64Array(E));
    layout.leibniz.forEach((terms, c) => {
      for (const t of terms)
        for (let e = 0; e < E; e++) {
          dA64[t.left][e] += t.coef * dP[c][e] * B[t.right][e];
          dB64[t.right][e] += t.coef * dP[c][e] * A[t.left][e];
        }
    });
    for (const v of VARIANTS) {
      const rule = LeibnizRule.create(rt, layout, v, "f64");
      const mark = rt.arena.mark();
      const ap = upload(A);
      const bp = upload(B);
      const pp = rt.arena.allocF64(K * E);
      rule.forward(ap, bp, pp, E);
      const P = download(pp, K, E);
      const dpp = upload(dP);
      const fill = (x: number) => Array.from({ length: K }, () => new Float64Array(E).fill(x));
      const dap = upload(fill(0.5));
      const dbp = upload(fill(-0.25));
      rule.backward(dpp, ap, bp, dap, dbp, E, true);
      const dAacc = download(dap, K, E);
      const dBacc = download(dbp, K, E);
      rule.backward(dpp, ap, bp, dap, dbp, E);
      const dA = download(dap, K, E);
      const dB = download(dbp, K, E);
      const dbp2 = upload(fill(-0.25));
      rule.backwardAccumulateB(dpp, ap, bp, dpp, dbp2, E);
      const dAmix = download(dpp, K, E);
      const dBmix = download(dbp2, K, E);
      rt.arena.release(mark);
      for (let c = 0; c < K; c++) {
        assert.ok(scaledError(P[c], p64[c]) < 1e-14, `fwd ${c}`);
        assert.ok(scaledError(dA[c], dA64[c]) < 1e-14, `dA ${c}`);
        assert.ok(scaledError(dB[c], dB64[c]) < 1e-14, `dB ${c}`);
        assert.ok(
          scaledError(
            dAacc[c],
            dA64[c].map((x) => x + 0.5),
          ) < 1e-14,
          `dA acc ${c}`,
        );
        assert.ok(
          scaledError(
            dBacc[c],
            dB64[c].map((x) => x - 0.25),
          ) < 1e-14,
          `dB acc ${c}`,
        );
        assert.deepEqual(dAmix[c], dA[c], `dA in place ${c}`);
        assert.deepEqual(dBmix[c], dBacc[c], `dB accumulated ${c}`);
      }
    }
  }
});

test("float64 element-wise add and sub are exact float64 sums, any length, in place", () => {
  const ew = ElementwiseKernels.create(rt, "f64");
  for (const n of [1, 2, 7, 64, 1003]) {
    const a = rand64(n, 3 + n);
    const b = rand64(n, 5 + n);
    const mark = rt.arena.mark();
    const [ap, bp] = [upload([a]), upload([b])];
    const cp = rt.arena.allocF64(n);
    ew.add(ap, bp, cp, n);
    const sum = download(cp, 1, n)[0];
    ew.sub(ap, bp, ap, n);
    const diff = download(ap, 1, n)[0];
    rt.arena.release(mark);
    assert.deepEqual(
      sum,
      a.map((x, i) => x + b[i]),
    );
    assert.deepEqual(
      diff,
      a.map((x, i) => x - b[i]),
    );
  }
});

test("float64 bias add and bias gradient on widths that are and are not multiples of 2 and 8", () => {
  const bias = BiasKernels.create(rt, "f64");
  for (const [n, w] of [
    [1, 1],
    [7, 3],
    [9, 8],
    [33, 37],
    [5, 64],
  ]) {
    const Z = rand64(n * w, n + w);
    const b = rand64(w, 3 * w);
    const mark = rt.arena.mark();
    const zp = rt.upload64(Z);
    const bp = rt.upload64(b);
    bias.add(zp, bp, n, w);
    const out = Float64Array.from(rt.f64(zp, n * w));
    const db0 = rand64(w, 5);
    const dbp = rt.upload64(db0);
    bias.grad(zp, dbp, n, w);
    const db = Float64Array.from(rt.f64(dbp, w));
    rt.arena.release(mark);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < w; j++) assert.equal(out[i * w + j], Z[i * w + j] + b[j]);
    for (let j = 0; j < w; j++) {
      // the kernel sums rows in order from db0: exactly the sequential float64 sum
      let s = db0[j];
      for (let i = 0; i < n; i++) s += out[i * w + j];
      assert.equal(db[j], s, `${n}x${w} col ${j}`);
    }
  }
});
