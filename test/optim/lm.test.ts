// Levenberg-Marquardt: one Gauss-Newton step (mu = 0) solves a linear least-squares problem
// exactly, a damped step matches the damped normal equations, Nielsen's damping update by hand,
// rejections, an exponential-decay curve fit, Rosenbrock as residuals, a quadratic, and the
// memory check.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type LmOptions,
  type LmState,
  checkLmMemory,
  lmInit,
  lmMemoryBytes,
  lmOptions,
  lmRebase,
  lmStep,
} from "../../src/optim/lm.js";
import type { ResidualObjective } from "../../src/optim/types.js";
import { gaussSolve, mulVec, seeded } from "./helpers.js";

/** r = A x - b, J = A for A [m, p]. */
function linear(A: Float64Array, b: Float64Array, m: number, p: number): ResidualObjective {
  return async (x) => ({ r: mulVec(A, x, m, p).map((v, i) => v - b[i]), J: Float64Array.from(A) });
}

function randomProblem(m: number, p: number, seed: number) {
  const rand = seeded(seed);
  const A = Float64Array.from({ length: m * p }, () => rand() - 0.5);
  const b = Float64Array.from({ length: m }, () => rand() - 0.5);
  // A^T A and A^T b, by hand
  const AtA = new Float64Array(p * p);
  const Atb = new Float64Array(p);
  for (let i = 0; i < m; i++) {
    for (let a = 0; a < p; a++) {
      Atb[a] += A[i * p + a] * b[i];
      for (let c = 0; c < p; c++) AtA[a * p + c] += A[i * p + a] * A[i * p + c];
    }
  }
  return { A, b, AtA, Atb, x0: Float64Array.from({ length: p }, () => rand() - 0.5) };
}

async function run(
  resid: ResidualObjective,
  x0: Float64Array,
  opts: LmOptions,
  maxIter: number,
): Promise<LmState> {
  let state = lmInit(x0, opts);
  for (let k = 0; k < maxIter; k++) {
    const { state: next, info } = await lmStep(state, resid, opts);
    state = next;
    if (info.reason) break;
  }
  return state;
}

test("mu = 0: one step solves a random linear least-squares problem exactly", async () => {
  const [m, p] = [40, 7];
  const { A, b, AtA, Atb, x0 } = randomProblem(m, p, 1);
  const xStar = gaussSolve(AtA, Atb, p);
  const opts = lmOptions({ initialDamping: { kind: "absolute", mu: 0 } });
  const { state, info } = await lmStep(lmInit(x0, opts), linear(A, b, m, p), opts);
  state.x.forEach((v, i) =>
    assert.ok(Math.abs(v - xStar[i]) < 1e-12, `x[${i}] ${v} vs ${xStar[i]}`),
  );
  // the linear model is exact: rho = 1, and mu stays 0 (0 * max(1/3, 1 - 1^3))
  assert.ok(Math.abs(info.rho - 1) < 1e-10, `rho ${info.rho}`);
  assert.equal(state.mu, 0);
  assert.equal(state.evals, 2);
  assert.equal(info.rejections, 0);
  // the next step is stationary up to rounding: J^T r ~ 1e-16, a tiny or no move
  const again = await lmStep(state, linear(A, b, m, p), opts);
  again.state.x.forEach((v, i) => assert.ok(Math.abs(v - xStar[i]) < 1e-12));
});

test("damped steps solve (J^T J + mu D) delta = -J^T r for D = I and D = diag(J^T J)", async () => {
  const [m, p] = [12, 4];
  const { A, b, AtA, Atb, x0 } = randomProblem(m, p, 2);
  // g = A^T (A x0 - b)
  const g = mulVec(AtA, x0, p, p).map((v, i) => v - Atb[i]);
  for (const scaling of ["identity", "marquardt"] as const) {
    const mu = 0.7;
    const M = Float64Array.from(AtA);
    for (let i = 0; i < p; i++) M[i * p + i] += mu * (scaling === "identity" ? 1 : AtA[i * p + i]);
    const delta = gaussSolve(
      M,
      g.map((v) => -v),
      p,
    );
    const opts = lmOptions({ scaling, initialDamping: { kind: "absolute", mu } });
    const { state, info } = await lmStep(lmInit(x0, opts), linear(A, b, m, p), opts);
    assert.equal(info.rejections, 0);
    state.x.forEach((v, i) =>
      assert.ok(Math.abs(v - (x0[i] + delta[i])) < 1e-13, `${scaling} x[${i}]`),
    );
    // Nielsen's update with the gain ratio computed by hand: actual / (delta^T (mu D delta - g))
    const f = (x: Float64Array) => mulVec(A, x, m, p).reduce((s, v, i) => s + (v - b[i]) ** 2, 0);
    const xNew = x0.map((v, i) => v + delta[i]);
    let pred = 0;
    for (let i = 0; i < p; i++) {
      const d = scaling === "identity" ? 1 : AtA[i * p + i];
      pred += delta[i] * (mu * d * delta[i] - g[i]);
    }
    const rho = (f(x0) - f(xNew)) / pred;
    // for a linear problem the model is exact: rho = 1 up to rounding
    assert.ok(Math.abs(rho - 1) < 1e-12, `rho ${rho}`);
    assert.ok(Math.abs(info.rho - rho) < 1e-12);
    assert.ok(Math.abs(state.mu - mu * Math.max(1 / 3, 1 - (2 * rho - 1) ** 3)) < 1e-15);
    assert.equal(state.nu, 2);
  }
});

