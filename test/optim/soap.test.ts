// SOAP against a step-by-step hand computation on a 2x2 weight block plus a 2-entry bias
// (closed-form 2x2 eigenvectors, Gram-Schmidt QR, Adam moments in the rotated basis, rotation
// back), Adam when nothing is rotated, weight decay, block validation, and a quadratic.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type SoapOptions, soapInit, soapOptions, soapUpdate } from "../../src/optim/soap.js";

type M2 = [number, number, number, number]; // [a b; c d] row-major

const mul = (A: M2, B: M2): M2 => [
  A[0] * B[0] + A[1] * B[2],
  A[0] * B[1] + A[1] * B[3],
  A[2] * B[0] + A[3] * B[2],
  A[2] * B[1] + A[3] * B[3],
];
const tr = (A: M2): M2 => [A[0], A[2], A[1], A[3]];
const lin = (a: number, A: M2, b: number, B: M2): M2 => A.map((x, i) => a * x + b * B[i]) as M2;

/** Eigenvectors of the symmetric [a b; b c] as columns, largest eigenvalue first. */
function eig2(S: M2): M2 {
  const [a, b, , c] = S;
  const l1 = (a + c) / 2 + Math.sqrt(((a - c) / 2) ** 2 + b * b);
  // (b, l1 - a) solves (S - l1 I) v = 0 when b != 0
  const n1 = Math.hypot(b, l1 - a);
  const [x, y] = [b / n1, (l1 - a) / n1];
  return [x, -y, y, x];
}

/** Q of A = Q R by classical Gram-Schmidt on A's two columns. */
function gs(A: M2): M2 {
  const n1 = Math.hypot(A[0], A[2]);
  const [q1x, q1y] = [A[0] / n1, A[2] / n1];
  const p = q1x * A[1] + q1y * A[3];
  const [ux, uy] = [A[1] - p * q1x, A[3] - p * q1y];
  const n2 = Math.hypot(ux, uy);
  return [q1x, ux / n2, q1y, uy / n2];
}

/** One SOAP refresh of a 2x2 basis: sort columns by q^T P q (largest first), then Q = qr(P Q). */
function refresh(P: M2, Q: M2, kind: "powerQr" | "eigh"): { Q: M2; swap: boolean } {
  const est = [0, 1].map((k) => {
    const q = [Q[k], Q[2 + k]];
    return q[0] * (P[0] * q[0] + P[1] * q[1]) + q[1] * (P[2] * q[0] + P[3] * q[1]);
  });
  const swap = est[1] > est[0];
  const Qs: M2 = swap ? [Q[1], Q[0], Q[3], Q[2]] : Q;
  return { Q: kind === "powerQr" ? gs(mul(P, Qs)) : eig2(P), swap };
}

const G: M2[] = [
  [1, 2, -0.5, 0.3],
  // large in the second row: the left basis swaps its columns at the first refresh
  [0.4, -1, 6, 2],
  [-0.3, 0.8, 1.5, -2],
];
const BIAS = [
  [0.5, -2],
  [1, 0.25],
  [-0.7, 3],
];
const LRS = [0.1, 0.1, 0.05];
const OPTS = soapOptions({ b1: 0.9, b2: 0.99, shampooBeta: 0.8, eps: 1e-8, precondEvery: 1 });

/** The expected deltas of three calls, computed by hand with the 2x2 helpers above. */
function handSoap(
  o: SoapOptions,
  kind: "powerQr" | "eigh",
): { deltas: number[][]; L: M2; R: M2; swaps: number } {
  const beta = o.shampooBeta;
  // call 1: the factors and their eigenbases only
  let L = lin(1 - beta, mul(G[0], tr(G[0])), 0, G[0]);
  let R = lin(1 - beta, mul(tr(G[0]), G[0]), 0, G[0]);
  let QL = eig2(L);
  let QR = eig2(R);
  let m: M2 = [0, 0, 0, 0];
  let v: M2 = [0, 0, 0, 0];
  const mb = [0, 0];
  const vb = [0, 0];
  const deltas: number[][] = [[0, 0, 0, 0, 0, 0]];
  let swaps = 0;
  for (let t = 1; t <= 2; t++) {
    const g = G[t];
    const step = (LRS[t] * Math.sqrt(1 - o.b2 ** t)) / (1 - o.b1 ** t);
    // rotate, Adam moments in the rotated basis, rotate back
    const gr = mul(mul(tr(QL), g), QR);
    m = lin(o.b1, m, 1 - o.b1, gr);
    v = lin(o.b2, v, 1 - o.b2, gr.map((x) => x * x) as M2);
    const ratio = m.map((x, i) => x / (Math.sqrt(v[i]) + o.eps)) as M2;
    const back = mul(mul(QL, ratio), tr(QR));
    const dBias = [0, 1].map((i) => {
      mb[i] = o.b1 * mb[i] + (1 - o.b1) * BIAS[t][i];
      vb[i] = o.b2 * vb[i] + (1 - o.b2) * BIAS[t][i] ** 2;
      return (-step * mb[i]) / (Math.sqrt(vb[i]) + o.eps);
    });
    deltas.push([...back.map((x) => -step * x), ...dBias]);
    // then the factors see g, the bases are refreshed (precondEvery = 1) and m follows them
    const mOriginal = mul(mul(QL, m), tr(QR));
    L = lin(beta, L, 1 - beta, mul(g, tr(g)));
    R = lin(beta, R, 1 - beta, mul(tr(g), g));
    const l = refresh(L, QL, kind);
    const r = refresh(R, QR, kind);
    QL = l.Q;
    QR = r.Q;
    swaps += Number(l.swap) + Number(r.swap);
    if (l.swap) v = [v[2], v[3], v[0], v[1]];
    if (r.swap) v = [v[1], v[0], v[3], v[2]];
    m = mul(mul(tr(QL), mOriginal), QR);
  }
  return { deltas, L, R, swaps };
}

