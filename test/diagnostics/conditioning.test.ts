// The ill-conditioning measurements: finite-difference Hessian-vector products against exact and
// loss-only second differences, the Lanczos ends and the residual's median curvature on spectra
// known by construction, the stall fit, and the finding on least-squares problems trained by
// gradient descent.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { startEngine, tree } from "../../src/engine/index.js";
import {
  KAPPA_CAP,
  effectiveKappa,
  finiteDifferenceHvp,
  hessianEnds,
  lossStall,
  residualSpectrum,
  spectralMedian,
} from "../../src/diagnostics/conditioning.js";
import {
  KAPPA_THRESHOLD,
  STALL_THRESHOLD,
  illConditioningFinding,
} from "../../src/diagnostics/doctor.js";
import { flattenParams, unflattenParams } from "../../src/nets/flat.js";
import { createBackend } from "../../src/train/selectBackend.js";
import { flatObjective } from "../../src/train/objective.js";
import { resolveRun } from "../../src/train/resolve.js";
import { prepare, sampleBatches } from "../../src/train/setup.js";
import { Rng } from "../../src/util/rng.js";

before(async () => {
  await startEngine();
});

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** A random orthogonal matrix [n, n] (row-major), by Gram-Schmidt on normal columns. */
function orthogonal(n: number, rng: Rng): Float64Array {
  const cols: Float64Array[] = [];
  while (cols.length < n) {
    const v = Float64Array.from({ length: n }, () => rng.normal());
    for (const c of cols) {
      const d = dot(c, v);
      for (let i = 0; i < n; i++) v[i] -= d * c[i];
    }
    const nv = Math.sqrt(dot(v, v));
    cols.push(v.map((x) => x / nv));
  }
  const Q = new Float64Array(n * n);
  cols.forEach((c, j) => c.forEach((x, i) => (Q[i * n + j] = x)));
  return Q;
}

/** A = Q diag(lam) Q' [n, n]. */
function withSpectrum(lam: readonly number[], rng: Rng): Float64Array {
  const n = lam.length;
  const Q = orthogonal(n, rng);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += Q[i * n + k] * lam[k] * Q[j * n + k];
      A[i * n + j] = s;
    }
  return A;
}

const matvec = (A: Float64Array, n: number, v: ArrayLike<number>) =>
  Float64Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let j = 0; j < n; j++) s += A[i * n + j] * v[j];
    return s;
  });

test("finite-difference Hv of a quadratic's gradient equals A v", async () => {
  const rng = new Rng(1);
  const n = 12;
  const lam = Array.from({ length: n }, (_, i) => 10 ** (i / 2 - 2));
  const A = withSpectrum(lam, rng);
  const b = Float64Array.from({ length: n }, () => rng.normal());
  const grad = (x: Float64Array) => {
    const g = matvec(A, n, x);
    return Promise.resolve(g.map((v, i) => v + b[i]));
  };
  const x = Float64Array.from({ length: n }, () => 3 * rng.normal());
  const hv = finiteDifferenceHvp(grad, x);
  for (let t = 0; t < 3; t++) {
    const v = Float64Array.from({ length: n }, () => rng.normal());
    const got = await hv(v);
    const want = matvec(A, n, v);
    const err = Math.sqrt(
      dot(
        got.map((g, i) => g - want[i]),
        got.map((g, i) => g - want[i]),
      ),
    );
    assert.ok(err < 1e-8 * Math.sqrt(dot(want, want)), `|Hv - Av| = ${err}`);
  }
});

test("Hv of a small network's float64 loss matches second differences of the loss alone", async () => {
  const r = resolveRun("poisson1d", [
    ["width", 4],
    ["depth", 2],
    ["precision", "float64"],
    ["bcPoints", 2],
  ]);
  const { problem, net } = prepare(r.problem, r.config);
  const params = net.init(0);
  const { flat: x, layout } = await flattenParams(params);
  tree.dispose(params);
  const batches = sampleBatches(problem, r.config, new Rng(2), 16);
  // the kernels' float64 tanh is accurate to a few ulps (jax-js's only to float32's ~1e-7)
  const backend = await createBackend(
    problem,
    net,
    r.config,
    unflattenParams(x, layout, "float64"),
  );
  assert.equal(backend.kind, "kernels");
  const fo = flatObjective({ problem, net, c: r.config }, backend, batches, r.weights, layout);
  const P = x.length;
  const hv = finiteDifferenceHvp(async (y) => (await fo.fg(y)).g, x);
  const f = async (y: Float64Array) => (await fo.fg(y)).f;
  const rng = new Rng(3);
  const rand = () => {
    const v = Float64Array.from({ length: P }, () => rng.normal());
    const nv = Math.sqrt(dot(v, v));
    return v.map((a) => a / nv);
  };
  const h = 1e-3;
  for (let t = 0; t < 3; t++) {
    const u = rand();
    const v = rand();
    const Hv = await hv(v);
    const Hu = await hv(u);
    // u'Hv by the polarised second difference of f (no gradients involved), error O(h^2)
    const at = (a: number, b: number) => f(x.map((xi, i) => xi + h * (a * u[i] + b * v[i])));
    const uHv =
      ((await at(1, 1)) - (await at(1, -1)) - (await at(-1, 1)) + (await at(-1, -1))) / (4 * h * h);
    const scale = Math.sqrt(dot(Hv, Hv));
    assert.ok(Math.abs(dot(u, Hv) - uHv) < 1e-4 * scale, `u'Hv ${dot(u, Hv)} vs ${uHv}`);
    assert.ok(Math.abs(dot(u, Hv) - dot(v, Hu)) < 1e-6 * scale, "symmetric");
  }
  fo.dispose();
  backend.dispose();
});

