// Per-term gradients against central finite differences of a hand-written float64 forward pass
// (one hidden tanh layer, with u_x and u_xx by hand), the per-layer statistics and the
// learning-rate-annealing imbalance ratio recomputed by hand, the histogram bins, and the
// parameter layout of every network kind.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startEngine, tree } from "../../src/engine/index.js";
import { box } from "../../src/geometry/box.js";
import {
  GRAD_HIST_EDGES,
  gradientStats,
  histBin,
  makeTermGradients,
  readTermGradients,
} from "../../src/loss/gradients.js";
import { layerNames, layoutSize, orderedLeaves, paramLayout } from "../../src/loss/layout.js";
import { type NetConfig, createNetwork } from "../../src/nets/network.js";
import { data, dirichlet, periodic } from "../../src/problem/conditions.js";
import { batchArrays, defineProblem } from "../../src/problem/problem.js";
import type { PointsByTerm, TargetsByTerm } from "../../src/loss/loss.js";
import { Rng } from "../../src/util/rng.js";
import { NET_KINDS, kindConfig } from "../jet/helpers.js";

await startEngine();

const LO = 0;
const HI = 4;
const WIDTH = 3;

const problem = defineProblem({
  name: "tiny",
  domain: box({ x: [LO, HI] }),
  fields: ["u"],
  residuals: { res: ({ d, x }) => d("u", "xx").sub(x("x").mul(x("x"))) },
  conditions: {
    bc: dirichlet(
      "u",
      [
        { input: "x", side: "min" },
        { input: "x", side: "max" },
      ],
      0.5,
    ),
    obs: data("u", [[0.3], [1.1], [2.7], [3.9]], [0.1, -0.2, 0.4, 0.05]),
    per: periodic("u", "x", 1),
  },
});

const config: NetConfig = {
  arch: "mlp",
  inputs: 1,
  outputs: 1,
  width: WIDTH,
  depth: 1,
  activation: "tanh",
  lo: [LO],
  hi: [HI],
  periodic: [],
  fourier: null,
  rwf: null,
  precision: "float64",
};

/**
 * u, u_x, u_xx of u(x) = sum_k a_k tanh(w_k z + b_k) + c with z = s x + h the network's
 * normalisation to [-1, 1] (s = 2 / (HI - LO), h = -1 - LO s). theta in paramLayout order:
 * hidden[0].w (K), hidden[0].b (K), out.w (K), out.b (1).
 */
function forward(theta: ArrayLike<number>, x: number): [number, number, number] {
  const s = 2 / (HI - LO);
  const z = s * x - 1 - LO * s;
  let u = theta[3 * WIDTH];
  let ux = 0;
  let uxx = 0;
  for (let k = 0; k < WIDTH; k++) {
    const [w, b, a] = [theta[k], theta[WIDTH + k], theta[2 * WIDTH + k]];
    const t = Math.tanh(w * z + b);
    const t1 = 1 - t * t;
    u += a * t;
    ux += a * w * s * t1;
    uxx += a * w * w * s * s * (-2 * t * t1);
  }
  return [u, ux, uxx];
}

/** Each term's mean-square loss at the given batches, in float64 JS. */
function referenceLosses(
  theta: ArrayLike<number>,
  X: Record<string, Float64Array>,
  T: Record<string, Float64Array>,
): Record<string, number> {
  const ms = (r: number[]) => r.reduce((a, v) => a + v * v, 0) / r.length;
  const res = [...X.res].map((x) => forward(theta, x)[2] - x * x);
  const bc = [...X.bc].map((x, i) => forward(theta, x)[0] - T.bc[i]);
  const obs = [...X.obs].map((x, i) => forward(theta, x)[0] - T.obs[i]);
  const n = X.per.length / 2;
  const pv: number[] = [];
  const ps: number[] = [];
  for (let j = 0; j < n; j++) {
    const [u0, ux0] = forward(theta, X.per[j]);
    const [u1, ux1] = forward(theta, X.per[n + j]);
    pv.push(u0 - u1);
    ps.push(ux0 - ux1);
  }
  return { res: ms(res), bc: ms(bc), obs: ms(obs), per: ms([...pv, ...ps]) };
}

