// Per-term empirical NTK blocks against their closed forms for a one-hidden-layer tanh network
// u(x) = sum_k a_k tanh(w_k x + b_k) + c: K(x, x') = sum over parameters of dr/dtheta(x) dr/dtheta(x')
// for a data term (r = u - y), a Dirichlet term, the residual r = u_xx and a periodic term (value
// and slope differences); traces, trace ratios and NTK weights by hand; trace = sum of the
// eigenvalues; Lanczos's top eigenvalues against the dense solver on a block above n = 256.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fromData, grad, jit, np, startEngine, tree } from "../../src/engine/index.js";
import { box } from "../../src/geometry/box.js";
import { symmetricEigen } from "../../src/util/eigen.js";
import {
  makeNtkTraces,
  makeTermJacobians,
  makeTermNtk,
  ntkReport,
  ntkSpectrum,
  ntkWeightsFromTraces,
  readNtkBlocks,
  residualGroup,
  subsampleBatch,
} from "../../src/loss/ntk.js";
import { type NetConfig, type NetParams, createNetwork } from "../../src/nets/network.js";
import { data, dirichlet, periodic, robin } from "../../src/problem/conditions.js";
import { termResiduals } from "../../src/loss/loss.js";
import {
  type Problem,
  type TermBatch,
  batchArrays,
  defineProblem,
} from "../../src/problem/problem.js";
import type { PointsByTerm, TargetsByTerm } from "../../src/loss/loss.js";
import { Rng } from "../../src/util/rng.js";

await startEngine();

const OBS_X = [-0.9, -0.35, 0, 0.2, 0.55, 0.95];
const problem = defineProblem({
  name: "ntk",
  domain: box({ x: [-1, 1] }), // the network's normalisation to [-1, 1] is then the identity
  fields: ["u"],
  residuals: { res: ({ d }) => d("u", "xx") },
  conditions: {
    bc: dirichlet(
      "u",
      [
        { input: "x", side: "min" },
        { input: "x", side: "max" },
      ],
      0.2,
    ),
    obs: data(
      "u",
      OBS_X.map((x) => [x]),
      OBS_X.map((x) => Math.sin(3 * x)),
    ),
    per: periodic("u", "x", 1),
  },
});

const K_UNITS = 4;
const W = [1.3, -0.7, 2.1, 0.4];
const B = [0.1, -0.5, 0.3, 0.9];
const A = [0.8, 1.5, -0.6, -1.1];
const C = 0.25;
const P = 3 * K_UNITS + 1;

const config = (width: number, depth: number): NetConfig => ({
  arch: "mlp",
  inputs: 1,
  outputs: 1,
  width,
  depth,
  activation: "tanh",
  lo: [-1],
  hi: [1],
  periodic: [],
  fourier: null,
  rwf: null,
  precision: "float64",
});

function handParams(): NetParams {
  const f = (v: number[], shape: number[]) => fromData(v, shape, "float64");
  return {
    hidden: [{ w: f(W, [1, K_UNITS]), b: f(B, [K_UNITS]) }],
    out: { w: f(A, [K_UNITS, 1]), b: f([C], [1]) },
  };
}

/**
 * Gradient with respect to theta = (w_1..4, b_1..4, a_1..4, c) of u (order 0), u_x (1) or
 * u_xx (2) at x, by hand: with t = tanh(w x + b), t1 = 1 - t^2 = sech^2, t2 = -2 t t1,
 * t3 = -2 t1 (1 - 3 t^2):
 *   u    = sum a t + c:       du/dw = a x t1,            du/db = a t1,       du/da = t,       du/dc = 1
 *   u_x  = sum a w t1:        d/dw = a (t1 + w x t2),    d/db = a w t2,      d/da = w t1,     d/dc = 0
 *   u_xx = sum a w^2 t2:      d/dw = a (2 w t2 + w^2 x t3), d/db = a w^2 t3, d/da = w^2 t2,   d/dc = 0
 */