test("Lanczos on finite-difference Hv recovers the ends of a known spectrum (1 .. 1e6)", async () => {
  const rng = new Rng(4);
  const n = 30;
  const lam = Array.from({ length: n }, (_, i) => 10 ** ((6 * i) / (n - 1)));
  const A = withSpectrum(lam, rng);
  const grad = (x: Float64Array) => Promise.resolve(matvec(A, n, x));
  const x = Float64Array.from({ length: n }, () => rng.normal());
  const ends = await hessianEnds(finiteDifferenceHvp(grad, x), n, matvec(A, n, x), n);
  assert.ok(Math.abs(ends.lambdaMax - 1e6) < 1e-6 * 1e6, `lambda_max ${ends.lambdaMax}`);
  assert.ok(Math.abs(ends.lambdaMin - 1) < 1e-4, `lambda_min ${ends.lambdaMin}`);
  // the gradient's Rayleigh quotient is g'Ag / g'g
  const g = matvec(A, n, x);
  assert.ok(Math.abs(ends.rayleigh - dot(g, matvec(A, n, g)) / dot(g, g)) < 1e-6 * 1e6);
  // 8 steps from the gradient already give lambda_max to 1e-3
  const short = await hessianEnds(finiteDifferenceHvp(grad, x), n, g, 8);
  assert.ok(Math.abs(short.lambdaMax - 1e6) < 1e-3 * 1e6, `8 steps: ${short.lambdaMax}`);
});

/** J = U diag(s) V' [M, P] with random orthogonal U, V, and r = U c. */
function leastSquares(s: readonly number[], c: readonly number[], P: number, rng: Rng) {
  const M = s.length;
  const U = orthogonal(M, rng);
  const V = orthogonal(P, rng);
  const J = new Float64Array(M * P);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < P; j++) {
      let acc = 0;
      for (let k = 0; k < M; k++) acc += U[i * M + k] * s[k] * V[j * P + k];
      J[i * P + j] = acc;
    }
  const r = Float64Array.from({ length: M }, (_, i) => {
    let acc = 0;
    for (let k = 0; k < M; k++) acc += U[i * M + k] * c[k];
    return acc;
  });
  return { J, r, M };
}

test("residualSpectrum: the loss-weighted median of 2 s_j^2 for a known SVD and residual", async () => {
  const rng = new Rng(5);
  const s = [10, 3, 1, 0.3, 0.1, 0.01];
  const c = [0.1, 0.1, 0.1, 0.5, 0.8, 0.2];
  const { J, r, M } = leastSquares(s, c, 10, rng);
  const gn = await residualSpectrum(r, J, M, 10);
  // modes by curvature 2 s^2 ascending: 2e-4 (share .04/.96), 0.02 (.64/.96) -> median 0.02
  assert.ok(Math.abs(gn.lambdaEff - 0.02) < 1e-9, `lambda_eff ${gn.lambdaEff}`);
  assert.ok(Math.abs(gn.lambdaMax - 200) < 1e-9 * 200);
  assert.ok(Math.abs(gn.loss - 0.96) < 1e-12);
  const w = [...gn.weights].sort((a, b) => a - b);
  assert.ok(Math.abs(w[w.length - 1] - 0.64 / 0.96) < 1e-9, "the largest share is mode 5's");
  assert.ok(Math.abs(effectiveKappa(gn.lambdaMax, gn.lambdaEff) - 1e4) < 1e-4);
  assert.equal(effectiveKappa(1, 0), KAPPA_CAP, "a zero median is floored at lambda_max / cap");
  assert.equal(effectiveKappa(-1, 0), 1);
  assert.equal(spectralMedian([100, 1, 0.01], [0.3, 0.3, 0.4]), 1);
});

