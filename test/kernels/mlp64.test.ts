// KernelMlp in float64 on every network kind (plain MLP, modified MLP, periodic embedding, Fourier
// features, weight factorisation, their combination): forward jets against the independent float64
// JS reference and jax-js float64 `applyJet`, the parameter gradient of sum_k <c_k, out_k> against
// jax-js float64 `valueAndGrad` and against central finite differences of the kernel's own forward
// pass, Adam against a JS float64 reference, and the Float64Array exchange of parameters, gradient
// and Adam state.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startEngine, tree } from "../../src/engine/index.js";
import { type MultiIndex, jetLayout } from "../../src/jet/multiindex.js";
import { type NetConfig, createNetwork } from "../../src/nets/network.js";
import { KernelRuntime, type SimdVariant } from "../../src/kernels/assemble.js";
import { AdamKernel } from "../../src/kernels/adam.js";
import { KernelMlp, mlpParamLayout } from "../../src/kernels/mlp.js";
import {
  flatLeaves64,
  jaxOracle64,
  kernelNetConfig,
  netForward64,
  netSpec64,
  rand64,
  relError,
  scaledError,
} from "./helpers.js";

await startEngine();
const rt = await KernelRuntime.create();
const VARIANTS: SimdVariant[] = rt.features.relaxedSimd ? ["plain", "relaxed"] : ["plain"];

const f64 = (patch: Partial<NetConfig>) => kernelNetConfig({ precision: "float64", ...patch });
const box3 = { inputs: 3, lo: [0, -1, 2], hi: [1, 1, 3] };
const box1 = { inputs: 1, lo: [-1], hi: [2], outputs: 1 };
const combo: Partial<NetConfig> = {
  arch: "modified-mlp",
  fourier: { features: 5, scale: 1.5 },
  periodic: [{ input: 1, period: 3 }],
  rwf: { mean: 0.5, std: 0.1 },
};

/** Points in the box of a config, float64 (not float32-rounded), row-major [N, inputs]. */
function points64(c: NetConfig, N: number, seed: number): Float64Array {
  const u = rand64(N * c.inputs, seed, 0, 1);
  return u.map((x, i) => c.lo[i % c.inputs] + x * (c.hi[i % c.inputs] - c.lo[i % c.inputs]));
}

const CASES: [string, Partial<NetConfig>, number, MultiIndex[]][] = [
  ["plain mlp, burgers (t, x, xx)", {}, 19, [[0], [1, 1]]],
  ["plain mlp, gelu, mixed order 4 (ttxx)", { activation: "gelu" }, 7, [[0, 0, 1, 1]]],
  [
    "fourier, sin, 3 inputs, laplacian",
    { ...box3, activation: "sin", fourier: { features: 4, scale: 0.8 } },
    9,
    [
      [0, 0],
      [1, 1],
      [2, 2],
    ],
  ],
  ["periodic x, kdv (t, xxx)", { periodic: [{ input: 1, period: 3 }] }, 21, [[0], [1, 1, 1]]],
  [
    "periodic x with the seam feature, allen-cahn (t, xx)",
    { periodic: [{ input: 1, period: 3, seam: true }] },
    15,
    [[0], [1, 1]],
  ],
  [
    "combo with the seam feature, order 3",
    { ...combo, periodic: [{ input: 1, period: 3, seam: true }] },
    8,
    [[0, 1, 1]],
  ],
  ["rwf, 3 inputs, mixed order 3", { ...box3, rwf: { mean: 0.5, std: 0.1 } }, 11, [[0, 1, 2]]],
  [
    "modified-mlp, 1 input, order 4",
    { ...box1, arch: "modified-mlp", depth: 3 },
    13,
    [[0, 0, 0, 0]],
  ],
  ["combo (modified + fourier + periodic + rwf), burgers", combo, 17, [[0], [1, 1]]],
];

