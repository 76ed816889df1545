// The fused jet rules: activation accuracy, Faa di Bruno forward vs jax-js `activate` and a
// float64 reference, backward vs jax-js `vjp` of `activate` and a float64 finite-difference
// dot-product test, the Leibniz product rule, element-wise sums and the bias kernels; plain and
// relaxed builds.
import assert from "node:assert/strict";
import { test } from "node:test";
import { grad, np, startEngine, vjp } from "../../src/engine/index.js";
import { type Jet, activate, mulJets } from "../../src/jet/jet.js";
import { type JetLayout, type MultiIndex, jetLayout } from "../../src/jet/multiindex.js";
import { KernelRuntime, type SimdVariant } from "../../src/kernels/assemble.js";
import { ElementwiseKernels } from "../../src/kernels/elementwise.js";
import { BiasKernels, JetRule, LeibnizRule } from "../../src/kernels/jetrule.js";
import { activationDerivs64, jetActivate64, jetMul64, rand, scaledError } from "./helpers.js";

await startEngine();
const rt = await KernelRuntime.create();
const VARIANTS: SimdVariant[] = rt.features.relaxedSimd ? ["plain", "relaxed"] : ["plain"];
const ACTS = ["tanh", "sin", "gelu"] as const;

/** Layouts of orders 1-4 in 1-3 dims, with mixed partials. */
const LAYOUTS: [string, number, MultiIndex[]][] = [
  ["1d order 1", 1, [[0]]],
  ["1d order 4", 1, [[0, 0, 0, 0]]],
  ["2d burgers (t, x, xx)", 2, [[0], [1, 1]]],
  ["2d mixed order 2", 2, [[0, 1]]],
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
  ["3d mixed order 3", 3, [[0, 1, 2]]],
  ["3d mixed order 4", 3, [[0, 1, 2, 2]]],
];

/** Run a kernel on uploaded channels; returns the channels read back. */
function upload(chs: Float32Array[]): number {
  const E = chs[0].length;
  const p = rt.arena.allocF32(chs.length * E);
  chs.forEach((c, k) => rt.f32(p + 4 * k * E, E).set(c));
  return p;
}
function download(p: number, K: number, E: number): Float32Array[] {
  return Array.from({ length: K }, (_, k) => Float32Array.from(rt.f32(p + 4 * k * E, E)));
}

/** Random pre-activation channels: z0 in [-3, 3] (both tanh branches, several sin quadrants), rest in [-1.5, 1.5]. */
function randomJet(K: number, E: number, seed: number): Float32Array<ArrayBuffer>[] {
  return Array.from({ length: K }, (_, c) =>
    rand(E, seed + 17 * c, c === 0 ? -3 : -1.5, c === 0 ? 3 : 1.5),
  );
}

function jaxJet(layout: JetLayout, chs: Float32Array<ArrayBuffer>[], n: number, w: number): Jet {
  return { layout, ch: chs.map((c) => np.array(c, { shape: [n, w], dtype: np.float32 })) };
}

