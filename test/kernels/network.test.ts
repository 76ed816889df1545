// KernelMlp on every network kind of createNetwork beyond the plain MLP: Fourier features, the
// periodic embedding, random weight factorisation, the modified MLP, and their combination.
// Parameter order vs tree.leaves, forward vs applyJet and a float64 reference, the gradient of
// sum_k <c_k, out_k> vs jax-js valueAndGrad through applyJet and vs float64 finite differences,
// effective weights after Adam, flat memory.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fromData, np, startEngine, tree } from "../../src/engine/index.js";
import { inputJet } from "../../src/jet/jet.js";
import { type MultiIndex, jetLayout } from "../../src/jet/multiindex.js";
import { type NetConfig, type NetParams, createNetwork } from "../../src/nets/network.js";
import { KernelRuntime, type SimdVariant } from "../../src/kernels/assemble.js";
import { KernelMlp, kernelMlpUnsupported, mlpParamLayout } from "../../src/kernels/mlp.js";
import {
  netForward64,
  netSpec64,
  rand,
  relError,
  scaledError,
  flatLeaves,
  jaxOracle,
  kernelNetConfig,
  points,
} from "./helpers.js";

await startEngine();
const rt = await KernelRuntime.create();
const VARIANTS: SimdVariant[] = rt.features.relaxedSimd ? ["plain", "relaxed"] : ["plain"];

const box3 = { inputs: 3, lo: [0, -1, 2], hi: [1, 1, 3] };
const box1 = { inputs: 1, lo: [-1], hi: [2], outputs: 1 };
const combo: Partial<NetConfig> = {
  arch: "modified-mlp",
  fourier: { features: 5, scale: 1.5 },
  periodic: [{ input: 1, period: 3 }],
  rwf: { mean: 0.5, std: 0.1 },
};

const spec64 = netSpec64;

test("parameter layout is tree.leaves order for every kind (hidden[], out, encU, encV; w, b, s)", () => {
  for (const patch of [
    { rwf: { mean: 1, std: 0.1 } },
    { arch: "modified-mlp" },
    { ...combo, ...box3, width: 5, depth: 3 },
  ] as Partial<NetConfig>[]) {
    const c = kernelNetConfig(patch);
    const net = createNetwork(c, 0);
    const params = net.init(1);
    const lay = mlpParamLayout(c);
    const dense = [
      ...params.hidden,
      params.out,
      ...(params.encU && params.encV ? [params.encU, params.encV] : []),
    ];
    assert.equal(dense.length, lay.layers.length);
    const expected = lay.layers.flatMap((L) =>
      L.s >= 0 ? [[L.fanIn, L.fanOut], [L.fanOut], [L.fanOut]] : [[L.fanIn, L.fanOut], [L.fanOut]],
    );
    const leaves = tree.leaves(params) as np.Array[];
    assert.deepEqual(
      leaves.map((a) => a.shape),
      expected,
    );
    // values, not just shapes: b and s have the same shape, and encU/encV those of hidden[0]
    const flat = flatLeaves(params);
    lay.layers.forEach((L, k) => {
      const D = dense[k];
      const at = (off: number, a: np.Array) =>
        assert.deepEqual(flat.slice(off, off + a.size), Float32Array.from(a.ref.dataSync()));
      at(L.w, D.w);
      at(L.b, D.b);
      if (D.s) at(L.s, D.s);
      else assert.equal(L.s, -1);
    });
    assert.equal(lay.count, flat.length);
    assert.deepEqual([lay.encU !== null, lay.encV !== null], [!!params.encU, !!params.encV]);
    tree.dispose(params);
  }
});

