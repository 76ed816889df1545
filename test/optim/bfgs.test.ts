// Dense BFGS / self-scaled BFGS / self-scaled Broyden: Rosenbrock and a quadratic, the secant
// equation after every update, skipped updates, restarts, rebasing, bit-exact resume from a copied
// state, and the memory check's message.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  BFGS_VARIANTS,
  type BfgsOptions,
  type BfgsState,
  type BfgsVariant,
  bfgsInit,
  bfgsMemoryBytes,
  bfgsOptions,
  bfgsRebase,
  bfgsStep,
  checkDenseMemory,
  ssBroydenParameters,
  updateInverseHessian,
} from "../../src/optim/bfgs.js";
import type { Objective } from "../../src/optim/types.js";
import {
  dot,
  mulVec,
  norm,
  quadratic,
  randomSpd,
  rosenbrock,
  rosenbrockStart,
  seeded,
} from "./helpers.js";

const asObjective =
  (fn: (x: Float64Array) => { f: number; g: Float64Array }): Objective =>
  async (x) =>
    fn(x);

const maxAbs = (a: Float64Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** Steps until max |g| <= gradTol, a stop reason, or maxIter; calls `each` after every step. */
async function run(
  fn: (x: Float64Array) => { f: number; g: Float64Array },
  x0: Float64Array,
  opts: BfgsOptions,
  maxIter: number,
  gradTol: number,
  each?: (prev: { x: Float64Array; g: Float64Array }, next: BfgsState, skipped: boolean) => void,
): Promise<BfgsState> {
  const fg = asObjective(fn);
  const { f, g } = fn(x0);
  let state = bfgsInit(x0, f, g);
  for (let k = 0; k < maxIter && maxAbs(state.g) > gradTol; k++) {
    const prev = { x: state.x, g: state.g };
    const { state: next, info } = await bfgsStep(state, fg, opts);
    state = next;
    if (info.reason) break;
    each?.(prev, state, info.skipped);
  }
  return state;
}

/** The quasi-Newton direction only matters through H y = s: check it to 1e-10 relative. */
function assertSecant(H: Float64Array, n: number, s: Float64Array, y: Float64Array, what: string) {
  const Hy = mulVec(H, y, n, n);
  const err = norm(Hy.map((v, i) => v - s[i])) / norm(s);
  assert.ok(err < 1e-10, `${what}: |H y - s| / |s| = ${err}`);
}

for (const variant of BFGS_VARIANTS) {
  test(`${variant}: 2-D Rosenbrock from (-1.2, 1) to f < 1e-8, secant equation after every update`, async () => {
    let updates = 0;
    const s = await run(
      rosenbrock,
      rosenbrockStart(2),
      bfgsOptions(variant),
      200,
      1e-10,
      (p, q, skipped) => {
        if (skipped) return;
        updates++;
        const sk = q.x.map((v, i) => v - p.x[i]);
        const yk = q.g.map((v, i) => v - p.g[i]);
        assertSecant(q.H, 2, sk, yk, `${variant} iteration ${q.iter}`);
      },
    );
    // measured: f 1.5e-25 (bfgs, 40 iterations), 6.5e-23 (ssbfgs, 29), 2.3e-24 (ssbroyden, 33)
    assert.ok(s.f < 1e-8, `f = ${s.f}`);
    assert.ok(s.iter <= 100, `iterations ${s.iter}`);
    s.x.forEach((v, i) => assert.ok(Math.abs(v - 1) < 1e-4, `x[${i}] = ${v}`));
    assert.ok(updates > 10);
    // H stays symmetric (the update writes the upper triangle and mirrors it)
    assert.equal(s.H[1], s.H[2]);
  });

  test(`${variant}: 10-D extended Rosenbrock to f < 1e-8`, async () => {
    const s = await run(rosenbrock, rosenbrockStart(10), bfgsOptions(variant), 400, 1e-10);
    assert.ok(s.f < 1e-8, `f = ${s.f} after ${s.iter} iterations`);
  });

  test(`${variant}: a convex quadratic reaches its minimiser to 1e-10`, async () => {
    const n = 8;
    const { xStar, fg } = quadratic(n);
    const s = await run(
      fg,
      new Float64Array(n),
      bfgsOptions(variant),
      100,
      1e-12,
      (p, q, skipped) => {
        if (skipped) return;
        const sk = q.x.map((v, i) => v - p.x[i]);
        const yk = q.g.map((v, i) => v - p.g[i]);
        assertSecant(q.H, n, sk, yk, `${variant} quadratic iteration ${q.iter}`);
      },
    );
    s.x.forEach((v, i) =>
      assert.ok(Math.abs(v - xStar[i]) < 1e-10, `x[${i}] = ${v} vs ${xStar[i]}`),
    );
    assert.ok(s.iter <= 40, `iterations ${s.iter}`);
    assert.equal(s.skipped, 0);
    assert.equal(s.restarts, 0);
  });
}

test("updateInverseHessian: H+ y = s for random SPD H and pairs, every variant", () => {
  const rand = seeded(7);
  for (const variant of BFGS_VARIANTS) {
    for (const n of [1, 2, 5, 12]) {
      for (let trial = 0; trial < 5; trial++) {
        const H = randomSpd(n, rand);
        // a line-search step s = -t H g, and y with s^T y > 0
        const g = Float64Array.from({ length: n }, () => rand() - 0.5);
        const t = 0.1 + rand();
        const Hg = mulVec(H, g, n, n);
        const s = Hg.map((v) => -t * v);
        const y = Float64Array.from(
          { length: n },
          (_, i) => -g[i] * (0.5 + rand()) + 0.1 * (rand() - 0.5),
        );
        if (dot(s, y) <= 1e-3 * norm(s) * norm(y)) continue;
        const before = Float64Array.from(H);
        const out = updateInverseHessian(H, n, { s, y, sBs: -t * dot(s, g) }, variant, 1e-12);
        assert.equal(out.kind, "updated", `${variant} n=${n}`);
        assertSecant(H, n, s, y, `${variant} n=${n} trial ${trial}`);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) assert.equal(H[i * n + j], H[j * n + i]);
        if (variant === "bfgs" && out.kind === "updated") {
          // BFGS by the textbook product form (I - rho s y^T) H (I - rho y s^T) + rho s s^T
          const rho = 1 / dot(s, y);
          const Hy = mulVec(before, y, n, n);
          const yHy = dot(y, Hy);
          for (let i = 0; i < n; i++) {
            for (let j = 0; j < n; j++) {
              const want =
                before[i * n + j] -
                rho * (s[i] * Hy[j] + Hy[i] * s[j]) +
                rho * rho * yHy * s[i] * s[j] +
                rho * s[i] * s[j];
              assert.ok(Math.abs(H[i * n + j] - want) < 1e-10 * (1 + Math.abs(want)));
            }
          }
        }
      }
    }
  }
});

