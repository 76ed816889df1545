import assert from "node:assert/strict";
import { test } from "node:test";
import { kdvGrid } from "../../src/reference/index.js";
import { maxAbsDiff, relL2 } from "./helpers.js";

/** Trapezoid (spectrally accurate for periodic data) integrals of u and u^2 for each output row. */
function invariants(u: Float64Array, n: number, h: number): { mass: number[]; energy: number[] } {
  const mass: number[] = [];
  const energy: number[] = [];
  for (let row = 0; row < u.length / n; row++) {
    let m = 0;
    let e = 0;
    for (let j = 0; j < n; j++) {
      const v = u[row * n + j];
      m += v;
      e += v * v;
    }
    mass.push(m * h);
    energy.push(e * h);
  }
  return { mass, energy };
}

test("KdV conserves mass and energy on Raissi et al.'s setup", () => {
  const grid = kdvGrid();
  const n = grid.x.length;
  assert.equal(n, 512);
  assert.equal(grid.t.length, 201);
  const { mass, energy } = invariants(grid.u, n, 2 / n);
  // ∫cos(pi x) dx = 0 and ∫cos^2(pi x) dx = 1 over [-1, 1).
  assert.ok(Math.abs(mass[0]) < 1e-15 && Math.abs(energy[0] - 1) < 1e-15);
  const massDrift = Math.max(...mass.map(Math.abs));
  const energyDrift = Math.max(...energy.map((e) => Math.abs(e / energy[0] - 1)));
  console.log(
    `KdV drift: mass ${massDrift.toExponential(2)}, energy ${energyDrift.toExponential(2)}`,
  );
  // Mass is exact by the conservative flux form; ∫u^2 only to the time error (~6e-9 measured).
  assert.ok(massDrift < 1e-13);
  assert.ok(energyDrift < 1e-7);
  // Solitons form: the initial amplitude 1 steepens past 2 (measured max 2.309).
  const peak = grid.u.reduce((m, v) => Math.max(m, v), -Infinity);
  assert.ok(peak > 2.2 && peak < 2.4, `peak ${peak}`);
});

test("KdV converges at fourth order in dt (self-convergence)", () => {
  const t = [0, 0.5, 1];
  const [u1, u2, u3] = [2e-3, 1e-3, 5e-4].map((dt) => kdvGrid({ dt, t }).u);
  const d1 = relL2(u1, u2);
  const d2 = relL2(u2, u3);
  console.log(`KdV dt-halving differences: ${d1.toExponential(2)}, ${d2.toExponential(2)}`);
  // Measured ratio ~17, the 2^4 of a fourth-order method.
  assert.ok(d1 / d2 > 14 && d1 / d2 < 20, `ratio ${d1 / d2}`);
  assert.ok(d2 < 1e-7);
});

test("KdV's options: lambda1 = 0 leaves the linear dispersion cos(pi x + lambda2 pi^3 t)", () => {
  const lambda2 = 0.01;
  const grid = kdvGrid({ n: 64, lambda1: 0, lambda2, t: [0, 0.5, 1] });
  const exact = Array.from(grid.t).flatMap((t) =>
    Array.from(grid.x, (x) => Math.cos(Math.PI * x + lambda2 * Math.PI ** 3 * t)),
  );
  assert.ok(maxAbsDiff(grid.u, exact) < 1e-13);
});
