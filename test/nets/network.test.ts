// createNetwork: validation, deterministic initialisation, the value of every network kind against
// a hand-written float64 forward pass, and exact periodicity of the periodic embedding.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Precision, fromData, np, startEngine } from "../../src/engine/index.js";
import { type Activation, inputJet } from "../../src/jet/jet.js";
import { jetLayout } from "../../src/jet/multiindex.js";
import {
  type Dense,
  type NetConfig,
  type NetParams,
  type Network,
  createNetwork,
} from "../../src/nets/network.js";
import { NET_KINDS, boxPoints, kindConfig, periodicInput } from "../jet/helpers.js";

await startEngine();

const BASE: NetConfig = {
  arch: "mlp",
  inputs: 2,
  outputs: 1,
  width: 8,
  depth: 2,
  activation: "tanh",
  lo: [0, -1],
  hi: [1, 1],
  periodic: [],
  fourier: null,
  rwf: null,
  precision: "float64",
};

test("createNetwork: invalid configurations are rejected, naming the field", () => {
  const bad: [Partial<NetConfig>, RegExp][] = [
    [{ width: 0 }, /width must be a positive integer, got 0/],
    [{ width: 2.5 }, /width must be a positive integer/],
    [{ depth: 0 }, /depth must be a positive integer, got 0/],
    [{ inputs: 0, lo: [], hi: [] }, /inputs must be a positive integer/],
    [{ outputs: -1 }, /outputs must be a positive integer/],
    [{ lo: [0] }, /lo\/hi must have one entry per input/],
    [{ hi: [1, 1, 1] }, /lo\/hi must have one entry per input/],
    [{ lo: [0, 1] }, /input 1: hi must exceed lo/],
    [{ periodic: [{ input: 1, period: 0 }] }, /periodic\.period must be positive, got 0/],
    [{ periodic: [{ input: 1, period: NaN }] }, /periodic\.period must be positive/],
    [{ periodic: [{ input: 2, period: 1 }] }, /periodic\.input 2 out of range/],
    [{ periodic: [{ input: -1, period: 1 }] }, /periodic\.input -1 out of range/],
    [{ fourier: { features: 0, scale: 1 } }, /fourier\.features must be a positive integer/],
    [{ fourier: { features: 4, scale: 0 } }, /fourier\.scale must be positive/],
  ];
  for (const [patch, re] of bad) {
    assert.throws(() => createNetwork({ ...BASE, ...patch }, 0), re, JSON.stringify(patch));
  }
  assert.doesNotThrow(() => createNetwork(BASE, 0));
});

/** Every parameter array of a tree, flattened, in a fixed order. */
function paramData(p: NetParams): Float64Array[] {
  const dense = (d: Dense | undefined) =>
    d ? [d.w, d.b, ...(d.s ? [d.s] : [])].map((a) => Float64Array.from(a.ref.dataSync())) : [];
  return [...p.hidden.flatMap(dense), ...dense(p.out), ...dense(p.encU), ...dense(p.encV)];
}

test("initialisation is deterministic in the seed, and shapes follow the configuration", () => {
  const cfg: NetConfig = {
    ...BASE,
    arch: "modified-mlp",
    fourier: { features: 3, scale: 2 },
    periodic: [{ input: 1, period: 2 }],
    rwf: { mean: 0.5, std: 0.1 },
  };
  const a = createNetwork(cfg, 1);
  const b = createNetwork(cfg, 1);
  const c = createNetwork(cfg, 2);
  assert.deepEqual(a.constants.fourierB, b.constants.fourierB);
  assert.notDeepEqual(a.constants.fourierB, c.constants.fourierB);
  // embedding width: t normalised plus (cos, sin) of x = 3 features, times 3 Fourier features
  assert.equal(a.constants.fourierB?.length, 3 * 3);
  const p1 = paramData(a.init(7));
  const p2 = paramData(b.init(7));
  const p3 = paramData(a.init(8));
  assert.deepEqual(p1, p2);
  assert.equal(p1.length, p3.length);
  assert.ok(
    p1.some((v, i) => v.some((x, j) => x !== p3[i][j])),
    "another seed draws other weights",
  );
  const p = a.init(7);
  assert.deepEqual(p.hidden[0].w.shape, [6, 8]); // 2 x 3 Fourier features in
  assert.deepEqual(p.hidden[1].w.shape, [8, 8]);
  assert.deepEqual(p.out.w.shape, [8, 1]);
  assert.deepEqual(p.encU?.w.shape, [6, 8]);
  assert.deepEqual(p.encV?.w.shape, [6, 8]);
  assert.deepEqual(p.hidden[0].s?.shape, [8]);
  assert.ok(
    p.hidden[0].b.dataSync().every((v) => v === 0),
    "biases start at zero",
  );
});