test("tanh, sin and gelu lanes are accurate to ~1e-7 over a dense grid (vector body and scalar tail)", () => {
  const layout = jetLayout(1, [[0]]);
  for (const act of ACTS) {
    for (const v of VARIANTS) {
      const rule = JetRule.create(rt, layout, act, v);
      // 4003 points: not a multiple of 4, so the scalar tail runs too
      const E = 4003;
      const z = Float32Array.from({ length: E }, (_, i) => -12 + (24 * i) / (E - 1));
      const mark = rt.arena.mark();
      const Z = upload([z, new Float32Array(E).fill(1)]);
      const H = rt.arena.allocF32(2 * E);
      const S = rt.arena.allocF32(E);
      rule.forward(Z, H, S, E);
      const [h, h1] = download(H, 2, E);
      let err0 = 0;
      let err1 = 0;
      for (let i = 0; i < E; i++) {
        const [f, df] = activationDerivs64(act, z[i], 1);
        // gelu grows like z: its error is relative to max(1, |f|), tanh's and sin's are absolute
        const scale = act === "gelu" ? Math.max(1, Math.abs(f)) : 1;
        err0 = Math.max(err0, Math.abs(h[i] - f) / scale);
        err1 = Math.max(err1, Math.abs(h1[i] - df));
      }
      rt.arena.release(mark);
      // float32 rounding of the result alone is up to 6e-8 near |f| = 1; allow 2.5 ulps of 1
      // (gelu: A&S 26.2.17 is within 7.5e-8 for Phi, times |z| in z Phi: observed 2.1e-7)
      const tol = act === "gelu" ? 3e-7 : 1.5e-7;
      assert.ok(err0 < tol, `${act} ${v}: |f - f64| = ${err0}`);
      assert.ok(err1 < 3e-7, `${act} ${v}: |f' - f64| = ${err1}`);
    }
  }
});

for (const [name, dims, wanted] of LAYOUTS) {
  test(`jet rule forward and backward, ${name}: vs jax-js activate / vjp and float64`, () => {
    const layout = jetLayout(dims, wanted);
    const K = layout.channels.length;
    // N * w = 15: three vector steps and a 3-element scalar tail
    const n = 5;
    const w = 3;
    const E = n * w;
    for (const act of ACTS) {
      const Z = randomJet(K, E, 11 + dims * 7 + wanted.length);
      const dH = randomJet(K, E, 99 + dims);
      // jax-js reference (float32)
      const hJax = activate(jaxJet(layout, Z, n, w), act).ch.map((c) => (c as np.Array).dataSync());
      // VJP as the gradient of <dH, H(Z)>: jax-js's `vjp` with a list of outputs fails inside
      // its partial evaluator on this function ("Invalid atom type"), `grad` of the scalar works
      const dHJax = dH.map((c) => np.array(c, { shape: [n, w], dtype: np.float32 }));
      const dZJaxArrs = grad((chs: np.Array[]) => {
        const h = activate({ layout, ch: chs }, act).ch as np.Array[];
        return h.map((c, k) => c.mul(dHJax[k].ref).sum()).reduce((a, b) => a.add(b));
      })(Z.map((c) => np.array(c, { shape: [n, w], dtype: np.float32 })));
      for (const a of dHJax) a.dispose();
      const dZJax = dZJaxArrs.map((c) => c.dataSync());
      // float64 reference of the forward pass
      const h64 = jetActivate64(layout, act, Z);

      for (const v of VARIANTS) {
        const rule = JetRule.create(rt, layout, act, v);
        const mark = rt.arena.mark();
        const zp = upload(Z);
        const hp = rt.arena.allocF32(K * E);
        const sp = rt.arena.allocF32(Math.max(1, rule.saves) * E);
        rule.forward(zp, hp, sp, E);
        const H = download(hp, K, E);
        const dhp = upload(dH);
        const dzp = rt.arena.allocF32(K * E);
        rule.backward(dhp, zp, hp, sp, dzp, E);
        const dZ = download(dzp, K, E);
        // in place: dZ written over dH gives the same result
        rule.backward(dhp, zp, hp, sp, dhp, E);
        const dZin = download(dhp, K, E);
        rt.arena.release(mark);

        for (let c = 0; c < K; c++) {
          // Errors are relative to the channel's scale (products of up to 4 channels with
          // |Z| <= 3 and Faa di Bruno coefficients reach ~1e2). Against float64 the kernel's error
          // is a few float32 roundings (observed <= 6e-7); jax-js's own float32 evaluation is
          // less accurate (observed up to 2.1e-6 vs float64, from its poly-in-tanh derivatives),
          // so the comparisons with jax-js get the sum of both.
          const e64 = scaledError(H[c], h64[c]);
          const eJax = scaledError(H[c], hJax[c]);
          assert.ok(e64 < 1.5e-6, `${act} ${v} fwd channel ${c}: vs float64 ${e64}`);
          assert.ok(eJax < 5e-6, `${act} ${v} fwd channel ${c}: vs jax-js ${eJax}`);
          const eb = scaledError(dZ[c], dZJax[c]);
          assert.ok(eb < 5e-6, `${act} ${v} bwd channel ${c}: vs jax-js vjp ${eb}`);
          assert.deepEqual(dZin[c], dZ[c], `${act} ${v}: in-place backward differs`);
        }
      }
    }
  });
}