for (const kind of ["powerQr", "eigh"] as const) {
  test(`SOAP (${kind} refresh) matches a hand computation: init, then 2 steps on a 2x2 block and a bias`, () => {
    const o: SoapOptions = { ...OPTS, refresh: kind };
    const want = handSoap(o, kind);
    let state = soapInit(
      6,
      [
        { offset: 0, rows: 2, cols: 2 },
        { offset: 4, rows: 1, cols: 2 },
      ],
      o,
    );
    for (let t = 0; t < 3; t++) {
      const grad = Float64Array.of(...G[t], ...BIAS[t]);
      const r = soapUpdate(grad, state, LRS[t], o);
      state = r.state;
      r.delta.forEach((d, i) => {
        const w = want.deltas[t][i];
        assert.ok(
          Math.abs(d - w) <= 1e-12 * Math.max(1, Math.abs(w)),
          `call ${t} delta[${i}] ${d} vs ${w}`,
        );
      });
    }
    assert.equal(state.step, 2);
    state.L.forEach((x, i) => assert.ok(Math.abs(x - want.L[i]) < 1e-14, `L[${i}]`));
    state.R.forEach((x, i) => assert.ok(Math.abs(x - want.R[i]) < 1e-14, `R[${i}]`));
    // the data make the refreshes reorder the bases, so v's permutation is exercised
    assert.ok(want.swaps >= 1, `swaps ${want.swaps}`);
    // the first real step moves every entry (the rotation mixes them): a non-trivial check
    assert.ok(want.deltas[1].every((d) => Math.abs(d) > 1e-4));
  });
}

test("the first call only initialises; the state is plain data", () => {
  const s0 = soapInit(4, [{ offset: 0, rows: 2, cols: 2 }], OPTS);
  const { delta, state } = soapUpdate(Float64Array.of(1, 2, 3, 4), s0, 0.1, OPTS);
  assert.deepEqual([...delta], [0, 0, 0, 0]);
  assert.equal(state.initialised, true);
  assert.equal(state.step, 0);
  assert.deepEqual([...state.m], [0, 0, 0, 0]);
  for (const [k, v] of Object.entries(state)) {
    assert.ok(typeof v === "number" || typeof v === "boolean" || v instanceof Float64Array, k);
  }
  // pure: the input state is untouched
  assert.deepEqual([...s0.L], [0, 0, 0, 0]);
  assert.equal(s0.initialised, false);
});

test("unrotated (maxPrecondDim 1, or no blocks): Adam with the reference's eps placement", () => {
  const o = soapOptions({ b1: 0.9, b2: 0.99, maxPrecondDim: 1 });
  const grads = [G[0], G[1], G[2]];
  for (const blocks of [[{ offset: 0, rows: 2, cols: 2 }], []]) {
    let state = soapInit(4, blocks, o);
    assert.equal(state.layout.length, 0);
    const m = [0, 0, 0, 0];
    const v = [0, 0, 0, 0];
    for (let t = 0; t < 3; t++) {
      const r = soapUpdate(Float64Array.from(grads[t]), state, LRS[t], o);
      state = r.state;
      if (t === 0) {
        assert.deepEqual([...r.delta], [0, 0, 0, 0]);
        continue;
      }
      for (let i = 0; i < 4; i++) {
        m[i] = 0.9 * m[i] + 0.1 * grads[t][i];
        v[i] = 0.99 * v[i] + 0.01 * grads[t][i] ** 2;
        const want =
          ((-LRS[t] * Math.sqrt(1 - 0.99 ** t)) / (1 - 0.9 ** t)) *
          (m[i] / (Math.sqrt(v[i]) + 1e-8));
        assert.ok(Math.abs(r.delta[i] - want) < 1e-15, `t ${t} delta[${i}]`);
      }
    }
  }
});