function handGrad(x: number, order: 0 | 1 | 2): Float64Array {
  const g = new Float64Array(P);
  for (let k = 0; k < K_UNITS; k++) {
    const [w, b, a] = [W[k], B[k], A[k]];
    const t = Math.tanh(w * x + b);
    const t1 = 1 - t * t;
    const t2 = -2 * t * t1;
    const t3 = -2 * t1 * (1 - 3 * t * t);
    const [dw, db, da] =
      order === 0
        ? [a * x * t1, a * t1, t]
        : order === 1
          ? [a * (t1 + w * x * t2), a * w * t2, w * t1]
          : [a * (2 * w * t2 + w * w * x * t3), a * w * w * t3, w * w * t2];
    g[k] = dw;
    g[K_UNITS + k] = db;
    g[2 * K_UNITS + k] = da;
  }
  g[3 * K_UNITS] = order === 0 ? 1 : 0;
  return g;
}

const dot = (p: Float64Array, q: Float64Array) => p.reduce((s, v, i) => s + v * q[i], 0);

/** Rows of J for a term's batch, by hand. */
function handRows(name: string, b: TermBatch): Float64Array[] {
  const xs = [...b.X];
  switch (name) {
    case "res":
      return xs.map((x) => handGrad(x, 2));
    case "bc":
    case "obs":
      return xs.map((x) => handGrad(x, 0));
    case "per": {
      const n = xs.length / 2;
      const diff = (o: 0 | 1, j: number) =>
        handGrad(xs[j], o).map((v, i) => v - handGrad(xs[n + j], o)[i]);
      return [
        ...Array.from({ length: n }, (_, j) => diff(0, j)),
        ...Array.from({ length: n }, (_, j) => diff(1, j)),
      ];
    }
    default:
      throw new Error(name);
  }
}

function batches(p: Problem, n: number, seed: number): Record<string, TermBatch> {
  const rng = new Rng(seed);
  const out: Record<string, TermBatch> = {};
  for (const t of p.terms) out[t.name] = t.sample(rng, n, "uniform");
  return out;
}

function upload(b: Record<string, TermBatch>, dims = 1): [PointsByTerm, TargetsByTerm] {
  const X: PointsByTerm = {};
  const T: TargetsByTerm = {};
  for (const [name, batch] of Object.entries(b)) {
    const a = batchArrays(batch, dims, "float64");
    X[name] = a.X;
    if (a.target) T[name] = a.target;
  }
  return [X, T];
}

const net = createNetwork(config(K_UNITS, 1), 0);
const B5 = batches(problem, 5, 1);
const params = handParams();
const ntkFn = makeTermNtk(problem, net);
const blocks = await readNtkBlocks(ntkFn(tree.ref(params), ...upload(B5)));

test("data term: the empirical NTK equals 1 + sum_k [t_k t_k' + a_k^2 sech^2_k sech^2_k' (x x' + 1)]", () => {
  const { n, K } = blocks.obs;
  assert.equal(n, OBS_X.length);
  let scale = 0;
  for (const v of K) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const [x, y] = [OBS_X[i], OBS_X[j]];
      let k = 1; // dc
      for (let u = 0; u < K_UNITS; u++) {
        const tx = Math.tanh(W[u] * x + B[u]);
        const ty = Math.tanh(W[u] * y + B[u]);
        k += tx * ty + A[u] * A[u] * (1 - tx * tx) * (1 - ty * ty) * (x * y + 1);
      }
      // jax-js's float64 tanh is float32-accurate (~1e-7)
      assert.ok(
        Math.abs(K[i * n + j] - k) <= 1e-6 * scale,
        `K(${x}, ${y}) = ${K[i * n + j]} vs ${k}`,
      );
    }
  }
});