test("Glorot-normal weights: sample variance 2 / (fan_in + fan_out) within 5 sigma", () => {
  const net = createNetwork({ ...BASE, width: 64, depth: 2 }, 0);
  const w = Float64Array.from(net.init(3).hidden[1].w.dataSync());
  const n = w.length; // 4096 draws
  const mean = w.reduce((s, v) => s + v, 0) / n;
  const variance = w.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
  const expected = 2 / (64 + 64);
  // mean: sd sqrt(var / n); variance of a normal sample: sd var * sqrt(2 / n)
  assert.ok(Math.abs(mean) < 5 * Math.sqrt(expected / n), `mean ${mean}`);
  assert.ok(
    Math.abs(variance - expected) < 5 * expected * Math.sqrt(2 / n),
    `var ${variance} vs ${expected}`,
  );
});

test("random weight factorisation: W_eff = V diag(exp(s)) starts as Glorot's, s ~ N(mean, std)", () => {
  const mean = 1;
  const std = 0.1;
  const plain = createNetwork({ ...BASE, width: 64 }, 0).init(9);
  const rwf = createNetwork({ ...BASE, width: 64, rwf: { mean, std } }, 0).init(9);
  // first layer: the same Glorot draws, divided by exp(s) and multiplied back by the forward pass
  const [w, s] = [rwf.hidden[0].w, rwf.hidden[0].s as np.Array];
  const eff = Float64Array.from(w.ref.mul(np.exp(s.ref)).dataSync());
  const ref = Float64Array.from(plain.hidden[0].w.dataSync());
  // exp is float32-accurate in jax-js even in float64: ~1e-7 relative on O(0.2) weights
  for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(eff[i] - ref[i]) < 1e-7, `w[${i}]`);
  const sv = Float64Array.from(s.dataSync());
  const m = sv.reduce((a, v) => a + v, 0) / sv.length;
  // 64 draws: the sample mean's sd is std / 8
  assert.ok(Math.abs(m - mean) < (5 * std) / 8, `mean of s ${m}`);
  assert.ok(
    sv.every((v) => Math.abs(v - mean) < 6 * std),
    "s within 6 std",
  );
});

// ---------------------------------------------------------------------------------------------
// A plain-JS float64 forward pass written from the papers' definitions, as the reference.