test("self-scaling parameters: ssbfgs tau = min(1, 1/b); ssbroyden by the formulas", () => {
  // H = I, s = (1, 0) from g = (-1, 0) with t = 1, y = (4, 1): s^T y = 4, s^T B s = 1, b = 1/4
  const H = Float64Array.of(1, 0, 0, 1);
  const out = updateInverseHessian(
    H,
    2,
    { s: Float64Array.of(1, 0), y: Float64Array.of(4, 1), sBs: 1 },
    "ssbfgs",
    1e-12,
  );
  assert.deepEqual(out, { kind: "updated", tau: 1, phi: 1 });
  const H2 = Float64Array.of(1, 0, 0, 1);
  const out2 = updateInverseHessian(
    H2,
    2,
    { s: Float64Array.of(1, 0), y: Float64Array.of(0.5, 0.1), sBs: 1 },
    "ssbfgs",
    1e-12,
  );
  // b = 1 / 0.5 = 2: tau = 1/2
  assert.equal(out2.kind === "updated" && out2.tau, 0.5);
  // ssbroyden, by hand: b = 2, h = y^T H y / s^T y = 0.26 / 0.5 = 0.52, a = b h - 1 = 0.04
  const b = 2;
  const h = 0.52;
  const a = b * h - 1;
  const rhoMinus = Math.min(1, h * (1 - Math.sqrt(a / (1 + a))));
  const thetaMinus = (rhoMinus - 1) / a;
  const thetaPlus = 1 / rhoMinus;
  // (1 - b) / b = -0.5 lies inside [theta-, theta+]
  assert.ok(thetaMinus < -0.5 && -0.5 < thetaPlus);
  const theta = -0.5;
  const sigma = 1 + a * theta; // 0.98
  const tau = Math.min(0.5 * Math.pow(sigma, 1 / (1 - 2)), sigma); // min(0.5102.., 0.98)
  const p = ssBroydenParameters(b, h, 2);
  assert.ok(Math.abs(p.tau - tau) < 1e-15, `tau ${p.tau} vs ${tau}`);
  assert.ok(Math.abs(p.phi - (1 - theta) / sigma) < 1e-15, `phi ${p.phi}`);
  // a = 0: every member coincides, theta = 0 (BFGS), tau = min(1, 1/b)
  assert.deepEqual(ssBroydenParameters(2, 0.5, 3), { tau: 0.5, phi: 1 });
  // n = 1: no determinant factor
  assert.deepEqual(ssBroydenParameters(0.5, 2, 1), { tau: 1, phi: 1 });
});

