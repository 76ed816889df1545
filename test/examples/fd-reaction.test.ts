// The reaction_inverse reference (examples/fd-reaction.ts): second-order convergence of the
// method of lines, the boundary data kept, and the reaction's mass balance (cb loses twice
// what ca loses, so cb - 2 ca evolves by diffusion alone).
import assert from "node:assert/strict";
import { test } from "node:test";
import { reactionDifference, solveReaction } from "../../examples/fd-reaction.js";

test("fd-reaction: halving h cuts the difference fourfold; boundary values 1 - x held", () => {
  const ts = [0, 2, 5, 10];
  const [a, b, c] = [50, 100, 200].map((nx) => solveReaction(2e-3, 0.1, nx, ts));
  const d1 = reactionDifference(a, b, 2);
  const d2 = reactionDifference(b, c, 2);
  // measured 8.2e-4 and 2.1e-4 (ratio 3.94); 400 vs 800 intervals: 1.3e-5
  assert.ok(d2 < 5e-4, `${d2}`);
  assert.ok(d1 / d2 > 3.5 && d1 / d2 < 4.5, `ratio ${d1 / d2}`);
  for (const s of [c.ca, c.cb]) {
    assert.equal(s[3][0], 1);
    assert.equal(s[3][200], 0);
  }
});

test("fd-reaction: without diffusion each node follows the ODE ca' = -kf ca cb^2, cb' = 2 ca'", () => {
  // D = 1e-12: x = 0.1 evolves as the ODE; cb - 2 ca is conserved there
  const s = solveReaction(1e-12, 0.1, 10, [0, 10]);
  const a0 = Math.exp(-2);
  assert.ok(Math.abs(s.cb[1][1] - 2 * s.ca[1][1] - (a0 - 2 * a0)) < 1e-9);
  assert.ok(s.ca[1][1] < a0 && s.ca[1][1] > 0.97 * a0);
});