test("lossStall fits log10(loss) over the last half", () => {
  const decay = Array.from({ length: 21 }, (_, i) => ({
    step: 10 * i,
    loss: 10 ** (-0.01 * 10 * i),
  }));
  const d = lossStall(decay);
  assert.ok(d);
  assert.equal(d.fromStep, 100);
  assert.equal(d.toStep, 200);
  assert.ok(Math.abs(d.slope + 0.01) < 1e-12);
  assert.ok(Math.abs(d.decrease - (1 - 10 ** -1)) < 1e-12, "one decade over 100 steps: 90%");
  const flat = lossStall(decay.map((p) => ({ step: p.step, loss: 0.3 })));
  assert.equal(flat?.decrease, 0);
  assert.equal(lossStall(decay.slice(0, 3)), null, "too few records in the last half");
});

/**
 * Plain gradient descent (step 1 / lambda_max, the largest stable one up to a factor 2) on
 * L(x) = |J x - b|^2 for a given spectrum of J; returns the loss record and the measurements at
 * the end.
 */
async function gradientDescent(s: readonly number[], steps: number) {
  const rng = new Rng(6);
  const P = 12;
  const M = s.length;
  const { J, r: b } = leastSquares(
    s,
    s.map(() => 1),
    P,
    rng,
  );
  const x = new Float64Array(P);
  const resid = (y: Float64Array) =>
    Float64Array.from({ length: M }, (_, i) => dot(J.subarray(i * P, (i + 1) * P), y) - b[i]);
  const grad = (y: Float64Array) => {
    const r = resid(y);
    return Float64Array.from({ length: P }, (_, j) => {
      let acc = 0;
      for (let i = 0; i < M; i++) acc += 2 * J[i * P + j] * r[i];
      return acc;
    });
  };
  const eta = 1 / (2 * s[0] * s[0]);
  const records = [];
  for (let k = 0; k <= steps; k++) {
    const r = resid(x);
    records.push({ step: k, loss: dot(r, r) });
    const g = grad(x);
    for (let j = 0; j < P; j++) x[j] -= eta * g[j];
  }
  const g = grad(x);
  const hessian = await hessianEnds(
    finiteDifferenceHvp((y) => Promise.resolve(grad(y)), x),
    P,
    g,
    P,
  );
  const gaussNewton = await residualSpectrum(resid(x), J, M, P);
  const curvature = {
    lambdaMax: hessian.lambdaMax,
    lambdaEff: gaussNewton.lambdaEff,
    kappa: effectiveKappa(hessian.lambdaMax, gaussNewton.lambdaEff),
    hessian,
    gaussNewton,
  };
  return { stall: lossStall(records), curvature };
}

test("ill-conditioning: detected when gradient descent stalls on an ill-conditioned least-squares loss, not on a well-conditioned one", async () => {
  // singular values 1 .. 1e-3: curvatures 2 .. 2e-6; 400 steps remove the stiff modes only
  const sick = await gradientDescent([1, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001], 400);
  assert.ok(sick.stall && sick.stall.decrease < STALL_THRESHOLD, JSON.stringify(sick.stall));
  assert.ok(Math.abs(sick.curvature.lambdaMax - 2) < 1e-6, `${sick.curvature.lambdaMax}`);
  assert.ok(sick.curvature.kappa > KAPPA_THRESHOLD, `kappa ${sick.curvature.kappa}`);
  const f = illConditioningFinding(sick.stall, sick.curvature);
  assert.equal(f.detected, true);
  assert.deepEqual(f.fix.set, { optimizer: "adam+ssbroyden", precision: "float64" });
  assert.match(
    f.summary,
    /^The loss stalled \(\d+% over the last half\) and the Hessian's condition number is ~\de\d+: first-order steps crawl along the flat directions\. Try --set optimizer=adam\+ssbroyden --set precision=float64\.$/,
  );
  // singular values 1 .. 0.5: the same descent converges geometrically
  const fine = await gradientDescent([1, 0.9, 0.8, 0.7, 0.6, 0.5], 400);
  assert.ok(fine.stall && fine.stall.decrease > 0.99, JSON.stringify(fine.stall));
  assert.ok(fine.curvature.kappa < 10, `kappa ${fine.curvature.kappa}`);
  assert.equal(illConditioningFinding(fine.stall, fine.curvature).detected, false);
  // a stall alone (a plateau with kappa below the threshold) is not blamed on conditioning
  assert.equal(illConditioningFinding(sick.stall, fine.curvature).detected, false);
  assert.equal(illConditioningFinding(null, sick.curvature).detected, false);
});