test("jet rule backward passes a float64 finite-difference dot-product test", () => {
  // <dH, J v> == <dZ, v>: J v by central differences of the float64 forward reference
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
    const phi = (eps: number) => {
      const Ze = Z.map((c, k) => Float64Array.from(c, (x, i) => x + eps * V[k][i]));
      const H = jetActivate64(layout, act, Ze);
      let s = 0;
      for (let k = 0; k < K; k++) for (let i = 0; i < E; i++) s += dH[k][i] * H[k][i];
      return s;
    };
    const h = 1e-5;
    const fd = (phi(h) - phi(-h)) / (2 * h);
    for (const v of VARIANTS) {
      const rule = JetRule.create(rt, layout, act, v);
      const mark = rt.arena.mark();
      const zp = upload(Z);
      const hp = rt.arena.allocF32(K * E);
      const sp = rt.arena.allocF32(Math.max(1, rule.saves) * E);
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
      // float32 adjoint vs a float64 derivative: relative to the sum of |terms|
      assert.ok(Math.abs(dot - fd) < 2e-6 * scale, `${act} ${v}: ${dot} vs fd ${fd}`);
    }
  }
});

test("Leibniz product rule: forward vs jax-js mulJets, backward vs vjp, overwrite, accumulate, mixed", () => {
  for (const [dims, wanted] of [
    [1, [[0, 0, 0, 0]]],
    [2, [[0], [1, 1]]],
    [3, [[0, 1, 2]]],
  ] as [number, MultiIndex[]][]) {
    const layout = jetLayout(dims, wanted);
    const K = layout.channels.length;
    const n = 3;
    const w = 7;
    const E = n * w;
    const A = randomJet(K, E, 1);
    const B = randomJet(K, E, 2);
    const dP = randomJet(K, E, 3);
    const toJ = (chs: Float32Array<ArrayBuffer>[]) =>
      chs.map((c) => np.array(c, { shape: [n, w], dtype: np.float32 }));
    const pJax = mulJets({ layout, ch: toJ(A) }, { layout, ch: toJ(B) }).ch.map((c) =>
      (c as np.Array).dataSync(),
    );
    const [out, vjpFn] = vjp(
      (a: np.Array[], b: np.Array[]) =>
        mulJets({ layout, ch: a }, { layout, ch: b }).ch as np.Array[],
      [toJ(A), toJ(B)],
    );
    for (const o of out) o.dispose();
    const [dAJ, dBJ] = vjpFn(toJ(dP));
    vjpFn.dispose();
    const dAJax = dAJ.map((c) => c.dataSync());
    const dBJax = dBJ.map((c) => c.dataSync());
    const p64 = jetMul64(layout, A, B);
    for (const v of VARIANTS) {
      const rule = LeibnizRule.create(rt, layout, v);
      const mark = rt.arena.mark();
      const ap = upload(A);
      const bp = upload(B);
      const pp = rt.arena.allocF32(K * E);
      rule.forward(ap, bp, pp, E);
      const P = download(pp, K, E);
      const dpp = upload(dP);
      const dap = upload(Array.from({ length: K }, () => new Float32Array(E).fill(0.5)));
      const dbp = upload(Array.from({ length: K }, () => new Float32Array(E).fill(-0.25)));
      rule.backward(dpp, ap, bp, dap, dbp, E, true);
      const dAacc = download(dap, K, E);
      const dBacc = download(dbp, K, E);
      rule.backward(dpp, ap, bp, dap, dbp, E);
      const dA = download(dap, K, E);
      const dB = download(dbp, K, E);
      // mixed mode (the modified MLP's gate): dA replaces dP in place, dB is added to
      const dbp2 = upload(Array.from({ length: K }, () => new Float32Array(E).fill(-0.25)));
      rule.backwardAccumulateB(dpp, ap, bp, dpp, dbp2, E);
      const dAmix = download(dpp, K, E);
      const dBmix = download(dbp2, K, E);
      rt.arena.release(mark);
      for (let c = 0; c < K; c++) {
        assert.ok(scaledError(P[c], p64[c]) < 1e-6, `fwd ${c}`);
        assert.ok(scaledError(P[c], pJax[c]) < 2e-6, `fwd vs jax ${c}`);
        assert.ok(scaledError(dA[c], dAJax[c]) < 2e-6, `dA ${c}`);
        assert.ok(scaledError(dB[c], dBJax[c]) < 2e-6, `dB ${c}`);
        // accumulate mode added to the initial 0.5 / -0.25
        assert.ok(
          scaledError(
            dAacc[c].map((x) => x - 0.5),
            dA[c],
          ) < 1e-6,
          `dA acc ${c}`,
        );
        assert.ok(
          scaledError(
            dBacc[c].map((x) => x + 0.25),
            dB[c],
          ) < 1e-6,
          `dB acc ${c}`,
        );
        assert.deepEqual(dAmix[c], dA[c], `dA in place ${c}`);
        assert.deepEqual(dBmix[c], dBacc[c], `dB accumulated ${c}`);
      }
    }
  }
});

