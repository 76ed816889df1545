// The L-shape's corner enrichment (examples/lshape-singular.ts): its closed forms against atan2
// and central differences, and the identity the enrichment relies on, H = 0 on the boundary.
import assert from "node:assert/strict";
import { test } from "node:test";
import { enrichment, numbers } from "../../examples/lshape-singular.js";

/** r^(2/3) sin(2 phi / 3) (1 - x^2)(1 - y^2), phi from the edge x = 0, y > 0 through the L. */
function H(x: number, y: number): number {
  let phi = Math.atan2(y, x) - Math.PI / 2;
  if (phi < 0) phi += 2 * Math.PI;
  return Math.hypot(x, y) ** (2 / 3) * Math.sin((2 * phi) / 3) * (1 - x * x) * (1 - y * y);
}

test("L-shape enrichment: H, grad H and Laplace H agree with atan2 and central differences", () => {
  const h = 1e-4;
  const points = [
    [-0.5, -0.5],
    [-0.3, 0.7],
    [0.6, -0.2],
    [-0.9, -0.1],
    [0.2, -0.001],
    [-0.001, 0.5],
    [-0.7, 0.9],
  ];
  for (const [x, y] of points) {
    const e = enrichment(numbers, x, y);
    assert.ok(Math.abs(e.H - H(x, y)) < 1e-12, `H at ${x}, ${y}`);
    const hx = (H(x + h, y) - H(x - h, y)) / (2 * h);
    const hy = (H(x, y + h) - H(x, y - h)) / (2 * h);
    const lap = (H(x + h, y) + H(x - h, y) + H(x, y + h) + H(x, y - h) - 4 * H(x, y)) / (h * h);
    assert.ok(Math.abs(e.Hx - hx) < 1e-6, `Hx at ${x}, ${y}: ${e.Hx} vs ${hx}`);
    assert.ok(Math.abs(e.Hy - hy) < 1e-6, `Hy at ${x}, ${y}: ${e.Hy} vs ${hy}`);
    assert.ok(Math.abs(e.L - lap) < 1e-4, `Laplace H at ${x}, ${y}: ${e.L} vs ${lap}`);
  }
});

test("L-shape enrichment: H vanishes on every edge of the L and is positive inside", () => {
  for (let i = 1; i < 10; i++) {
    const t = i / 10;
    for (const [x, y] of [
      [t, 0], // the re-entrant edges
      [0, t],
      [-1, 2 * t - 1], // the outer edges
      [2 * t - 1, -1],
      [t, -1],
      [1, -t],
      [-t, 1],
    ]) {
      assert.ok(Math.abs(enrichment(numbers, x, y).H) < 1e-12, `H(${x}, ${y})`);
    }
    assert.ok(enrichment(numbers, -t, -t).H > 0);
  }
});