test("decoupled weight decay: delta - lr wd (x + delta)", () => {
  const blocks = [{ offset: 0, rows: 2, cols: 2 }];
  const x = Float64Array.of(1, -2, 0.5, 3);
  const plain = soapOptions({ precondEvery: 2 });
  const decayed = { ...plain, weightDecay: 0.1 };
  let a = soapInit(4, blocks, plain);
  let b = soapInit(4, blocks, decayed);
  for (let t = 0; t < 3; t++) {
    const grad = Float64Array.from(G[t]);
    const ra = soapUpdate(grad, a, 0.2, plain);
    const rb = soapUpdate(grad, b, 0.2, decayed, x);
    a = ra.state;
    b = rb.state;
    if (t === 0) continue;
    ra.delta.forEach((d, i) => {
      assert.ok(Math.abs(rb.delta[i] - (d - 0.2 * 0.1 * (x[i] + d))) < 1e-15);
    });
  }
  assert.throws(() => soapUpdate(Float64Array.from(G[0]), b, 0.2, decayed), /weightDecay/);
});

test("blocks are validated", () => {
  assert.throws(() => soapInit(4, [{ offset: 1, rows: 2, cols: 2 }], OPTS), /does not fit/);
  assert.throws(
    () =>
      soapInit(
        8,
        [
          { offset: 0, rows: 2, cols: 2 },
          { offset: 3, rows: 2, cols: 2 },
        ],
        OPTS,
      ),
    /overlaps/,
  );
  assert.throws(() => soapInit(4, [{ offset: 0, rows: 1.5, cols: 2 }], OPTS), /does not fit/);
  assert.throws(
    () => soapUpdate(new Float64Array(3), soapInit(4, [], OPTS), 0.1, OPTS),
    /3 entries/,
  );
});

test("SOAP decreases an ill-conditioned quadratic over a 3x4 weight and a bias", () => {
  // f = 1/2 |A (W - W*) B|_F^2 + 1/2 |b - b*|^2, A [3, 3] and B [4, 4] fixed, cond(A) cond(B) ~ 100
  const A = [3, 1, 0, 1, 1, 0.2, 0, 0.2, 0.3];
  const B = [2, 0.5, 0, 0, 0.5, 1, 0.3, 0, 0, 0.3, 0.5, 0.1, 0, 0, 0.1, 0.2];
  const Ws = Array.from({ length: 12 }, (_, i) => Math.sin(i + 1));
  const bs = [0.5, -1, 2];
  const mm = (X: number[], Y: number[], p: number, q: number, r: number) =>
    Array.from({ length: p * r }, (_, k) => {
      const [i, j] = [Math.floor(k / r), k % r];
      let s = 0;
      for (let l = 0; l < q; l++) s += X[i * q + l] * Y[l * r + j];
      return s;
    });
  const t = (X: number[], p: number, q: number) =>
    Array.from({ length: p * q }, (_, k) => X[(k % p) * q + Math.floor(k / p)]);
  const fg = (x: Float64Array) => {
    const E = Array.from({ length: 12 }, (_, i) => x[i] - Ws[i]);
    const AEB = mm(mm(A, E, 3, 3, 4), B, 3, 4, 4);
    const gW = mm(mm(t(A, 3, 3), AEB, 3, 3, 4), t(B, 4, 4), 3, 4, 4);
    const eb = [0, 1, 2].map((i) => x[12 + i] - bs[i]);
    const f = 0.5 * AEB.reduce((s, v) => s + v * v, 0) + 0.5 * eb.reduce((s, v) => s + v * v, 0);
    return { f, g: Float64Array.of(...gW, ...eb) };
  };
  const blocks = [
    { offset: 0, rows: 3, cols: 4 },
    { offset: 12, rows: 1, cols: 3 },
  ];
  const run = (o: SoapOptions) => {
    let state = soapInit(15, blocks, o);
    const x = new Float64Array(15);
    for (let k = 0; k < 600; k++) {
      const r = soapUpdate(fg(x).g, state, 0.05 * Math.pow(0.995, k), o);
      state = r.state;
      for (let i = 0; i < 15; i++) x[i] += r.delta[i];
    }
    return fg(x).f;
  };
  const f0 = fg(new Float64Array(15)).f;
  const soap = run(soapOptions({ b1: 0.9, b2: 0.99 }));
  // the same schedule without rotations (maxPrecondDim 1) is plain Adam
  const adam = run(soapOptions({ b1: 0.9, b2: 0.99, maxPrecondDim: 1 }));
  // measured: f / f0 = 2.4e-28 (SOAP) and 1.2e-5 (Adam)
  assert.ok(soap < 1e-20 * f0, `SOAP f ${soap} from ${f0}`);
  assert.ok(adam > 1e6 * soap, `Adam f ${adam} vs SOAP ${soap}`);
});