test("residual, Dirichlet and periodic blocks equal J J^T of the hand-derived gradients", () => {
  for (const name of ["res", "bc", "per"]) {
    const rows = handRows(name, B5[name]);
    const { n, K } = blocks[name];
    assert.equal(n, rows.length, `${name}: order`);
    const scale = Math.max(...K.map(Math.abs));
    assert.ok(scale > 1e-3, `${name}: non-trivial`);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const want = dot(rows[i], rows[j]);
        assert.ok(
          Math.abs(K[i * n + j] - want) <= 2e-6 * scale,
          `${name} K[${i},${j}] = ${K[i * n + j]} vs ${want}`,
        );
      }
    }
  }
  assert.equal(blocks.per.n, 10, "5 pairs x (value, slope)");
  assert.deepEqual(residualGroup(problem, { name: "per", kind: "periodic" }), {
    rows: 2,
    outputs: 2,
  });
});

test("Jacobians: shapes [n_i, P] and rows by hand; traces = sum_j |grad r_j|^2 = Tr(K_ii)", async () => {
  const jac = makeTermJacobians(problem, net);
  const J = jac(tree.ref(params), ...upload(B5));
  for (const name of problem.termNames) {
    const rows = handRows(name, B5[name]);
    assert.deepEqual(J[name].shape, [rows.length, P], name);
    const got = await J[name].data();
    const scale = Math.max(...rows.flatMap((r) => [...r].map(Math.abs)));
    rows.forEach((r, i) =>
      r.forEach((v, k) =>
        assert.ok(Math.abs(got[i * P + k] - v) <= 1e-6 * scale, `${name} J[${i},${k}]`),
      ),
    );
  }
  jac.dispose();
  const traces = makeNtkTraces(problem, net);
  const tr = await traces(tree.ref(params), ...upload(B5)).data();
  problem.termNames.forEach((name, i) => {
    const { n, K } = blocks[name];
    let t = 0;
    for (let j = 0; j < n; j++) t += K[j * n + j];
    assert.ok(Math.abs(tr[i] - t) <= 1e-12 * t, `${name}: ${tr[i]} vs ${t}`);
  });
  traces.dispose();
});

test("ntkReport: trace = sum of eigenvalues, trace ratios and NTK weights by hand", () => {
  const report = ntkReport(blocks, problem.terms);
  const tr = (name: string) => {
    const { n, K } = blocks[name];
    let t = 0;
    for (let j = 0; j < n; j++) t += K[j * n + j];
    return t;
  };
  for (const r of report.terms) {
    assert.equal(r.method, "jacobi");
    assert.equal(r.eigenvalues.length, r.n);
    const sum = r.eigenvalues.reduce((a, b) => a + b, 0);
    assert.ok(
      Math.abs(sum - r.trace) <= 1e-12 * r.trace,
      `${r.term}: sum ${sum} vs trace ${r.trace}`,
    );
    assert.ok(r.lambdaMin >= -1e-10 * r.lambdaMax, `${r.term}: PSD`);
    assert.equal(r.trace, tr(r.term));
    assert.equal(r.meanDiag, r.trace / r.n);
    assert.ok(Math.abs(r.traceRatio - tr("res") / r.trace) <= 1e-15 * r.traceRatio);
    const md = tr("res") / blocks.res.n / (r.trace / r.n);
    assert.ok(Math.abs(r.meanDiagRatio - md) <= 1e-14 * md);
  }
  const total = problem.termNames.reduce((a, n) => a + tr(n), 0);
  for (const name of problem.termNames) {
    assert.ok(Math.abs(report.weights[name] - total / tr(name)) <= 1e-14 * report.weights[name]);
  }
  const diags = report.terms.map((r) => r.meanDiag);
  assert.equal(report.meanDiagSpread, Math.max(...diags) / Math.min(...diags));
  const traces = problem.termNames.map(tr);
  assert.equal(report.traceSpread, Math.max(...traces) / Math.min(...traces));
  assert.deepEqual(ntkWeightsFromTraces({ res: 900, bc: 100 }), { res: 1000 / 900, bc: 10 });
  assert.deepEqual(JSON.parse(JSON.stringify(report)), report);
  assert.throws(
    () => ntkReport({ res: blocks.res }, problem.terms),
    /no kernel block for term "bc"/,
  );
});