const CASES: [string, Partial<NetConfig>, number, MultiIndex[]][] = [
  ["fourier, burgers (t, x, xx)", { fourier: { features: 6, scale: 1 } }, 23, [[0], [1, 1]]],
  [
    "fourier, 3 inputs, laplacian, sin",
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
  [
    "periodic in both inputs, mixed order 4 (ttxx), gelu",
    {
      activation: "gelu",
      periodic: [
        { input: 1, period: 3 },
        { input: 0, period: 0.7 },
      ],
    },
    7,
    [[0, 0, 1, 1]],
  ],
  ["rwf, 3 inputs, mixed order 3", { ...box3, rwf: { mean: 0.5, std: 0.1 } }, 11, [[0, 1, 2]]],
  [
    "modified-mlp, 1 input, order 4",
    { ...box1, arch: "modified-mlp", depth: 3 },
    13,
    [[0, 0, 0, 0]],
  ],
  [
    "modified-mlp, gelu, mixed order 2, depth 1",
    { arch: "modified-mlp", activation: "gelu", depth: 1 },
    10,
    [[0, 1]],
  ],
  ["combo (modified + fourier + periodic + rwf), burgers", combo, 17, [[0], [1, 1]]],
  [
    "combo, sin, 3 inputs, mixed order 4",
    { ...combo, ...box3, activation: "sin", width: 7 },
    6,
    [[0, 1, 2, 2]],
  ],
  [
    "combo, 1 input periodic, order 4",
    { ...combo, ...box1, periodic: [{ input: 0, period: 2 }] },
    9,
    [[0, 0, 0, 0]],
  ],
];

for (const [name, patch, N, wanted] of CASES) {
  test(`KernelMlp ${name}: forward vs applyJet and float64, gradient vs valueAndGrad`, () => {
    const c = kernelNetConfig(patch);
    const net = createNetwork(c, 3);
    const params = net.init(4);
    const flat = flatLeaves(params);
    const layout = jetLayout(c.inputs, wanted);
    const K = layout.channels.length;
    const X = points(c, N, 7);
    const weights = layout.channels.map((_, k) => rand(N * c.outputs, 50 + k, -1, 1));

    // jax-js: output jet and the gradient of sum_k <c_k, out_k>
    const { outJax, lossJax, gJax } = jaxOracle(net, params, layout, X, N, weights);
    const out64 = netForward64(spec64(net), flat, layout, X);

    for (const v of VARIANTS) {
      const km = KernelMlp.withRuntime(rt, c, { variant: v, constants: net.constants });
      km.loadParams(flat);
      const out = km.forward(layout, X, N);
      assert.equal(out.length, K);
      let loss = 0;
      for (let k = 0; k < K; k++) {
        // as for the plain MLP: a few 1e-7 of the channel's scale per float32 layer, from both
        // sides (jax-js's float32 sin/tanh are no more exact than ours); the embedding adds one
        // or two layers' worth
        const ej = scaledError(out[k], outJax[k]);
        const e64 = scaledError(out[k], out64[k]);
        assert.ok(ej < 1e-5, `${v} channel ${k}: vs jax-js ${ej}`);
        assert.ok(e64 < 5e-6, `${v} channel ${k}: vs float64 ${e64}`);
        for (let i = 0; i < out[k].length; i++) loss += weights[k][i] * out[k][i];
      }
      assert.ok(
        Math.abs(loss - lossJax) < 1e-5 * Math.max(1, Math.abs(lossJax)),
        `${v} loss ${loss} vs ${lossJax}`,
      );
      km.zeroGrad();
      km.backward(weights);
      const g = km.grad();
      // 1e-5 relative to the gradient's largest entry, as for the plain MLP (DESIGN.md)
      const e = relError(g, gJax);
      assert.ok(e < 1e-5, `${v}: gradient vs jax-js valueAndGrad: ${e}`);
      // per parameter array, so a small layer's (or s's) error is not hidden by a large one
      for (const L of km.layers) {
        const parts: [string, number, number][] = [
          ["dw", L.w, L.fanIn * L.fanOut],
          ["db", L.b, L.fanOut],
        ];
        if (L.s >= 0) parts.push(["ds", L.s, L.fanOut]);
        for (const [what, off, n] of parts) {
          const ep = relError(g.slice(off, off + n), gJax.slice(off, off + n));
          assert.ok(ep < 3e-5, `${v} layer at ${L.w}: ${what} ${ep}`);
        }
      }
    }
    tree.dispose(params);
  });
}

test("KernelMlp gradient vs float64 finite differences on tiny networks of every kind", () => {
  const kinds: [string, Partial<NetConfig>][] = [
    ["fourier", { fourier: { features: 3, scale: 1 } }],
    ["periodic", { periodic: [{ input: 1, period: 3 }], activation: "sin" }],
    ["seam", { periodic: [{ input: 1, period: 3, seam: true }] }],
    ["rwf", { rwf: { mean: 0.5, std: 0.2 }, activation: "gelu" }],
    ["modified-mlp", { arch: "modified-mlp" }],
    ["combo", { ...combo, fourier: { features: 3, scale: 1 } }],
  ];
  for (const [name, patch] of kinds) {
    const c = kernelNetConfig({ width: 3, depth: 2, outputs: 1, ...patch });
    const net = createNetwork(c, 9);
    const spec = spec64(net);
    const layout = jetLayout(2, [[0], [1, 1]]);
    const K = layout.channels.length;
    const N = 5;
    const X = points(c, N, 11);
    const { count } = mlpParamLayout(c);
    // random parameters of O(1) (s in [-0.5, 0.5] so exp(s) stays O(1))
    const P = rand(count, 12, -1, 1).map((x) => x * 0.8);
    const weights = layout.channels.map((_, k) => rand(N, 60 + k));
    const loss64 = (p: ArrayLike<number>) => {
      const out = netForward64(spec, p, layout, X);
      let s = 0;
      for (let k = 0; k < K; k++) for (let i = 0; i < N; i++) s += weights[k][i] * out[k][i];
      return s;
    };
    const fd = new Float64Array(count);
    const h = 1e-5;
    for (let i = 0; i < count; i++) {
      const pp = Float64Array.from(P);
      pp[i] += h;
      const up = loss64(pp);
      pp[i] -= 2 * h;
      fd[i] = (up - loss64(pp)) / (2 * h);
    }
    for (const v of VARIANTS) {
      const km = KernelMlp.withRuntime(rt, c, { variant: v, constants: net.constants });
      km.loadParams(P);
      km.forward(layout, X, N);
      km.zeroGrad();
      km.backward(weights);
      const e = relError(km.grad(), fd);
      // central differences in float64: truncation h^2 f''' ~ 1e-10, rounding 1e-16 / h ~ 1e-11;
      // what remains is the kernels' float32 rounding (~1e-7 per operation, a few layers deep)
      assert.ok(e < 1e-5, `${name} ${v}: gradient vs float64 finite differences ${e}`);
    }
  }
});

test("KernelMlp with weight factorisation: Adam steps refresh the effective weights", () => {
  const c = kernelNetConfig({ ...combo, width: 6 });
  const net = createNetwork(c, 5);
  const params = net.init(6);
  const km = KernelMlp.withRuntime(rt, c, { constants: net.constants });
  km.loadParams(flatLeaves(params));
  const [, def] = tree.flatten(params);
  const shapes = (tree.leaves(params) as np.Array[]).map((a) => a.shape);
  tree.dispose(params);
  const layout = jetLayout(2, [[0], [1, 1]]);
  const X = points(c, 12, 3);
  for (let step = 0; step < 3; step++) {
    km.forward(layout, X, 12);
    km.zeroGrad();
    km.backward(layout.channels.map((_, k) => rand(24, 40 * step + k)));
    km.adamStep(5e-2);
  }
  // the forward pass after the updates equals jax-js's on the updated w and s
  const p = km.params();
  let o = 0;
  const leaves = shapes.map((sh) => {
    const n = sh.reduce((a, b) => a * b, 1);
    const a = np.array(p.slice(o, o + n), { shape: sh, dtype: np.float32 });
    o += n;
    return a;
  });
  const updated = tree.unflatten(def, leaves) as NetParams;
  const outJax = net
    .applyJet(updated, inputJet(layout, fromData(X, [12, 2])))
    .ch.map((a) => (a as np.Array).dataSync());
  tree.dispose(updated);
  const out = km.forward(layout, X, 12);
  out.forEach((ch, k) => {
    const e = scaledError(ch, outJax[k]);
    assert.ok(e < 1e-5, `channel ${k} after Adam: ${e}`);
  });
});

test("KernelMlp combo: slots keep separate tapes, gradients accumulate, memory stays flat", () => {
  const c = kernelNetConfig(combo);
  const net = createNetwork(c, 1);
  const params = net.init(2);
  const flat = flatLeaves(params);
  tree.dispose(params);
  const km = KernelMlp.withRuntime(rt, c, { constants: net.constants });
  km.loadParams(flat);
  const la = jetLayout(2, [[0], [1, 1]]);
  const lb = jetLayout(2, []);
  const Xa = points(c, 33, 1);
  const Xb = points(c, 8, 2);
  const da = la.channels.map((_, k) => rand(33 * 2, 10 + k));
  const db = [rand(8 * 2, 20)];
  km.forward(la, Xa, 33, "res");
  km.zeroGrad();
  km.backward(da, "res");
  const ga = km.grad();
  km.forward(lb, Xb, 8, "bc");
  km.zeroGrad();
  km.backward(db, "bc");
  const gb = km.grad();
  let before = 0;
  for (let step = 0; step < 4; step++) {
    km.forward(la, Xa, 33, "res");
    km.forward(lb, Xb, 8, "bc");
    km.zeroGrad();
    km.backward(db, "bc");
    km.backward(da, "res");
    // the same sums in another order (the GEMM accumulates the two tapes' rows together): float32
    // rounding; a tape overwritten by the other slot would be off by O(1)
    const e = relError(
      km.grad(),
      ga.map((x, i) => x + gb[i]),
    );
    assert.ok(e < 1e-5, `step ${step}: gradient of both slots vs the sum of each: ${e}`);
    if (step === 0) before = rt.arena.used;
    else
      assert.equal(rt.arena.used, before, "workspaces are reused, nothing is allocated per step");
  }
});

test("kernelMlpUnsupported rejects only activations without kernels", () => {
  assert.equal(kernelMlpUnsupported(kernelNetConfig(combo)), null);
  assert.equal(kernelMlpUnsupported(kernelNetConfig({ ...combo, precision: "float64" })), null);
  const odd = { ...kernelNetConfig(), activation: "relu" } as unknown as NetConfig;
  assert.match(kernelMlpUnsupported(odd) ?? "", /activation "relu"/);
  // Fourier features need the matrix B: a clear error without the network's constants
  assert.throws(
    () => KernelMlp.withRuntime(rt, kernelNetConfig({ fourier: { features: 4, scale: 1 } })),
    /Fourier features need the network's constants/,
  );
  assert.throws(
    () =>
      KernelMlp.withRuntime(rt, kernelNetConfig({ fourier: { features: 4, scale: 1 } }), {
        constants: { fourierB: new Float64Array(3) },
      }),
    /fourierB has 3 values, expected 2x4/,
  );
});
