// Cross-checks of the jet forward pass against jax-js `hessian` and central finite differences
// (float64), and of `activationDerivatives` against nested jvp of the scalar activation.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fromData, hessian, np, startEngine } from "../../src/engine/index.js";
import { nn } from "@jax-js/jax";
import { type Activation, activationDerivatives, inputJet } from "../../src/jet/jet.js";
import { type MultiIndex, jetLayout } from "../../src/jet/multiindex.js";
import { createNetwork } from "../../src/nets/network.js";
import {
  NET_KINDS,
  boxPoints,
  kindConfig,
  nestedJvpDerivatives,
  scaledError,
  valueFn,
} from "./helpers.js";

await startEngine();

function kindNamed(name: string) {
  const k = NET_KINDS.find((n) => n.name === name);
  if (!k) throw new Error(`no network kind ${name}`);
  return k;
}

const REF_ACT: Record<Activation, (x: np.Array) => np.Array> = {
  tanh: (x) => np.tanh(x),
  sin: (x) => np.sin(x),
  // jax-js's own exact gelu, x/2 erfc(-x/sqrt 2): a different formula from the jet's x Phi(x)
  gelu: (x) => nn.gelu(x, { approximate: false }),
};

test("activationDerivatives: f, f', ..., f'''' equal nested jvp of the activation", () => {
  const zs = Float64Array.from({ length: 9 }, (_, i) => -3 + 0.75 * i + 0.01);
  for (const act of ["tanh", "sin", "gelu"] as const) {
    const ref = nestedJvpDerivatives(REF_ACT[act], zs, 1, [0, 0, 0, 0]);
    for (const order of [0, 2, 4]) {
      const got = activationDerivatives(act, fromData(zs, [zs.length, 1], "float64"), order);
      assert.equal(got.length, order + 1, `${act}: order ${order} gives f..f^(${order})`);
      got.forEach((g, k) => {
        const r = ref.get(new Array<number>(k).fill(0).join(",")) as Float64Array;
        const err = scaledError(Float64Array.from(g.dataSync()), r);
        // tanh and sin: the same primitives in both paths, so only float64 rounding (~1e-15).
        // gelu: jax-js evaluates erf/erfc/exp with float32 accuracy even in float64 (~1e-7
        // absolute, measured 9e-8 here), and the two paths use different formulas.
        const tol = act === "gelu" ? 1e-6 : 1e-12;
        assert.ok(err <= tol, `${act}: derivative ${k} (order ${order}): error ${err}`);
      });
    }
  }
});

test("activationDerivatives: closed forms at a point (tanh, sin and gelu by hand)", () => {
  const z = 0.7;
  const t = Math.tanh(z);
  const phi = Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI);
  const at = (act: Activation) =>
    activationDerivatives(act, fromData([z], [1], "float64"), 4).map((a) => a.dataSync()[0]);
  const [, tanh1, tanh2, tanh3] = at("tanh");
  const [sin0, sin1, sin2, sin3, sin4] = at("sin");
  const gelu = at("gelu");
  // jax-js float64 transcendental functions have ~1e-7 absolute error: 1e-6 covers that
  const close = (a: number, b: number, what: string) =>
    assert.ok(Math.abs(a - b) <= 1e-6, `${what}: ${a} vs ${b}`);
  close(tanh1, 1 - t * t, "tanh'");
  close(tanh2, -2 * t * (1 - t * t), "tanh''");
  close(tanh3, -2 * (1 - t * t) * (1 - 3 * t * t), "tanh'''");
  close(sin0, Math.sin(z), "sin");
  close(sin1, Math.cos(z), "sin'");
  close(sin2, -Math.sin(z), "sin''");
  close(sin3, -Math.cos(z), "sin'''");
  close(sin4, Math.sin(z), "sin''''");
  // gelu'' = phi (2 - z^2), gelu''' = phi (z^3 - 4 z) (differentiate z Phi(z) by hand)
  close(gelu[2], phi * (2 - z * z), "gelu''");
  close(gelu[3], phi * (z ** 3 - 4 * z), "gelu'''");
  close(gelu[4], phi * (-(z ** 4) + 7 * z * z - 4), "gelu''''");
});

