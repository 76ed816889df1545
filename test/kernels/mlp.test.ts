// KernelMlp against the jax-js network: parameter order, the jet forward pass vs applyJet, the
// parameter gradient vs valueAndGrad through applyJet and vs float64 finite differences, slots,
// flat memory over repeated steps, Adam steps vs adamUpdate, and unsupported configurations. The
// other network kinds (Fourier, periodic, factorised, modified MLP) are in network.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { np, startEngine, tree } from "../../src/engine/index.js";
import { type MultiIndex, jetLayout } from "../../src/jet/multiindex.js";
import { type NetConfig, type NetParams, createNetwork } from "../../src/nets/network.js";
import { adamInit, adamUpdate } from "../../src/optim/adam.js";
import { KernelRuntime, type SimdVariant } from "../../src/kernels/assemble.js";
import { KernelMlp, mlpParamLayout } from "../../src/kernels/mlp.js";
import {
  mlpForward64,
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

test("parameter layout is jax-js's tree.leaves order (hidden[i].w, hidden[i].b, ..., out.w, out.b)", () => {
  const c = kernelNetConfig({
    inputs: 3,
    lo: [0, 0, 0],
    hi: [1, 1, 1],
    width: 5,
    depth: 3,
    outputs: 2,
  });
  const net = createNetwork(c, 0);
  const params = net.init(1);
  const leaves = tree.leaves(params) as np.Array[];
  const { layers, count } = mlpParamLayout(c);
  const expected = layers.flatMap((L) => [[L.fanIn, L.fanOut], [L.fanOut]]);
  assert.ok(
    layers.every((L) => L.s === -1),
    "no factorisation: no s arrays",
  );
  assert.deepEqual(
    leaves.map((a) => a.shape),
    expected,
  );
  // and the offsets follow the same order without gaps
  let off = 0;
  for (const L of layers) {
    assert.equal(L.w, off);
    assert.equal(L.b, off + L.fanIn * L.fanOut);
    off = L.b + L.fanOut;
  }
  assert.equal(count, off);
  // the values are w then b per layer: a Dense's keys are in insertion order, not sorted
  const flat = flatLeaves(params);
  const w0 = params.hidden[0].w.ref.dataSync();
  assert.deepEqual(flat.slice(0, w0.length), Float32Array.from(w0));
  tree.dispose(params);
});

const CASES: [string, Partial<NetConfig>, number, MultiIndex[]][] = [
  ["tanh, value only", {}, 37, []],
  ["tanh, burgers (t, x, xx)", {}, 37, [[0], [1, 1]]],
  ["sin, burgers", { activation: "sin" }, 21, [[0], [1, 1]]],
  ["gelu, burgers", { activation: "gelu" }, 19, [[0], [1, 1]]],
  [
    "tanh, order 4 mixed",
    { width: 7, depth: 3 },
    9,
    [
      [0, 0, 1, 1],
      [1, 1, 1],
    ],
  ],
  [
    "sin, 3 inputs, mixed order 3",
    { activation: "sin", inputs: 3, lo: [0, -1, 2], hi: [1, 1, 3], outputs: 1, width: 12 },
    11,
    [
      [0, 1, 2],
      [2, 2],
    ],
  ],
  [
    "tanh, 1 input, order 4, width 20 depth 4",
    { inputs: 1, lo: [-1], hi: [2], outputs: 1, width: 20, depth: 4 },
    64,
    [[0, 0, 0, 0]],
  ],
];

for (const [name, patch, N, wanted] of CASES) {
  test(`KernelMlp ${name}: forward vs applyJet, gradient vs valueAndGrad (both variants)`, () => {
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
    // float64 reference
    const out64 = mlpForward64(
      {
        inputs: c.inputs,
        width: c.width,
        depth: c.depth,
        outputs: c.outputs,
        act: c.activation,
        lo: c.lo,
        hi: c.hi,
      },
      flat,
      layout,
      X,
    );

    for (const v of VARIANTS) {
      const km = KernelMlp.withRuntime(rt, c, { variant: v });
      km.loadParams(flat);
      const out = km.forward(layout, X, N);
      assert.equal(out.length, K);
      let loss = 0;
      for (let k = 0; k < K; k++) {
        // float32 network of a few layers: errors of ~1e-6 of the channel's scale (jax-js's own
        // float32 evaluation contributes as much as ours, see the jet-rule tests)
        assert.ok(
          scaledError(out[k], outJax[k]) < 1e-5,
          `${v} channel ${k}: vs jax-js ${scaledError(out[k], outJax[k])}`,
        );
        assert.ok(
          scaledError(out[k], out64[k]) < 5e-6,
          `${v} channel ${k}: vs float64 ${scaledError(out[k], out64[k])}`,
        );
        for (let i = 0; i < out[k].length; i++) loss += weights[k][i] * out[k][i];
      }
      assert.ok(
        Math.abs(loss - lossJax) < 1e-5 * Math.max(1, Math.abs(lossJax)),
        `${v} loss ${loss} vs ${lossJax}`,
      );
      km.zeroGrad();
      km.backward(weights);
      const g = km.grad();
      // 1e-5 relative to the gradient's largest entry (DESIGN.md's float32 agreement)
      const e = relError(g, gJax);
      assert.ok(e < 1e-5, `${v}: gradient vs jax-js valueAndGrad: ${e}`);
      // per layer too, so a small layer's error is not hidden by a large one
      for (const L of km.layers) {
        const ew = relError(g.slice(L.w, L.b), gJax.slice(L.w, L.b));
        const eb = relError(g.slice(L.b, L.b + L.fanOut), gJax.slice(L.b, L.b + L.fanOut));
        assert.ok(ew < 2e-5 && eb < 2e-5, `${v} layer at ${L.w}: dW ${ew}, db ${eb}`);
      }
    }
    tree.dispose(params);
  });
}

test("KernelMlp gradient vs float64 finite differences on a tiny network (width 3-4, depth 2)", () => {
  for (const [act, width] of [
    ["tanh", 3],
    ["sin", 4],
    ["gelu", 4],
  ] as const) {
    const c = kernelNetConfig({ width, depth: 2, outputs: 1, activation: act });
    const layout = jetLayout(2, [[0], [1, 1]]);
    const K = layout.channels.length;
    const N = 6;
    const X = points(c, N, 11);
    const { count } = mlpParamLayout(c);
    const P = rand(count, 12, -1, 1);
    const weights = layout.channels.map((_, k) => rand(N, 60 + k));
    const m64 = { inputs: 2, width, depth: 2, outputs: 1, act, lo: c.lo, hi: c.hi } as const;
    const loss64 = (p: ArrayLike<number>) => {
      const out = mlpForward64(m64, p, layout, X);
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
      const km = KernelMlp.withRuntime(rt, c, { variant: v });
      km.loadParams(P);
      km.forward(layout, X, N);
      km.zeroGrad();
      km.backward(weights);
      const g = km.grad();
      // central differences in float64 are accurate to ~1e-10 here; the rest is float32
      const e = relError(g, fd);
      assert.ok(e < 1e-5, `${act} ${v}: gradient vs float64 finite differences ${e}`);
    }
  }
});

test("KernelMlp: slots keep separate tapes, gradients accumulate, memory stays flat", () => {
  const c = kernelNetConfig();
  const net = createNetwork(c, 1);
  const params = net.init(2);
  const flat = flatLeaves(params);
  tree.dispose(params);
  const km = KernelMlp.withRuntime(rt, c);
  km.loadParams(flat);
  const la = jetLayout(2, [[0], [1, 1]]);
  const lb = jetLayout(2, []);
  const Xa = points(c, 33, 1);
  const Xb = points(c, 8, 2);
  const da = la.channels.map((_, k) => rand(33 * 2, 10 + k));
  const db = [rand(8 * 2, 20)];
  // separately
  km.forward(la, Xa, 33, "res");
  km.zeroGrad();
  km.backward(da, "res");
  const ga = km.grad();
  km.forward(lb, Xb, 8, "bc");
  km.zeroGrad();
  km.backward(db, "bc");
  const gb = km.grad();
  // interleaved: both forwards first, then both backwards into one gradient
  const used = () => rt.arena.used;
  let before = 0;
  for (let step = 0; step < 4; step++) {
    km.forward(la, Xa, 33, "res");
    km.forward(lb, Xb, 8, "bc");
    km.zeroGrad();
    km.backward(db, "bc");
    km.backward(da, "res");
    const g = km.grad();
    for (let i = 0; i < g.length; i++)
      assert.ok(
        Math.abs(g[i] - (ga[i] + gb[i])) < 1e-6 * (1 + Math.abs(g[i])),
        `step ${step} parameter ${i}: ${g[i]} vs ${ga[i]} + ${gb[i]}`,
      );
    if (step === 0) before = used();
    else assert.equal(used(), before, "workspaces are reused, nothing is allocated per step");
  }
  assert.throws(() => km.backward(da, "nope"), /no forward pass in slot "nope"/);
  assert.throws(() => km.backward(db, "res"), /1 channels, layout has 4/);
});

test("KernelMlp.adamStep follows adamUpdate on the same gradients", () => {
  const c = kernelNetConfig({ width: 6 });
  const net = createNetwork(c, 5);
  let params = net.init(6);
  const km = KernelMlp.withRuntime(rt, c);
  km.loadParams(flatLeaves(params));
  let state = adamInit(params);
  const layout = jetLayout(2, [[1]]);
  const X = points(c, 10, 3);
  for (let step = 0; step < 3; step++) {
    const w = layout.channels.map((_, k) => rand(20, 30 * step + k));
    km.forward(layout, X, 10);
    km.zeroGrad();
    km.backward(w);
    km.adamStep(1e-2);
    // the same gradient applied through the jax-js optimiser
    const g = km.grad();
    const leaves = tree.leaves(params) as np.Array[];
    let o = 0;
    const gLeaves = leaves.map((a) => {
      const n = a.size;
      const arr = np.array(g.slice(o, o + n), { shape: a.shape, dtype: np.float32 });
      o += n;
      return arr;
    });
    const [, def] = tree.flatten(params);
    const gTree = tree.unflatten(def, gLeaves) as NetParams;
    [params, state] = adamUpdate(gTree, state, params, np.array(1e-2, { dtype: np.float32 }));
  }
  assert.equal(km.adamCount, 3);
  const e = scaledError(km.params(), flatLeaves(params));
  assert.ok(e < 1e-6, `params after 3 Adam steps: ${e}`);
  tree.dispose(params);
  for (const t of [state.mu, state.nu]) tree.dispose(t);
  for (const a of [state.count, state.b1t, state.b2t]) a.dispose();
});

test("KernelMlp rejects configurations it has no kernels for, naming the feature", () => {
  // every arch, embedding and precision has kernels (network.test.ts, mlp64.test.ts); bad
  // embeddings, parameter counts and layouts are refused
  assert.equal(KernelMlp.withRuntime(rt, kernelNetConfig({ precision: "float64" })).dtype, "f64");
  assert.throws(
    () =>
      KernelMlp.withRuntime(
        rt,
        kernelNetConfig({
          periodic: [
            { input: 1, period: 1 },
            { input: 1, period: 2 },
          ],
        }),
      ),
    /listed twice in the periodic embedding/,
  );
  const km = KernelMlp.withRuntime(rt, kernelNetConfig());
  assert.throws(() => km.loadParams(new Float32Array(3)), /expected \d+ values, got 3/);
  assert.throws(
    () => km.forward(jetLayout(3, []), new Float32Array(4), 2),
    /layout has 3 inputs, network 2/,
  );
  // a workspace over the 4 GiB wasm32 limit is refused before anything is allocated
  const wide = KernelMlp.withRuntime(rt, kernelNetConfig({ width: 1024, depth: 8 }));
  const used = rt.arena.used;
  const N = 200_000;
  assert.throws(
    () => wide.forward(jetLayout(2, [[0], [1, 1]]), new Float32Array(2 * N), N),
    /jet workspace \(4 channels x 200000 points\) need [\d.]+ GiB/,
  );
  assert.equal(rt.arena.used, used);
});