for (const [name, patch, N, wanted] of CASES) {
  test(`KernelMlp float64 ${name}: forward vs float64 reference and jax-js, gradient vs valueAndGrad`, () => {
    const c = f64(patch);
    const net = createNetwork(c, 3);
    const params = net.init(4);
    const flat = flatLeaves64(params);
    const layout = jetLayout(c.inputs, wanted);
    const K = layout.channels.length;
    const X = points64(c, N, 7);
    const weights = layout.channels.map((_, k) => rand64(N * c.outputs, 50 + k));
    const { outJax, lossJax, gJax } = jaxOracle64(net, params, layout, X, N, weights);
    const out64 = netForward64(netSpec64(net), flat, layout, X);
    for (const v of VARIANTS) {
      const km = KernelMlp.withRuntime(rt, c, { variant: v, constants: net.constants });
      assert.equal(km.dtype, "f64");
      km.loadParams(flat);
      const out = km.forward(layout, X, N);
      assert.ok(out[0] instanceof Float64Array);
      let loss = 0;
      let lossScale = 0;
      for (let k = 0; k < K; k++) {
        // against the float64 JS reference (Math.tanh/sin/exp, an erf series): float64 rounding
        // through a few layers; against jax-js float64, whose tanh/sin/exp are float32-accurate
        // (~1e-7 absolute), that error through the layers and the derivative channels
        const e64 = scaledError(out[k], out64[k]);
        const ej = scaledError(out[k], outJax[k]);
        assert.ok(e64 < 1e-13, `${v} channel ${k}: vs float64 reference ${e64}`);
        assert.ok(ej < 2e-6, `${v} channel ${k}: vs jax-js float64 ${ej}`);
        for (let i = 0; i < out[k].length; i++) {
          loss += weights[k][i] * out[k][i];
          lossScale += Math.abs(weights[k][i] * out[k][i]);
        }
      }
      assert.ok(
        // a sum of terms each within jax-js's float32-accurate error: relative to sum |terms|
        Math.abs(loss - lossJax) < 2e-6 * lossScale,
        `${v} loss ${loss} vs ${lossJax}`,
      );
      km.zeroGrad();
      km.backward(weights);
      const g = km.grad();
      assert.ok(g instanceof Float64Array);
      const e = relError(g, gJax);
      assert.ok(e < 2e-6, `${v}: gradient vs jax-js float64 valueAndGrad: ${e}`);
      console.log(
        `# ${name} ${v}: fwd vs jax ${scaledError(out[0], outJax[0]).toExponential(1)}, grad vs jax ${e.toExponential(1)}`,
      );
    }
    tree.dispose(params);
  });
}

test("KernelMlp float64 gradient vs central finite differences of its own forward pass, every kind", () => {
  const kinds: [string, Partial<NetConfig>][] = [
    ["plain", {}],
    ["fourier", { fourier: { features: 3, scale: 1 } }],
    ["periodic", { periodic: [{ input: 1, period: 3 }], activation: "sin" }],
    ["seam", { periodic: [{ input: 1, period: 3, seam: true }] }],
    ["rwf", { rwf: { mean: 0.5, std: 0.2 }, activation: "gelu" }],
    ["modified-mlp", { arch: "modified-mlp" }],
    ["combo", { ...combo, fourier: { features: 3, scale: 1 } }],
  ];
  for (const [name, patch] of kinds) {
    const c = f64({ width: 3, depth: 2, outputs: 1, ...patch });
    const net = createNetwork(c, 9);
    const layout = jetLayout(2, [[0], [1, 1]]);
    const K = layout.channels.length;
    const N = 5;
    const X = points64(c, N, 11);
    const { count } = mlpParamLayout(c);
    const P = rand64(count, 12, -0.8, 0.8);
    const weights = layout.channels.map((_, k) => rand64(N, 60 + k));
    for (const v of VARIANTS) {
      const km = KernelMlp.withRuntime(rt, c, { variant: v, constants: net.constants });
      const loss = (p: ArrayLike<number>) => {
        km.loadParams(p);
        const out = km.forward(layout, X, N);
        let s = 0;
        for (let k = 0; k < K; k++) for (let i = 0; i < N; i++) s += weights[k][i] * out[k][i];
        return s;
      };
      // fourth-order central differences: truncation ~h^4 f^(5) ~ 1e-12, rounding ~u / h ~ 1e-13
      const h = 1e-3;
      const fd = new Float64Array(count);
      const pp = Float64Array.from(P);
      for (let i = 0; i < count; i++) {
        const at = (d: number) => {
          pp[i] = P[i] + d;
          const s = loss(pp);
          pp[i] = P[i];
          return s;
        };
        fd[i] = (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h);
      }
      km.loadParams(P);
      km.forward(layout, X, N);
      km.zeroGrad();
      km.backward(weights);
      const e = relError(km.grad(), fd);
      assert.ok(e < 1e-9, `${name} ${v}: gradient vs float64 finite differences ${e}`);
      console.log(`# ${name} ${v}: gradient vs finite differences ${e.toExponential(1)}`);
    }
  }
});