test("relative initial damping: mu0 = tau max (J^T J)_ii", async () => {
  const [m, p] = [10, 3];
  const { A, b, AtA, x0 } = randomProblem(m, p, 4);
  const maxDiag = Math.max(AtA[0], AtA[4], AtA[8]);
  const opts = lmOptions({ initialDamping: { kind: "relative", tau: 0.5 } });
  const { info } = await lmStep(lmInit(x0, opts), linear(A, b, m, p), opts);
  // accepted with rho = 1: mu = mu0 / 3
  assert.ok(Math.abs(info.mu - (0.5 * maxDiag) / 3) < 1e-14 * maxDiag, `${info.mu}`);
});

test("rejections: mu *= nu, nu *= 2 and a retry within the step; maxRejections stops", async () => {
  // r = atan(x) from x = 2: the Gauss-Newton step -r / r' = -5 atan(2) = -5.54 overshoots
  // (|atan(-3.54)| > atan(2)), so mu = 0 is rejected, restarted at 1e-3 (J^T J = 1/25) and grown
  const resid: ResidualObjective = async (x) => ({
    r: Float64Array.of(Math.atan(x[0])),
    J: Float64Array.of(1 / (1 + x[0] * x[0])),
  });
  const opts = lmOptions({ initialDamping: { kind: "absolute", mu: 0 }, maxRejections: 1 });
  const one = await lmStep(lmInit(Float64Array.of(2), opts), resid, opts);
  assert.equal(one.info.reason, "maxRejections");
  assert.deepEqual([...one.state.x], [2]);
  assert.ok(Math.abs(one.state.mu - 1e-3 / 25) < 1e-20, `mu ${one.state.mu}`);
  assert.equal(one.state.nu, 4);
  assert.equal(one.state.rejections, 1);
  // more retries: accepted after growing mu, then converges to 0
  const many = lmOptions({ initialDamping: { kind: "absolute", mu: 0 } });
  const r = await lmStep(lmInit(Float64Array.of(2), many), resid, many);
  assert.equal(r.info.reason, undefined);
  assert.ok(r.info.rejections >= 1, `rejections ${r.info.rejections}`);
  assert.ok(r.info.f < Math.atan(2) ** 2);
  assert.equal(r.state.nu, 2);
  // two hand-checked rejections: (mu, nu) = (1e-9, 2) -> (2e-9, 4) -> (8e-9, 8)
  const damped = lmOptions({ initialDamping: { kind: "absolute", mu: 1e-9 }, maxRejections: 2 });
  const two = await lmStep(lmInit(Float64Array.of(2), damped), resid, damped);
  assert.equal(two.info.rejections, 2);
  assert.ok(Math.abs(two.state.mu - 1e-9 * 2 * 4) < 1e-24);
  assert.equal(two.state.nu, 8);
  const s = await run(resid, Float64Array.of(2), many, 50);
  assert.ok(Math.abs(s.x[0]) < 1e-10, `x ${s.x[0]}`);
});

test("exponential decay y = a exp(-k t): fits a and k from (1, 0.1)", async () => {
  const [a, k] = [2.5, 1.3];
  const ts = Float64Array.from({ length: 25 }, (_, i) => (4 * i) / 24);
  const ys = ts.map((t) => a * Math.exp(-k * t));
  const resid: ResidualObjective = async (x) => {
    const r = new Float64Array(ts.length);
    const J = new Float64Array(ts.length * 2);
    ts.forEach((t, i) => {
      const e = Math.exp(-x[1] * t);
      r[i] = x[0] * e - ys[i];
      J[2 * i] = e;
      J[2 * i + 1] = -x[0] * t * e;
    });
    return { r, J };
  };
  for (const scaling of ["identity", "marquardt"] as const) {
    const s = await run(resid, Float64Array.of(1, 0.1), lmOptions({ scaling }), 100);
    assert.ok(Math.abs(s.x[0] - a) < 1e-10, `${scaling} a = ${s.x[0]}`);
    assert.ok(Math.abs(s.x[1] - k) < 1e-10, `${scaling} k = ${s.x[1]}`);
    // measured: 8 (identity) and 7 (marquardt) iterations, f = 0 exactly
    assert.ok(s.iter <= 20, `${scaling} iterations ${s.iter}`);
  }
  // with noise on the data: the fit stops where J^T r = 0 (checked against a finite difference)
  const rand = seeded(9);
  const noisy = ys.map((v) => v + 0.01 * (rand() - 0.5));
  const residNoisy: ResidualObjective = async (x) => {
    const { J } = await resid(x);
    const r = ts.map((t, i) => x[0] * Math.exp(-x[1] * t) - noisy[i]);
    return { r, J };
  };
  const s = await run(residNoisy, Float64Array.of(1, 0.1), lmOptions(), 100);
  const loss = (x: Float64Array) =>
    ts.reduce((acc, t, i) => acc + (x[0] * Math.exp(-x[1] * t) - noisy[i]) ** 2, 0);
  for (let j = 0; j < 2; j++) {
    const h = 1e-6;
    const xp = Float64Array.from(s.x);
    const xm = Float64Array.from(s.x);
    xp[j] += h;
    xm[j] -= h;
    const slope = (loss(xp) - loss(xm)) / (2 * h);
    assert.ok(Math.abs(slope) < 1e-8, `d loss / d x${j} = ${slope}`);
  }
  assert.ok(Math.abs(s.x[0] - a) < 0.02 && Math.abs(s.x[1] - k) < 0.02);
});