async function setup() {
  const net = createNetwork(config, 0);
  const params = net.init(5);
  const layout = paramLayout(params);
  const theta = Float64Array.from(orderedLeaves(params).flatMap((a) => [...a.ref.dataSync()]));
  const rng = new Rng(2);
  const Xjs: Record<string, Float64Array> = {};
  const Tjs: Record<string, Float64Array> = {};
  const X: PointsByTerm = {};
  const T: TargetsByTerm = {};
  const sizes: Record<string, number> = { res: 8, bc: 4, obs: 0, per: 3 };
  for (const term of problem.terms) {
    const b = term.sample(rng, sizes[term.name], "uniform");
    Xjs[term.name] = b.X;
    const arr = batchArrays(b, 1, "float64");
    X[term.name] = arr.X;
    if (b.target && arr.target) {
      Tjs[term.name] = b.target;
      T[term.name] = arr.target;
    }
  }
  const fn = makeTermGradients(problem, net);
  const [G, L] = fn(tree.ref(params), X, T);
  const got = await readTermGradients(problem.termNames, G, L);
  fn.dispose();
  tree.dispose(params);
  return { layout, theta, Xjs, Tjs, got };
}

const ctx = await setup();

test("per-term gradients match central differences of each term's loss (float64)", () => {
  const { layout, theta, Xjs, Tjs, got } = ctx;
  const P = layoutSize(layout);
  assert.equal(P, 3 * WIDTH + 1);
  const ref = referenceLosses(theta, Xjs, Tjs);
  const h = 1e-6;
  for (const name of problem.termNames) {
    assert.ok(
      Math.abs(got.losses[name] - ref[name]) <= 1e-6 * Math.max(1, ref[name]),
      `${name} loss: ${got.losses[name]} vs ${ref[name]}`,
    );
    const g = got.grads[name];
    assert.equal(g.length, P);
    const fd = new Float64Array(P);
    for (let i = 0; i < P; i++) {
      const tp = Float64Array.from(theta);
      const tm = Float64Array.from(theta);
      tp[i] += h;
      tm[i] -= h;
      fd[i] = (referenceLosses(tp, Xjs, Tjs)[name] - referenceLosses(tm, Xjs, Tjs)[name]) / (2 * h);
    }
    const scale = Math.max(...fd.map(Math.abs));
    assert.ok(scale > 1e-6, `${name}: gradient not trivially zero`);
    for (let i = 0; i < P; i++) {
      // jax-js's float64 tanh is float32-accurate (~1e-7): allow 1e-5 of the gradient's scale
      assert.ok(
        Math.abs(g[i] - fd[i]) <= 1e-5 * scale,
        `${name} dL/dtheta_${i}: ${g[i]} vs finite difference ${fd[i]}`,
      );
    }
  }
});