test("Adam float64 kernel equals a JS float64 reference update bit for bit over 5 steps", () => {
  const n = 37; // 18 vectors and a scalar tail
  const kernel = AdamKernel.create(rt, "f64");
  for (const o of [
    { b1: 0.9, b2: 0.999, eps: 1e-8 },
    { b1: 0.8, b2: 0.99, eps: 1e-6 },
  ]) {
    const p = rand64(n, 1);
    const m = new Float64Array(n);
    const vv = new Float64Array(n);
    const mark = rt.arena.mark();
    const P = rt.upload64(p);
    const M = rt.upload64(m);
    const V = rt.upload64(vv);
    const G = rt.arena.allocF64(n);
    let b1t = 1;
    let b2t = 1;
    for (const [step, lr] of [1e-3, 5e-3, 1e-2, 2e-3, 1e-3].entries()) {
      const g = rand64(n, 100 + step, -2, 2);
      rt.f64(G, n).set(g);
      b1t *= o.b1;
      b2t *= o.b2;
      kernel.step(P, M, V, G, n, lr, 1 - b1t, 1 - b2t, o);
      // adamUpdate's operations in its order, in float64
      const stepSize = lr / (1 - b1t);
      const rc2 = Math.sqrt(1 - b2t);
      for (let i = 0; i < n; i++) {
        m[i] = m[i] * o.b1 + g[i] * (1 - o.b1);
        vv[i] = vv[i] * o.b2 + g[i] * g[i] * (1 - o.b2);
        p[i] = p[i] - (m[i] * stepSize) / (Math.sqrt(vv[i]) / rc2 + o.eps);
      }
    }
    assert.deepEqual(Array.from(rt.f64(P, n)), Array.from(p));
    assert.deepEqual(Array.from(rt.f64(M, n)), Array.from(m));
    assert.deepEqual(Array.from(rt.f64(V, n)), Array.from(vv));
    rt.arena.release(mark);
  }
});

test("KernelMlp float64 exchanges Float64Array parameters, gradient and Adam state unrounded", () => {
  const c = f64(combo);
  const net = createNetwork(c, 1);
  const km = KernelMlp.withRuntime(rt, c, { constants: net.constants });
  // values that float32 cannot hold
  const P = rand64(km.paramCount, 3, -0.5, 0.5);
  assert.ok(P.some((x) => Math.fround(x) !== x));
  km.loadParams(P);
  const back = km.params();
  assert.ok(back instanceof Float64Array);
  assert.deepEqual(Array.from(back), Array.from(P));
  const layout = jetLayout(2, [[0], [1, 1]]);
  const X = points64(c, 10, 2);
  for (let step = 0; step < 2; step++) {
    km.forward(layout, X, 10);
    km.zeroGrad();
    km.backward(layout.channels.map((_, k) => rand64(20, 7 * step + k)));
    km.adamStep(1e-2);
  }
  const s = km.adamState();
  assert.ok(s.m instanceof Float64Array && s.v instanceof Float64Array);
  // b^t are float64 running products, as jax-js float64's AdamState keeps them
  assert.equal(s.b1t, 0.9 * 0.9);
  assert.equal(s.b2t, 0.999 * 0.999);
  const params = km.params();
  const km2 = KernelMlp.withRuntime(rt, c, { constants: net.constants });
  km2.loadParams(params);
  km2.loadAdamState(s);
  // same state and gradient: the same next step, bit for bit
  for (const k of [km, km2]) {
    k.forward(layout, X, 10);
    k.zeroGrad();
    k.backward(layout.channels.map((_, i) => rand64(20, 90 + i)));
    k.adamStep(1e-2);
  }
  assert.deepEqual(Array.from(km2.params()), Array.from(km.params()));
  assert.deepEqual(Array.from(km2.grad()), Array.from(km.grad()));
});
