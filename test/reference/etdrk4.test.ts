import assert from "node:assert/strict";
import { test } from "node:test";
import {
  compatibleStep,
  etdrk4,
  type Etdrk4Options,
  etdrk4Coefficients,
} from "../../src/reference/index.js";
import { maxAbsDiff } from "./helpers.js";

const period = { a: 0, b: 2 * Math.PI };
const noNonlinearity = { kind: "flux", flux: () => 0 } as const;

test("ETDRK4 solves the heat equation u_t = nu u_xx exactly (N = 0)", () => {
  const nu = 0.3;
  const grid = etdrk4({
    ...period,
    n: 32,
    dt: 0.05,
    tOut: [0, 0.5, 1, 2],
    linear: (k) => -nu * k * k,
    nonlinear: noNonlinearity,
    u0: Math.sin,
  });
  const exact = Array.from(grid.t).flatMap((t) =>
    Array.from(grid.x, (x) => Math.exp(-nu * t) * Math.sin(x)),
  );
  assert.equal(grid.u.length, 4 * 32);
  assert.ok(maxAbsDiff(grid.u, exact) < 1e-14);
});

test("ETDRK4 handles a complex symbol: u_t = -u_xxx, u0 = sin x gives sin(x + t)", () => {
  const grid = etdrk4({
    ...period,
    n: 16,
    dt: 0.01,
    tOut: [1, 3],
    linear: (k) => ({ re: 0, im: k * k * k }),
    nonlinear: noNonlinearity,
    u0: Math.sin,
  });
  const exact = Array.from(grid.t).flatMap((t) => Array.from(grid.x, (x) => Math.sin(x + t)));
  assert.ok(maxAbsDiff(grid.u, exact) < 1e-12);
});

/**
 * u_t = -lambda u + u^2 (a stiff linear part and a nonlinear one) with u0 = 0.5 + 0.3 sin x:
 * a Bernoulli equation at each x, u = lambda u0 / (u0 + (lambda - u0) e^{lambda t}).
 */
function bernoulliError(dt: number, kind: "flux" | "field"): number {
  const lambda = 2;
  const u0 = (x: number) => 0.5 + 0.3 * Math.sin(x);
  const options: Etdrk4Options = {
    ...period,
    n: 16,
    dt,
    tOut: [1],
    linear: () => -lambda,
    nonlinear:
      kind === "flux"
        ? { kind: "flux", flux: (u) => u * u }
        : { kind: "field", evaluate: (u) => u.map((v) => v * v) },
    u0,
  };
  const grid = etdrk4(options);
  const exact = Array.from(grid.x, (x) => {
    const v = u0(x);
    return (lambda * v) / (v + (lambda - v) * Math.exp(lambda));
  });
  return maxAbsDiff(grid.u, exact);
}

test("ETDRK4 is fourth order on a nonlinear problem with a known solution", () => {
  const errors = [0.2, 0.1, 0.05].map((dt) => bernoulliError(dt, "flux"));
  console.log(
    `ETDRK4 Bernoulli errors at dt = 0.2, 0.1, 0.05: ${errors.map((e) => e.toExponential(2))}`,
  );
  // Measured 6.7e-6, 4.3e-7, 2.7e-8: ratios 15.8 and 15.9, the 2^4 of a fourth-order method.
  for (let i = 1; i < errors.length; i++) {
    const ratio = errors[i - 1] / errors[i];
    assert.ok(ratio > 14 && ratio < 18, `ratio ${ratio}`);
  }
  assert.ok(errors[2] < 5e-8);
  assert.equal(bernoulliError(0.05, "field"), errors[2]);
});

test("ETDRK4 field nonlinearity sees spectral derivatives: viscous Burgers in flux and field form", () => {
  const common = {
    ...period,
    n: 128,
    dt: 0.01,
    tOut: [0.5],
    linear: (k: number) => -0.1 * k * k,
    u0: (x: number) => Math.sin(x) + 0.5,
  };
  const flux = etdrk4({
    ...common,
    nonlinear: { kind: "flux", flux: (u) => -0.5 * u * u, order: 1 },
  });
  const field = etdrk4({
    ...common,
    nonlinear: {
      kind: "field",
      evaluate: (u, d) => {
        const ux = d(1);
        return u.map((v, j) => -v * ux[j]);
      },
    },
  });
  // Same PDE in two forms; their aliasing differs only at the resolution limit, where u is ~1e-16
  // at n = 128 (measured 2.8e-16 apart; at n = 64 the tail is 4e-12).
  assert.ok(maxAbsDiff(flux.u, field.u) < 1e-14);
  assert.ok(Math.abs(flux.u[0] - 0.5) > 1e-3, "the solution must have moved");
});

test("ETDRK4 coefficients reduce to the classical limits at L = 0", () => {
  // At L = 0 ETDRK4 is classical RK4: Q = h / 2 and f1 = f2 = f3 = h / 6, so the update is
  // h / 6 (N(v) + 2 N(a) + 2 N(b) + N(c)) (Cox & Matthews 2002).
  const co = etdrk4Coefficients({ re: Float64Array.of(0), im: Float64Array.of(0) }, 0.5);
  assert.ok(Math.abs(co.q.re[0] - 0.25) < 1e-15);
  assert.ok(Math.abs(co.f1.re[0] - 0.5 / 6) < 1e-15);
  assert.ok(Math.abs(co.f2.re[0] - 0.5 / 6) < 1e-15);
  assert.ok(Math.abs(co.f3.re[0] - 0.5 / 6) < 1e-15);
  assert.equal(co.e.re[0], 1);
});

test("output times must be multiples of dt; compatibleStep finds one", () => {
  const base = { ...period, n: 8, linear: () => 0, nonlinear: noNonlinearity, u0: Math.sin };
  assert.throws(() => etdrk4({ ...base, dt: 0.3, tOut: [0.5] }), RangeError);
  assert.throws(() => etdrk4({ ...base, dt: 0.1, tOut: [0.5, 0.2] }), RangeError);
  assert.ok(Math.abs(compatibleStep([0, 0.01, 0.02], 0.004) - 0.01 / 3) < 1e-17);
  assert.ok(Math.abs(compatibleStep([0, 0.005, 0.01], 0.005) - 0.005) < 1e-17);
  const t = Array.from({ length: 100 }, (_, i) => i / 99);
  assert.ok(Math.abs(compatibleStep(t, 1e-3) - 1 / 99 / 11) < 1e-15);
  assert.ok(Math.abs(compatibleStep([0.1, 0.25, 0.33], 0.004) - 0.01 / 3) < 1e-15);
  assert.throws(() => compatibleStep([1, Math.PI], 0.01), RangeError);
});
