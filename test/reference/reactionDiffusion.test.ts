import assert from "node:assert/strict";
import { test } from "node:test";
import {
  periodicPoints,
  reactionDiffusionGrid,
  reactionExact,
  reactionGrid,
  reactionInitial,
} from "../../src/reference/index.js";
import { maxAbsDiff } from "./helpers.js";

// Krishnapriyan et al.'s test grid: 256 x in [0, 2 pi) and 100 t in [0, 1].
const xs = Array.from(periodicPoints(0, 2 * Math.PI, 256));
const ts = Array.from({ length: 100 }, (_, i) => i / 99);

test("the reaction closed form satisfies u_t = rho u (1 - u) and u(0) = u0", () => {
  const rho = 5;
  const h = 1e-5;
  let worst = 0;
  for (const t of [0.1, 0.4, 0.9]) {
    for (const x of [0, 1, Math.PI, 4.2]) {
      const u = reactionExact(t, x, rho);
      const ut = (reactionExact(t + h, x, rho) - reactionExact(t - h, x, rho)) / (2 * h);
      worst = Math.max(worst, Math.abs(ut - rho * u * (1 - u)));
    }
  }
  // Central difference error h^2 u_ttt / 6 with |u_ttt| <~ rho^3 / 10, plus rounding eps / h
  // (measured 2.6e-10).
  assert.ok(worst < 1e-9, `residual ${worst}`);
  assert.ok(Math.abs(reactionExact(0, 1.3, rho) - reactionInitial(1.3)) < 1e-16);
  assert.equal(reactionExact(1e3, 2, rho), 1);
  assert.equal(reactionInitial(Math.PI), 1);
  assert.ok(Math.abs(reactionInitial(0) - Math.exp(-8)) < 1e-18);
  const grid = reactionGrid([0, 1], [0, Math.PI], rho);
  const expected = [
    reactionInitial(0),
    1,
    reactionExact(1, 0, rho),
    reactionExact(1, Math.PI, rho),
  ];
  assert.ok(maxAbsDiff(grid.u, expected) < 1e-16);
  assert.ok(grid.u[2] > 10 * grid.u[0], "the reaction grows u");
});

test("reaction-diffusion with vanishing nu matches the reaction closed form", () => {
  for (const rho of [5, 10]) {
    const grid = reactionDiffusionGrid({ nu: 1e-12, rho, t: ts, x: xs });
    const err = maxAbsDiff(grid.u, reactionGrid(ts, xs, rho).u);
    console.log(
      `reaction-diffusion, nu = 1e-12, rho = ${rho}: max abs vs closed form ${err.toExponential(2)}`,
    );
    // Measured 5e-11 (rho = 5) and 1.5e-10 (rho = 10): ETDRK4's time error at dt = 1/1089.
    assert.ok(err < 1e-9, `rho = ${rho}: ${err}`);
  }
});

/**
 * The heat equation's solution from the samples of u0 on m points, computed without the FFT or the
 * solver: a direct DFT, each mode damped by exp(-nu p^2 t), summed at arbitrary x (the Nyquist mode
 * as a cosine, as in the trigonometric interpolant).
 */
function heatByDirectSum(nu: number, m: number, t: number[], x: number[]): Float64Array {
  const grid = Array.from(periodicPoints(0, 2 * Math.PI, m));
  const samples = grid.map(reactionInitial);
  const modes = Array.from({ length: m / 2 + 1 }, (_, p) => {
    let re = 0;
    let im = 0;
    samples.forEach((v, l) => {
      re += v * Math.cos(p * grid[l]);
      im -= v * Math.sin(p * grid[l]);
    });
    return { p, re: re / m, im: im / m, weight: p === 0 || p === m / 2 ? 1 : 2 };
  });
  return Float64Array.from(
    t.flatMap((ti) =>
      x.map((xj) =>
        modes.reduce((sum, c) => {
          const damp = Math.exp(-nu * c.p * c.p * ti);
          const wave =
            c.p === m / 2 ? [Math.cos(c.p * xj), 0] : [Math.cos(c.p * xj), Math.sin(c.p * xj)];
          return sum + c.weight * damp * (c.re * wave[0] - c.im * wave[1]);
        }, 0),
      ),
    ),
  );
}

test("reaction-diffusion with rho = 0 is the heat equation's Fourier solution", () => {
  const nu = 2;
  const t = ts.filter((_, i) => i % 11 === 0);
  const onGrid = reactionDiffusionGrid({ nu, rho: 0, t, x: xs, n: 256 });
  const exact = heatByDirectSum(nu, 256, t, xs);
  const errOn = maxAbsDiff(onGrid.u, exact);
  // Off the solver grid: half a cell over, which takes the interpolation path.
  const shifted = xs.map((x) => x + Math.PI / 256);
  const offGrid = reactionDiffusionGrid({ nu, rho: 0, t, x: shifted, n: 256 });
  const errOff = maxAbsDiff(offGrid.u, heatByDirectSum(nu, 256, t, shifted));
  console.log(
    `heat (rho = 0): on grid ${errOn.toExponential(2)}, off grid ${errOff.toExponential(2)}`,
  );
  assert.ok(errOn < 1e-13 && errOff < 1e-13, `${errOn}, ${errOff}`);
  // The default 512-point solver only differs through u0's aliasing on the coarser sample grid.
  const fine = reactionDiffusionGrid({ nu, rho: 0, t, x: xs });
  const errFine = maxAbsDiff(fine.u, exact);
  console.log(`heat (rho = 0): n = 512 solver vs 256-sample sum ${errFine.toExponential(2)}`);
  // Measured 7.7e-8: the kink in u0 at x = 0 makes its 256- and 512-point samples alias differently.
  assert.ok(errFine < 2e-7, `${errFine}`);
});