test("above n = 256 the top eigenvalues come from Lanczos and agree with the dense solver", async () => {
  const wide = createNetwork(config(24, 2), 3);
  const p = wide.init(4);
  const resOnly = defineProblem({
    name: "res-only",
    domain: problem.domain,
    fields: ["u"],
    residuals: problem.residuals,
    conditions: {},
  });
  const b = batches(resOnly, 270, 9);
  const fn = makeTermNtk(resOnly, wide);
  const { res } = await readNtkBlocks(fn(p, ...upload(b)));
  fn.dispose();
  assert.equal(res.n, 270);
  const s = ntkSpectrum(res.K, res.n, { topK: 8 });
  assert.equal(s.method, "lanczos");
  assert.equal(s.eigenvalues.length, 8);
  const full = symmetricEigen(res.K, res.n).values;
  for (let i = 0; i < 8; i++) {
    assert.ok(
      Math.abs(s.eigenvalues[i] - full[i]) <= 1e-9 * full[0],
      `lambda_${i}: ${s.eigenvalues[i]} vs ${full[i]}`,
    );
  }
  const sum = full.reduce((a, v) => a + v, 0);
  assert.ok(Math.abs(sum - s.trace) <= 1e-10 * s.trace);
});

test("subsampleBatch keeps periodic pairs together and caps the kernel order", () => {
  const b = batches(problem, 300, 5);
  const terms = Object.fromEntries(problem.terms.map((t) => [t.name, t]));
  const res = subsampleBatch(problem, terms.res, b.res, 256);
  assert.equal(res.rows, 256);
  assert.deepEqual(res.X, b.res.X.slice(0, 256));
  const per = subsampleBatch(problem, terms.per, b.per, 256);
  assert.equal(per.rows, 2 * 128, "128 pairs give 256 residual rows");
  assert.deepEqual(per.X.slice(0, 128), b.per.X.slice(0, 128));
  assert.deepEqual(per.X.slice(128), b.per.X.slice(300, 428));
  const obs = subsampleBatch(problem, terms.obs, b.obs, 4);
  assert.equal(obs.rows, 4);
  assert.deepEqual(obs.target, b.obs.target?.slice(0, 4));
  assert.equal(subsampleBatch(problem, terms.bc, B5.bc), B5.bc, "small enough: unchanged");
  assert.equal(subsampleBatch(problem, terms.bc, b.bc).rows, 256);
  assert.throws(() => subsampleBatch(problem, terms.per, b.per, 1), /keeps no example/);
});

test("subsampleBatch keeps every block of a Robin term's target (values, then normals)", () => {
  // on a square the Robin target is [g (n), n_x (n), n_y (n)]; a subsample keeps the first k
  // rows of each block (it once kept the first k entries only, and the doctor's Gauss-Newton
  // measurement failed on a problem with a Robin end: "broadcast shapes 128 vs 64")
  const sq = defineProblem({
    name: "neumann-square",
    domain: box({ x: [0, 1], y: [0, 1] }),
    fields: ["u"],
    residuals: { res: ({ d }) => d("u", "xx").add(d("u", "yy")) },
    conditions: { flux: robin("u", "boundary", { a: 1, b: 2 }, 3) },
  });
  const term = sq.terms.find((t) => t.name === "flux");
  assert.ok(term);
  const full = term.sample(new Rng(1), 40, "uniform");
  assert.equal(full.target?.length, 3 * 40);
  const sub = subsampleBatch(sq, term, full, 10);
  assert.equal(sub.rows, 10);
  assert.deepEqual(sub.X, full.X.slice(0, 20));
  const t = full.target as Float64Array;
  const want = [...t.slice(0, 10), ...t.slice(40, 50), ...t.slice(80, 90)];
  assert.deepEqual(Array.from(sub.target ?? []), want);
  assert.ok(
    want.slice(0, 10).every((v) => v === 3),
    "the flux values",
  );
  assert.ok(
    want.slice(10).every((v) => v === 0 || Math.abs(v) === 1),
    "unit normals",
  );
});

