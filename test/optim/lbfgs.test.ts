// L-BFGS: Rosenbrock (2-D and 10-D), a quadratic with a known minimiser, the strong Wolfe
// conditions on every accepted step, and the stopping reasons.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startEngine } from "../../src/engine/index.js";
import { type LbfgsOptions, type Objective, lbfgs } from "../../src/optim/lbfgs.js";

await startEngine();

/** Extended Rosenbrock (Moré, Garbow & Hillstrom 1981): independent pairs, minimum 0 at 1. */
function rosenbrock(x: Float64Array): { f: number; g: Float64Array } {
  let f = 0;
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i += 2) {
    const a = 1 - x[i];
    const b = x[i + 1] - x[i] * x[i];
    f += a * a + 100 * b * b;
    g[i] = -2 * a - 400 * x[i] * b;
    g[i + 1] = 200 * b;
  }
  return { f, g };
}

/** Records every evaluation so accepted points can be checked against the Wolfe conditions. */
function recorded(fn: (x: Float64Array) => { f: number; g: Float64Array }) {
  const evals: { x: Float64Array; f: number; g: Float64Array }[] = [];
  const objective: Objective = async (x) => {
    const r = fn(x);
    evals.push({ x: Float64Array.from(x), f: r.f, g: Float64Array.from(r.g) });
    return r;
  };
  return { objective, evals };
}

const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i], 0);
const start = (n: number) => Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
const OPTS: LbfgsOptions = { maxIter: 200, history: 10, gradTol: 1e-10, fTol: 0 };

for (const n of [2, 10]) {
  test(`minimises ${n}-D Rosenbrock from (-1.2, 1, ...) to 1e-8 within 100 iterations`, async () => {
    const { objective, evals } = recorded(rosenbrock);
    const r = await lbfgs(objective, start(n), OPTS);
    // measured: f ~ 1e-22..1e-25 after 37-38 iterations
    assert.ok(r.f < 1e-8, `f = ${r.f}`);
    assert.ok(r.iterations <= 100, `iterations ${r.iterations}`);
    // |x - 1| ~ sqrt(f) near a minimum with an O(1)..O(1000) Hessian
    r.x.forEach((v, i) => assert.ok(Math.abs(v - 1) < 1e-4, `x[${i}] = ${v}`));
    assert.equal(r.evaluations, evals.length);
    assert.ok(["gradTol", "fTol"].includes(r.reason), r.reason);
  });
}

for (const n of [2, 10]) {
  test(`${n}-D Rosenbrock: every accepted step satisfies the strong Wolfe conditions`, async () => {
    // c1 = 1e-4 and c2 = 0.9, the line search's constants (Nocedal & Wright's defaults)
    const { objective, evals } = recorded(rosenbrock);
    const iterates: Float64Array[] = [start(n)];
    await lbfgs(objective, start(n), {
      ...OPTS,
      onIter: (_i, _f, x) => {
        iterates.push(Float64Array.from(x));
      },
    });
    const lookup = (x: Float64Array) => {
      const e = evals.find((v) => v.x.every((c, i) => c === x[i]));
      assert.ok(e, `iterate ${x} was never evaluated`);
      return e;
    };
    assert.ok(iterates.length > 10);
    for (let k = 1; k < iterates.length; k++) {
      const prev = lookup(iterates[k - 1]);
      const cur = lookup(iterates[k]);
      const s = cur.x.map((v, i) => v - prev.x[i]);
      const slope0 = dot(prev.g, s); // = t * g0.d, the directional derivative times the step
      assert.ok(slope0 < 0, `step ${k} is a descent direction`);
      // sufficient decrease (Armijo), with float64 slack on f ~ 1e-16 relative
      assert.ok(cur.f <= prev.f + 1e-4 * slope0 + 1e-15 * Math.abs(prev.f), `Armijo at step ${k}`);
      // curvature, strong form: |g1.s| <= c2 |g0.s|
      assert.ok(
        Math.abs(dot(cur.g, s)) <= 0.9 * Math.abs(slope0) * (1 + 1e-12),
        `curvature at step ${k}`,
      );
    }
  });
}