test("updates are skipped (and counted) when s^T y <= 0", async () => {
  const H = Float64Array.of(1, 0, 0, 1);
  const out = updateInverseHessian(
    H,
    2,
    { s: Float64Array.of(1, 0), y: Float64Array.of(-1, 2), sBs: 1 },
    "bfgs",
    1e-12,
  );
  assert.deepEqual(out, { kind: "skipped", sy: -1 });
  assert.deepEqual([...H], [1, 0, 0, 1]);
  // a concave objective f = -x^2 with a one-evaluation line search: the step from x = 1 to 2 is
  // accepted (Armijo holds, the search runs out before the curvature condition) and
  // s^T y = 1 * (-4 - (-2)) = -2 < 0
  for (const variant of BFGS_VARIANTS) {
    const fn = (x: Float64Array) => ({ f: -x[0] * x[0], g: Float64Array.of(-2 * x[0]) });
    let state = bfgsInit(Float64Array.of(1), -1, Float64Array.of(-2));
    const r = await bfgsStep(
      state,
      asObjective(fn),
      bfgsOptions(variant, { maxLineSearchEvals: 1 }),
    );
    state = r.state;
    assert.equal(r.info.skipped, true);
    assert.equal(r.info.reason, undefined);
    assert.equal(state.skipped, 1);
    assert.equal(state.iter, 1);
    assert.deepEqual([...state.x], [2]);
    assert.deepEqual([...state.H], [1]);
    assert.equal(state.identity, true);
  }
});

test("restarts: not a descent direction, and a failed line search", async () => {
  const fn = (x: Float64Array) => ({ f: 0.5 * dot(x, x), g: Float64Array.from(x) });
  // H = -I gives an ascent direction: restart to the identity, then the step goes to 0
  const s0 = bfgsInit(Float64Array.of(0.5, 0.25), 0.15625, Float64Array.of(0.5, 0.25));
  const bad: BfgsState = { ...s0, H: Float64Array.of(-1, 0, 0, -1) };
  const r1 = await bfgsStep(bad, asObjective(fn), bfgsOptions("bfgs"));
  assert.equal(r1.info.restarted, true);
  assert.equal(r1.state.restarts, 1);
  assert.ok(r1.info.f < 1e-3, `f ${r1.info.f}`);
  // H = 100 I and one evaluation per search: t = 1 overshoots to -99 x (Armijo fails); restart
  // from the identity takes the exact step t = 1 / |g|_1 ... here x = (0.5), g = 0.5: t = 1
  const t0 = bfgsInit(Float64Array.of(0.5), 0.125, Float64Array.of(0.5));
  const far: BfgsState = { ...t0, H: Float64Array.of(100), identity: false };
  const r2 = await bfgsStep(
    far,
    asObjective(fn),
    bfgsOptions("ssbroyden", { maxLineSearchEvals: 1 }),
  );
  assert.equal(r2.info.restarted, true);
  assert.equal(r2.info.reason, undefined);
  assert.equal(r2.state.restarts, 1);
  assert.equal(r2.state.evals, 3);
  assert.deepEqual([...r2.state.x], [0]);
  // a failure even after the restart: the step reports "lineSearch" and does not move
  const up = (x: Float64Array) => ({ f: x[0], g: Float64Array.of(-1) }); // gradient lies
  const t1 = bfgsInit(Float64Array.of(0), 0, Float64Array.of(-1));
  const r3 = await bfgsStep(t1, asObjective(up), bfgsOptions("bfgs"));
  assert.equal(r3.info.reason, "lineSearch");
  assert.equal(r3.info.t, 0);
  assert.deepEqual([...r3.state.x], [0]);
  assert.equal(r3.state.restarts, 1);
});