test.after(() => {
  ntkFn.dispose();
  tree.dispose(params);
});

test("per-point Jacobians of a Robin term (its target carries normal blocks) agree with its loss gradient", async () => {
  // 2 / n J' r is the gradient of mean(r^2); its norm does not depend on the parameter order, and
  // a point given another point's target (or normal) would change both r and J's rows
  const sq = defineProblem({
    name: "robin-square",
    domain: box({ x: [-1, 1], y: [-1, 1] }),
    fields: ["u"],
    residuals: { res: ({ d }) => d("u", "xx").add(d("u", "yy")) },
    conditions: { end: robin("u", "boundary", { a: 1, b: 2 }, (q) => q.x - 3 * q.y) },
  });
  const sqNet = createNetwork({ ...config(6, 2), inputs: 2, lo: [-1, -1], hi: [1, 1] }, 5);
  const p = sqNet.init(5);
  const b = batches(sq, 12, 7);
  assert.equal(b.end.target?.length, 3 * 12, "[g, n_x, n_y]");
  const jac = makeTermJacobians(sq, sqNet);
  const J = await jac(tree.ref(p), ...upload(b, 2)).end.data();
  const r = await termResiduals(sq, sqNet, p, ...upload(b, 2)).end.data();
  const n = r.length;
  assert.equal(n, 12);
  const Pn = J.length / n;
  const viaJ = new Float64Array(Pn);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < Pn; k++) viaJ[k] += (2 / n) * r[i] * J[i * Pn + k];
  const [X, T] = upload(b, 2);
  const g = grad((pp: NetParams) => {
    const { res, end: re } = termResiduals(sq, sqNet, pp, tree.ref(X), tree.ref(T));
    res.dispose();
    tree.dispose(pp);
    return re.ref.mul(re).mean();
  })(tree.ref(p));
  let want = 0;
  for (const leaf of tree.leaves(g)) for (const v of await leaf.data()) want += v * v;
  tree.dispose([X, T, p]);
  const got = viaJ.reduce((a, v) => a + v * v, 0);
  assert.ok(want > 0 && Math.abs(got - want) <= 1e-9 * want, `|grad|^2 ${got} vs ${want}`);
  jac.dispose();
});

test("jax-js 0.1.25 miscompiles jit(grad) through a slice with a constant cotangent (why termJacobian passes a traced 1)", () => {
  // If this starts failing after a jax-js upgrade, the bug is fixed and the `one` argument of
  // termJacobian in src/diagnostics/ntk.ts can go.
  const f64 = (v: number[], s: number[]) => fromData(v, s, "float64");
  const f = (w: np.Array) =>
    np
      .concatenate([w.ref.mul(0.3), w], 0)
      .slice([1, 2])
      .sum();
  const eager = grad(f)(f64([1.3], [1, 1])).dataSync()[0];
  const jitted = jit((w: np.Array) => grad(f)(w));
  const compiled = jitted(f64([1.3], [1, 1])).dataSync()[0];
  jitted.dispose();
  assert.equal(eager, 1);
  assert.notEqual(compiled, 1, "fixed upstream: the workaround can be removed");
  // the workaround: the same slice times a traced 1
  const g = (w: np.Array, one: np.Array) =>
    np
      .concatenate([w.ref.mul(0.3), w], 0)
      .slice([1, 2])
      .mul(one)
      .sum();
  const fixed = jit((w: np.Array, one: np.Array) => grad(g)(w, one));
  assert.equal(fixed(f64([1.3], [1, 1]), f64([1], [])).dataSync()[0], 1);
  fixed.dispose();
});