test("element-wise add and sub on lengths with and without a scalar tail, in place", () => {
  const ew = ElementwiseKernels.create(rt);
  for (const n of [1, 4, 7, 64, 1003]) {
    const a = rand(n, 3 + n);
    const b = rand(n, 5 + n);
    const mark = rt.arena.mark();
    const [ap, bp] = [upload([a]), upload([b])];
    const cp = rt.arena.allocF32(n);
    ew.add(ap, bp, cp, n);
    const sum = download(cp, 1, n)[0];
    ew.sub(ap, bp, ap, n);
    const diff = download(ap, 1, n)[0];
    rt.arena.release(mark);
    // float32 sums of float32 numbers: exactly what Math.fround of the float64 sum gives
    assert.deepEqual(
      sum,
      a.map((x, i) => Math.fround(x + b[i])),
    );
    assert.deepEqual(
      diff,
      a.map((x, i) => Math.fround(x - b[i])),
    );
  }
});

test("bias add and bias gradient on widths that are and are not multiples of 4 and 16", () => {
  const bias = BiasKernels.create(rt);
  for (const [n, w] of [
    [1, 1],
    [7, 3],
    [9, 16],
    [33, 37],
    [5, 64],
  ]) {
    const Z = rand(n * w, n + w);
    const b = rand(w, 3 * w);
    const mark = rt.arena.mark();
    const zp = rt.upload(Z);
    const bp = rt.upload(b);
    bias.add(zp, bp, n, w);
    const out = Float32Array.from(rt.f32(zp, n * w));
    const db0 = rand(w, 5);
    const dbp = rt.upload(db0);
    bias.grad(zp, dbp, n, w);
    const db = Float32Array.from(rt.f32(dbp, w));
    rt.arena.release(mark);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < w; j++) assert.equal(out[i * w + j], Math.fround(Z[i * w + j] + b[j]));
    for (let j = 0; j < w; j++) {
      let s = db0[j];
      for (let i = 0; i < n; i++) s += out[i * w + j];
      // a sum of n float32 terms of size <= 2: n roundings of at most 2^-24 * 2 n
      assert.ok(Math.abs(db[j] - s) < 1e-7 * n * n + 1e-7, `${n}x${w} col ${j}: ${db[j]} vs ${s}`);
    }
  }
});