test("non-finite loss and a zero gradient are reported without evaluating", async () => {
  let calls = 0;
  const fg: Objective = async (x) => {
    calls++;
    return { f: dot(x, x), g: x.map((v) => 2 * v) };
  };
  const nan = bfgsInit(Float64Array.of(1), NaN, Float64Array.of(2));
  assert.equal((await bfgsStep(nan, fg, bfgsOptions("bfgs"))).info.reason, "nonFinite");
  const inf = bfgsInit(Float64Array.of(1), 1, Float64Array.of(Infinity));
  assert.equal((await bfgsStep(inf, fg, bfgsOptions("bfgs"))).info.reason, "nonFinite");
  const flat = bfgsInit(Float64Array.of(0), 0, Float64Array.of(0));
  assert.equal((await bfgsStep(flat, fg, bfgsOptions("bfgs"))).info.reason, "stationary");
  assert.equal(calls, 0);
});

test("rebase keeps H, replaces f and g; a copied state resumes bit-exactly", async () => {
  const opts = bfgsOptions("ssbroyden");
  const fg = asObjective(rosenbrock);
  const x0 = rosenbrockStart(4);
  const e0 = rosenbrock(x0);
  let state = bfgsInit(x0, e0.f, e0.g);
  for (let k = 0; k < 8; k++) state = (await bfgsStep(state, fg, opts)).state;
  // a checkpoint: every field a number, a boolean or a Float64Array
  const copy = (s: BfgsState): BfgsState => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) {
      assert.ok(typeof v === "number" || typeof v === "boolean" || v instanceof Float64Array, k);
      out[k] = v instanceof Float64Array ? Float64Array.from(v) : v;
    }
    return out as unknown as BfgsState;
  };
  let a = copy(state);
  let b = copy(state);
  for (let k = 0; k < 8; k++) {
    a = (await bfgsStep(a, fg, opts)).state;
    b = (await bfgsStep(b, fg, opts)).state;
  }
  assert.deepEqual([...a.x], [...b.x]);
  assert.deepEqual([...a.H], [...b.H]);
  assert.equal(a.f, b.f);
  // rebasing onto a scaled objective (2 f): H unchanged, f and g replaced, one evaluation counted
  const H = Float64Array.from(a.H);
  const r = rosenbrock(a.x);
  const rebased = bfgsRebase(
    a,
    2 * r.f,
    r.g.map((v) => 2 * v),
  );
  assert.deepEqual([...rebased.H], [...H]);
  assert.equal(rebased.f, 2 * r.f);
  assert.equal(rebased.evals, a.evals + 1);
  const next = await bfgsStep(
    rebased,
    async (x) => {
      const v = rosenbrock(x);
      return { f: 2 * v.f, g: v.g.map((u) => 2 * u) };
    },
    opts,
  );
  assert.ok(next.info.f < rebased.f);
});

test("the memory check names the optimizer and the parameter count", () => {
  assert.equal(bfgsMemoryBytes(1000), 8 * (1e6 + 1e4));
  checkDenseMemory("adam+bfgs", 1000, 2e9);
  assert.throws(
    () => checkDenseMemory("adam+ssbfgs", 123456, 2e9),
    (e: Error) => {
      assert.equal(
        e.message,
        "optimizer=adam+ssbfgs: a dense inverse Hessian for 123456 parameters needs 121.9 GB " +
          "(limit 2.0 GB); use lbfgs, or a smaller network",
      );
      return true;
    },
  );
});

test("variants are exhaustive", () => {
  const all: Record<BfgsVariant, true> = { bfgs: true, ssbfgs: true, ssbroyden: true };
  assert.deepEqual([...BFGS_VARIANTS].sort(), Object.keys(all).sort());
});