test("gradientStats: per-layer and overall summaries and the imbalance ratio by hand", () => {
  const { layout, got } = ctx;
  const stats = gradientStats(got.grads, layout, problem.terms);
  assert.deepEqual(layerNames(layout), ["hidden[0]", "out"]);
  assert.equal(stats.layers.length, problem.terms.length * 3);
  const ranges: Record<string, [number, number]> = {
    "hidden[0]": [0, 2 * WIDTH],
    out: [2 * WIDTH, 3 * WIDTH + 1],
    all: [0, 3 * WIDTH + 1],
  };
  for (const r of stats.layers) {
    const g = got.grads[r.term].slice(...ranges[r.layer]);
    const abs = [...g].map(Math.abs);
    assert.equal(r.size, g.length);
    assert.ok(
      Math.abs(r.norm - Math.hypot(...g)) < 1e-15 * (1 + r.norm),
      `${r.term}/${r.layer} norm`,
    );
    assert.equal(r.maxAbs, Math.max(...abs));
    assert.ok(Math.abs(r.meanAbs - abs.reduce((a, b) => a + b, 0) / abs.length) < 1e-15);
    assert.equal(r.hist.length, GRAD_HIST_EDGES.length + 1);
    assert.equal(
      r.hist.reduce((a, b) => a + b, 0),
      g.length,
    );
    const hist = new Array<number>(30).fill(0);
    for (const v of abs) hist[histBin(v)]++;
    assert.deepEqual(r.hist, hist);
  }
  // lambda_hat_i = max |grad L_res| / mean |grad L_i| for every term that is not the residual
  const resMax = Math.max(...[...got.grads.res].map(Math.abs));
  assert.equal(stats.residualMaxAbs, resMax);
  assert.deepEqual(
    stats.imbalance.map((r) => r.term),
    ["bc", "obs", "per"],
  );
  for (const r of stats.imbalance) {
    const g = got.grads[r.term];
    const mean = [...g].reduce((a, v) => a + Math.abs(v), 0) / g.length;
    assert.ok(Math.abs(r.ratio - resMax / mean) <= 1e-14 * r.ratio, `${r.term}: ${r.ratio}`);
    assert.equal(stats.terms[r.term].meanAbs, r.meanAbs);
  }
  // the records are JSON-ready
  assert.deepEqual(JSON.parse(JSON.stringify(stats)), stats);
  assert.throws(
    () => gradientStats({ res: got.grads.res }, layout, problem.terms),
    /no gradient for term "bc"/,
  );
  assert.throws(
    () => gradientStats({ ...got.grads, bc: new Float64Array(3) }, layout, problem.terms),
    /gradient of "bc" has 3 entries, layout 10/,
  );
});

test("histogram bins: log-spaced half decades from 1e-12 to 1e2, with under- and overflow", () => {
  assert.equal(GRAD_HIST_EDGES.length, 29);
  assert.equal(GRAD_HIST_EDGES[0], 1e-12);
  assert.equal(GRAD_HIST_EDGES[28], 1e2);
  assert.equal(histBin(0), 0);
  assert.equal(histBin(NaN), 0);
  assert.equal(histBin(9.99e-13), 0);
  assert.equal(histBin(1e-12), 1);
  assert.equal(histBin(3e-12), 1);
  assert.equal(histBin(10 ** -11.5), 2);
  assert.equal(histBin(1), 25);
  assert.equal(histBin(0.5), 24);
  assert.equal(histBin(99.9), 28);
  assert.equal(histBin(1e2), 29);
  assert.equal(histBin(Infinity), 29);
  for (let k = 1; k < 29; k++) {
    assert.equal(histBin(GRAD_HIST_EDGES[k - 1]), k, `edge ${k - 1}`);
    assert.equal(histBin(GRAD_HIST_EDGES[k] * (1 - 1e-12)), k, `just below edge ${k}`);
  }
});

test("paramLayout: every network kind, layers in order, offsets contiguous", () => {
  for (const kind of NET_KINDS) {
    const net = createNetwork(kindConfig(kind, 2, "float32", 4, 2), 0);
    const p = net.init(1);
    const layout = paramLayout(p);
    const want = [
      "hidden[0]",
      "hidden[1]",
      "out",
      ...(kind.arch === "modified-mlp" ? ["encU", "encV"] : []),
    ];
    assert.deepEqual(layerNames(layout), want, kind.name);
    let off = 0;
    for (const s of layout) {
      assert.equal(s.offset, off);
      assert.equal(
        s.size,
        s.shape.reduce((a, b) => a * b, 1),
      );
      off += s.size;
    }
    assert.equal(
      layoutSize(layout),
      tree.leaves(p).reduce((a, l) => a + l.size, 0),
      kind.name,
    );
    assert.equal(
      layout.some((s) => s.param === "s"),
      kind.rwf,
      `${kind.name}: factorisation scales`,
    );
    tree.dispose(p);
  }
});