test("Rosenbrock as residuals (10 (x2 - x1^2), 1 - x1) from (-1.2, 1) to f < 1e-8", async () => {
  const resid: ResidualObjective = async (x) => ({
    r: Float64Array.of(10 * (x[1] - x[0] * x[0]), 1 - x[0]),
    J: Float64Array.of(-20 * x[0], 10, -1, 0),
  });
  for (const scaling of ["identity", "marquardt"] as const) {
    const s = await run(resid, Float64Array.of(-1.2, 1), lmOptions({ scaling }), 200);
    // measured: f = 0 exactly at (1, 1), after 17 (identity) and 25 (marquardt) iterations
    assert.ok(s.f < 1e-8, `${scaling} f = ${s.f}`);
    assert.ok(Math.abs(s.x[0] - 1) < 1e-4 && Math.abs(s.x[1] - 1) < 1e-4);
  }
});

test("a convex quadratic with a known minimiser, as residuals R (x - x*), to 1e-10", async () => {
  // f = |R (x - x*)|^2 with R upper bidiagonal (2 on the diagonal, 1 above): SPD R^T R
  const p = 6;
  const xStar = Float64Array.from({ length: p }, (_, i) => i + 1);
  const R = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    R[i * p + i] = 2;
    if (i + 1 < p) R[i * p + i + 1] = 1;
  }
  const resid: ResidualObjective = async (x) => ({
    r: mulVec(
      R,
      x.map((v, i) => v - xStar[i]),
      p,
      p,
    ),
    J: Float64Array.from(R),
  });
  const s = await run(resid, new Float64Array(p), lmOptions(), 50);
  s.x.forEach((v, i) => assert.ok(Math.abs(v - xStar[i]) < 1e-10, `x[${i}] ${v}`));
});

test("non-finite residuals, stationary points, rebase, and the memory message", async () => {
  const opts = lmOptions();
  const nan: ResidualObjective = async () => ({ r: Float64Array.of(NaN), J: Float64Array.of(1) });
  const r1 = await lmStep(lmInit(Float64Array.of(0), opts), nan, opts);
  assert.equal(r1.info.reason, "nonFinite");
  const zero: ResidualObjective = async () => ({ r: Float64Array.of(0), J: Float64Array.of(1) });
  const r2 = await lmStep(lmInit(Float64Array.of(0), opts), zero, opts);
  assert.equal(r2.info.reason, "stationary");
  assert.equal(r2.state.evals, 1);
  // plain data, for checkpoints
  for (const [k, v] of Object.entries(r2.state)) {
    assert.ok(typeof v === "number" || typeof v === "boolean" || v instanceof Float64Array, k);
  }
  // rebase drops r and J; mu and nu survive
  const rebased = lmRebase({ ...r2.state, mu: 0.25, nu: 8 });
  assert.equal(rebased.r.length, 0);
  assert.equal(rebased.J.length, 0);
  assert.ok(Number.isNaN(rebased.f));
  assert.equal(rebased.mu, 0.25);
  assert.equal(rebased.nu, 8);
  // a Jacobian of the wrong size is a programming error
  const bad: ResidualObjective = async () => ({ r: Float64Array.of(1, 2), J: Float64Array.of(1) });
  await assert.rejects(lmStep(lmInit(Float64Array.of(0), opts), bad, opts), /M \* P = 2 \* 1/);

  assert.equal(lmMemoryBytes(100, 1000), 8 * (3e4 + 2e5 + 2e3 + 800));
  checkLmMemory("lm", 100, 1000, 2e9);
  assert.throws(
    () => checkLmMemory("adam+lm", 5000, 200000, 2e9),
    (e: Error) => {
      assert.equal(
        e.message,
        "optimizer=adam+lm: a dense Gauss-Newton matrix and Jacobian for 5000 parameters and " +
          "200000 residuals needs 16.6 GB (limit 2.0 GB); use fewer collocation points, lbfgs, " +
          "or a smaller network",
      );
      return true;
    },
  );
});