test("second-order jet channels equal jax-js hessian of the network at a point", () => {
  const dims = 3;
  const wanted: MultiIndex[] = [];
  for (let i = 0; i < dims; i++) for (let j = i; j < dims; j++) wanted.push([i, j]);
  const layout = jetLayout(dims, wanted);
  for (const name of ["mlp tanh", "modified mlp + fourier + periodic + rwf"]) {
    const net = createNetwork(kindConfig(kindNamed(name), dims, "float64", 12, 2), 7);
    const params = net.init(2);
    const pt = boxPoints(1, dims, 99);
    const f = (x: np.Array): np.Array =>
      np.sum(valueFn(net, params)(x.reshape([1, dims])).slice([], 0));
    const H = Float64Array.from(hessian(f)(fromData(pt, [dims], "float64")).dataSync());
    const out = net.applyJet(params, inputJet(layout, fromData(pt, [1, dims], "float64")));
    const jetH = new Float64Array(dims * dims);
    for (let i = 0; i < dims; i++) {
      for (let j = 0; j < dims; j++) {
        const c = out.ch[layout.indexOf([i, j]) as number];
        jetH[i * dims + j] = c ? c.ref.dataSync()[0] : 0;
      }
    }
    for (const c of out.ch) c?.dispose();
    // the same float64 function differentiated two ways: measured ~4e-16 of the scale
    const err = scaledError(jetH, H);
    assert.ok(err <= 1e-9, `${name}: hessian error ${err}`);
    assert.ok(
      H.some((v) => Math.abs(v) > 1e-2),
      "the hessian is not trivially zero",
    );
  }
});

test("first and second jet derivatives match central finite differences (float64)", () => {
  const dims = 2;
  const n = 4;
  const layout = jetLayout(dims, [
    [0, 0],
    [0, 1],
    [1, 1],
  ]);
  for (const name of ["mlp tanh", "mlp gelu", "modified mlp"]) {
    const net = createNetwork(kindConfig(kindNamed(name), dims, "float64", 16, 3), 11);
    const params = net.init(4);
    const outs = net.config.outputs;
    const X = boxPoints(n, dims, 5);
    const out = net.applyJet(params, inputJet(layout, fromData(X, [n, dims], "float64")));
    const jet = out.ch.map((c) => Float64Array.from((c as np.Array).dataSync()));
    const f = valueFn(net, params);
    /** Network values at X + shift for each shift, in one batch. */
    const at = (shifts: number[][]): Float64Array[] => {
      const all = new Float64Array(shifts.length * n * dims);
      shifts.forEach((s, k) => {
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < dims; j++) all[(k * n + i) * dims + j] = X[i * dims + j] + s[j];
        }
      });
      const v = Float64Array.from(
        f(fromData(all, [shifts.length * n, dims], "float64")).dataSync(),
      );
      return shifts.map((_, k) => v.slice(k * n * outs, (k + 1) * n * outs));
    };
    // jax-js evaluates tanh/erf/exp to ~1e-7 even in float64, so the step cannot be tiny: with
    // h = 0.05 that noise costs ~1.5e-7/h = 3e-6 (first) and ~5e-7/h^2 = 2e-4 (second), and the
    // fourth-order stencils' truncation error h^4 f^(5,6)/30 is ~1e-5..1e-4 for these networks.
    // Measured worst: 5e-5 (first), 9e-5 (second). A wrong derivative formula errs by O(0.1-1).
    const h = 0.05;
    const TOL1 = 3e-4;
    const TOL2 = 2e-3;
    for (const i of [0, 1]) {
      const e = (a: number) => (i === 0 ? [a * h, 0] : [0, a * h]);
      const [p1, m1, p2, m2, z] = at([e(1), e(-1), e(2), e(-2), [0, 0]]);
      const d1 = p1.map((_, k) => (8 * (p1[k] - m1[k]) - (p2[k] - m2[k])) / (12 * h));
      const d2 = p1.map(
        (_, k) => (-p2[k] + 16 * p1[k] - 30 * z[k] + 16 * m1[k] - m2[k]) / (12 * h * h),
      );
      const e1 = scaledError(jet[layout.indexOf([i]) as number], d1);
      const e2 = scaledError(jet[layout.indexOf([i, i]) as number], d2);
      assert.ok(e1 <= TOL1, `${name}: d/dx${i}: error ${e1}`);
      assert.ok(e2 <= TOL2, `${name}: d2/dx${i}^2: error ${e2}`);
    }
    // mixed partial: Richardson extrapolation of the 4-point cross stencil at h and 2h
    const cross = (a: number) => {
      const [pp, pm, mp, mm] = at([
        [a, a],
        [a, -a],
        [-a, a],
        [-a, -a],
      ]);
      return pp.map((_, k) => (pp[k] - pm[k] - mp[k] + mm[k]) / (4 * a * a));
    };
    const c1 = cross(h);
    const c2 = cross(2 * h);
    const mixed = c1.map((v, k) => (4 * v - c2[k]) / 3);
    const em = scaledError(jet[layout.indexOf([0, 1]) as number], mixed);
    assert.ok(em <= TOL2, `${name}: d2/dt dx: error ${em}`);
  }
});