test("a convex quadratic with a known minimiser converges in a few iterations", async () => {
  // f = 1/2 x^T A x - b^T x with A tridiagonal (4 on the diagonal, 1 off it): SPD, cond ~ 3
  const n = 6;
  const Ax = (x: Float64Array) =>
    x.map((v, i) => 4 * v + (i > 0 ? x[i - 1] : 0) + (i < n - 1 ? x[i + 1] : 0));
  const b = Float64Array.from({ length: n }, (_, i) => i + 1);
  // minimiser: solve A x = b by the Thomas algorithm (by hand, independent of the optimiser)
  const c = new Float64Array(n);
  const d = new Float64Array(n);
  c[0] = 1 / 4;
  d[0] = b[0] / 4;
  for (let i = 1; i < n; i++) {
    const m = 4 - c[i - 1];
    c[i] = 1 / m;
    d[i] = (b[i] - d[i - 1]) / m;
  }
  const xStar = new Float64Array(n);
  xStar[n - 1] = d[n - 1];
  for (let i = n - 2; i >= 0; i--) xStar[i] = d[i] - c[i] * xStar[i + 1];
  const objective: Objective = async (x) => {
    const ax = Ax(x);
    return { f: 0.5 * dot(x, ax) - dot(b, x), g: ax.map((v, i) => v - b[i]) };
  };
  const r = await lbfgs(objective, new Float64Array(n), { ...OPTS, gradTol: 1e-8 });
  // with history >= n, L-BFGS on a quadratic behaves like a quasi-Newton method: ~n steps
  assert.ok(r.iterations <= 15, `iterations ${r.iterations}`);
  assert.equal(r.reason, "gradTol");
  // max |g| <= 1e-8 and the smallest eigenvalue of A is >= 2: |x - x*|_2 <= sqrt(6) 1e-8 / 2.
  // (A tolerance of ~1e-12 is out of reach: the Armijo test compares f values whose differences
  // would then be ~1e-24, far below f's rounding; the line search then fails by design.)
  r.x.forEach((v, i) => assert.ok(Math.abs(v - xStar[i]) < 1.3e-8, `x[${i}] ${v} vs ${xStar[i]}`));
  const fStar = -0.5 * dot(b, xStar);
  assert.ok(Math.abs(r.f - fStar) < 1e-12 * Math.abs(fStar), `f ${r.f} vs ${fStar}`);
});

test("stopping reasons: nonFinite start, gradTol at the minimum, maxIter, stopped, fTol", async () => {
  const nan: Objective = async () => ({ f: NaN, g: new Float64Array(2) });
  const r1 = await lbfgs(nan, start(2), OPTS);
  assert.equal(r1.reason, "nonFinite");
  assert.equal(r1.iterations, 0);
  assert.equal(r1.evaluations, 1);
  const inf: Objective = async () => ({ f: Infinity, g: new Float64Array(2) });
  assert.equal((await lbfgs(inf, start(2), OPTS)).reason, "nonFinite");

  const atMin = await lbfgs(async (x) => rosenbrock(x), Float64Array.of(1, 1), OPTS);
  assert.equal(atMin.reason, "gradTol");
  assert.equal(atMin.iterations, 0);
  assert.deepEqual([...atMin.x], [1, 1]);

  const capped = await lbfgs(async (x) => rosenbrock(x), start(2), { ...OPTS, maxIter: 3 });
  assert.equal(capped.reason, "maxIter");
  assert.equal(capped.iterations, 3);
  assert.ok(capped.f < 24.2, "three iterations decrease f from its start value 24.2");

  let calls = 0;
  const stopped = await lbfgs(async (x) => rosenbrock(x), start(2), {
    ...OPTS,
    onIter: () => ++calls < 2,
  });
  assert.equal(stopped.reason, "stopped");
  assert.equal(stopped.iterations, 2);

  const loose = await lbfgs(async (x) => rosenbrock(x), start(2), { ...OPTS, fTol: 0.5 });
  assert.equal(loose.reason, "fTol");
  assert.ok(loose.iterations < 100);
  // the starting point is not modified
  const x0 = start(2);
  await lbfgs(async (x) => rosenbrock(x), x0, { ...OPTS, maxIter: 2 });
  assert.deepEqual([...x0], [-1.2, 1]);
});