/** erf by its Maclaurin series (accurate to ~1e-12 for |x| < 5), 1 in sign beyond. */
function erf(x: number): number {
  if (Math.abs(x) >= 5) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

const ACT: Record<Activation, (z: number) => number> = {
  tanh: Math.tanh,
  sin: Math.sin,
  gelu: (z) => 0.5 * z * (1 + erf(z / Math.SQRT2)),
};

interface JsDense {
  w: number[][];
  b: number[];
}

function jsDense(d: Dense): JsDense {
  const w = d.w.ref.js() as number[][];
  const s = d.s ? (d.s.ref.js() as number[]) : null;
  return {
    w: s ? w.map((row) => row.map((v, j) => v * Math.exp(s[j]))) : w,
    b: d.b.ref.js() as number[],
  };
}

function affine(x: number[], d: JsDense): number[] {
  return d.b.map((bj, j) => x.reduce((acc, xi, i) => acc + xi * d.w[i][j], bj));
}

function referenceForward(net: Network, params: NetParams, x: number[]): number[] {
  const c = net.config;
  const act = ACT[c.activation];
  const periodicSet = new Set(c.periodic.map((p) => p.input));
  let feats: number[] = [];
  x.forEach((v, i) => {
    if (!periodicSet.has(i)) feats.push((2 * (v - c.lo[i])) / (c.hi[i] - c.lo[i]) - 1);
  });
  for (const p of c.periodic) {
    const a = (2 * Math.PI * x[p.input]) / p.period;
    feats.push(Math.cos(a), Math.sin(a));
  }
  const B = net.constants.fourierB;
  if (B && c.fourier) {
    const m = c.fourier.features;
    const z = Array.from({ length: m }, (_, j) =>
      feats.reduce((s, f, i) => s + f * B[i * m + j], 0),
    );
    feats = [...z.map(Math.cos), ...z.map(Math.sin)];
  }
  const hidden = params.hidden.map(jsDense);
  if (c.arch === "mlp") {
    let h = feats;
    for (const layer of hidden) h = affine(h, layer).map(act);
    return affine(h, jsDense(params.out));
  }
  const U = affine(feats, jsDense(params.encU as Dense)).map(act);
  const V = affine(feats, jsDense(params.encV as Dense)).map(act);
  let h = feats;
  for (const layer of hidden) {
    const z = affine(h, layer).map(act);
    h = z.map((zj, j) => (1 - zj) * U[j] + zj * V[j]);
  }
  return affine(h, jsDense(params.out));
}

for (const kind of NET_KINDS) {
  test(`${kind.name}: network values equal a hand-written forward pass (2-D and 3-D)`, () => {
    for (const dims of [2, 3]) {
      const net = createNetwork(kindConfig(kind, dims, "float64", 8, 3), 21);
      const params = net.init(22);
      const n = 4;
      const X = boxPoints(n, dims, 23);
      const out = net.applyJet(
        params,
        inputJet(jetLayout(dims, []), fromData(X, [n, dims], "float64")),
      );
      const got = (out.ch[0] as np.Array).js() as number[][];
      for (let r = 0; r < n; r++) {
        const want = referenceForward(
          net,
          params,
          Array.from(X.subarray(r * dims, (r + 1) * dims)),
        );
        want.forEach((v, j) => {
          // jax-js's float64 tanh/sin/erf are float32-accurate (~1e-7 absolute per call); a few
          // layers of width 8 with O(1) weights amplify that to at most ~1e-6
          assert.ok(
            Math.abs(got[r][j] - v) < 2e-6,
            `${dims}-D point ${r} output ${j}: ${got[r][j]} vs ${v}`,
          );
        });
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Periodic embedding: the function and all its x-derivatives agree at x = lo and x = hi.

/** Value, u_x and u_xx at n points with the periodic input at lo and at hi (other inputs equal). */
function atBothEnds(net: Network, params: NetParams, precision: Precision, n: number, k: number) {
  const c = net.config;
  const dims = c.inputs;
  const X = boxPoints(n, dims, 31);
  const lo = Float64Array.from(X);
  const hi = Float64Array.from(X);
  for (let r = 0; r < n; r++) {
    lo[r * dims + k] = c.lo[k];
    hi[r * dims + k] = c.hi[k];
  }
  const layout = jetLayout(dims, [[k, k]]);
  const eval_ = (P: Float64Array) => {
    const out = net.applyJet(params, inputJet(layout, fromData(P, [n, dims], precision)));
    return [[], [k], [k, k]].map((mi) =>
      Float64Array.from((out.ch[layout.indexOf(mi) as number] as np.Array).ref.dataSync()),
    );
  };
  return { lo: eval_(lo), hi: eval_(hi) };
}

const maxDiff = (a: Float64Array, b: Float64Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

for (const kind of NET_KINDS.filter((k) => k.periodic)) {
  test(`${kind.name}: output, u_x and u_xx agree at x = lo and x = hi`, () => {
    for (const dims of [2, 3]) {
      for (const precision of ["float64", "float32"] as const) {
        const net = createNetwork(kindConfig(kind, dims, precision, 12, 2), 41);
        const k = periodicInput(dims);
        const { lo, hi } = atBothEnds(net, net.init(42), precision, 5, k);
        // 2 pi lo / P and 2 pi hi / P differ by exactly 2 pi; cos/sin are float32-accurate in
        // both precisions (~1e-7 absolute), then amplified by the layers: 1e-5 (float64) and
        // 1e-4 (float32, where every step also rounds at 6e-8) are far below the O(1) jump a
        // non-periodic network has (checked below)
        const tol = precision === "float64" ? 1e-5 : 1e-4;
        ["u", "u_x", "u_xx"].forEach((what, i) => {
          const scale = Math.max(1, ...lo[i].map(Math.abs));
          const d = maxDiff(lo[i], hi[i]) / scale;
          assert.ok(d < tol, `${dims}-D ${precision} ${what}: ${d}`);
        });
      }
    }
  });
}

test("the seam feature: values agree at x = lo and x = hi, slopes jump, each slope its one-sided finite difference", () => {
  const kind = NET_KINDS.find((k) => k.periodic && k.arch === "mlp") as (typeof NET_KINDS)[number];
  const base = kindConfig(kind, 2, "float64", 12, 2);
  const k = periodicInput(2);
  const net = createNetwork({ ...base, periodic: [{ ...base.periodic[0], seam: true }] }, 41);
  const params = net.init(42);
  const { lo, hi } = atBothEnds(net, params, "float64", 5, k);
  // the seam feature is 0 at both ends (sin 0, sin pi); cos/sin float32-accurate: as above
  assert.ok(maxDiff(lo[0], hi[0]) < 1e-5, `u: ${maxDiff(lo[0], hi[0])}`);
  assert.ok(maxDiff(lo[1], hi[1]) > 1e-3, `u_x jumps: ${maxDiff(lo[1], hi[1])}`);
  // one-sided differences from inside the period, second order: (-3 u(a) + 4 u(a + h) - u(a + 2h)) / 2h
  const c = net.config;
  const X = boxPoints(5, 2, 31);
  const value = (at: number) => {
    const P = Float64Array.from(X);
    for (let r = 0; r < 5; r++) P[r * 2 + k] = at;
    const out = net.applyJet(params, inputJet(jetLayout(2, []), fromData(P, [5, 2], "float64")));
    return Float64Array.from((out.ch[0] as np.Array).dataSync());
  };
  const h = 1e-3;
  for (const [end, dir, jet] of [
    [c.lo[k], 1, lo[1]],
    [c.hi[k], -1, hi[1]],
  ] as const) {
    const [u0, u1, u2] = [0, 1, 2].map((j) => value(end + dir * j * h));
    for (let r = 0; r < 5; r++) {
      const fd = (dir * (-3 * u0[r] + 4 * u1[r] - u2[r])) / (2 * h);
      // O(h^2) truncation with O(1) third derivatives, plus float32-accurate sin/tanh / h
      assert.ok(Math.abs(fd - jet[r]) < 1e-3, `u_x at ${end}, point ${r}: ${fd} vs ${jet[r]}`);
    }
  }
});

test("without the periodic embedding, the ends differ (the periodicity check can fail)", () => {
  const net = createNetwork(kindConfig(NET_KINDS[0], 2, "float64", 12, 2), 41);
  assert.equal(net.config.periodic.length, 0);
  const { lo, hi } = atBothEnds(net, net.init(42), "float64", 5, periodicInput(2));
  assert.ok(maxDiff(lo[0], hi[0]) > 1e-2, "a plain MLP is not periodic");
});

test("a 1-D network whose only input is periodic evaluates", () => {
  // src/nets/network.ts embed(): with every input periodic, `keep` is empty and
  // concatJets([]) reads parts[0].layout of undefined.
  const net = createNetwork(
    {
      ...BASE,
      inputs: 1,
      lo: [0],
      hi: [2 * Math.PI],
      periodic: [{ input: 0, period: 2 * Math.PI }],
    },
    0,
  );
  const params = net.init(1);
  const x = fromData([0, Math.PI / 2, 2 * Math.PI], [3, 1], "float64");
  const out = net.applyJet(params, inputJet(jetLayout(1, [[0]]), x));
  const u = (out.ch[0] as np.Array).js() as number[][];
  // exact periodicity: u(0) = u(2 pi); float32-accurate cos/sin: 1e-5
  assert.ok(Math.abs(u[0][0] - u[2][0]) < 1e-5);
});

test("init: glorot draws N(0, 2/(in+out)) weights and zero biases; ntk N(0, 1/in) and N(0, 1)", async () => {
  const cfg = (init: NetConfig["init"]): NetConfig => ({ ...BASE, width: 400, depth: 2, init });
  const stats = async (a: { data(): Promise<ArrayLike<number>> }) => {
    const v = Array.from(await a.data());
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    return {
      mean,
      std: Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length),
      n: v.length,
    };
  };
  // Each sample std is within 4 standard errors (relative s.e. of a std is 1/sqrt(2n)).
  const near = (s: { std: number; n: number }, want: number, what: string) =>
    assert.ok(Math.abs(s.std / want - 1) < 4 / Math.sqrt(2 * s.n), `${what}: ${s.std} vs ${want}`);
  const g = createNetwork(cfg("glorot"), 0).init(3);
  near(await stats(g.hidden[1].w), Math.sqrt(2 / 800), "glorot hidden");
  assert.deepEqual(Array.from(await g.hidden[0].b.data()), new Array(400).fill(0));
  const n = createNetwork(cfg("ntk"), 0).init(3);
  near(await stats(n.hidden[0].w), Math.sqrt(1 / 2), "ntk first layer (fan_in 2)");
  near(await stats(n.hidden[1].w), Math.sqrt(1 / 400), "ntk hidden");
  near(await stats(n.hidden[1].b), 1, "ntk bias");
  const d = createNetwork({ ...cfg(undefined) }, 0).init(3);
  assert.deepEqual(
    Array.from(await d.hidden[1].w.data()),
    Array.from(await createNetwork(cfg("glorot"), 0).init(3).hidden[1].w.data()),
    "glorot is the default",
  );
  // .data() consumed what was read; the rest is freed with the engine at exit.
});
