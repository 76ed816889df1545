// `boundaryFraction`: a fraction of each residual batch on the spatial boundary (DeepXDE's habit)
// and of each initial condition's on the initial slice's boundary, on a box in space-time and on
// a shape, inside a band with `boundaryBand`, and the batch unchanged when the fraction is 0.
import assert from "node:assert/strict";
import { test } from "node:test";
import { box, rectangle } from "../../src/geometry/box.js";
import { difference, disk } from "../../src/geometry/domain.js";
import { dirichlet, initial } from "../../src/problem/conditions.js";
import { defineProblem } from "../../src/problem/problem.js";
import { applyOverrides, defaultTrainConfig } from "../../src/train/config.js";
import { resolveRun } from "../../src/train/resolve.js";
import { sampleBatches } from "../../src/train/trainer.js";
import { Rng } from "../../src/util/rng.js";

test("boundaryFraction on Allen-Cahn's [0, 1] x [-1, 1]: the last points sit on x = +-1", () => {
  const run = resolveRun("allen-cahn", [["boundaryFraction", 0.25]]);
  const n = 400;
  const b = sampleBatches(run.problem, run.config, new Rng(3), n).res;
  const [ti, xi] = ["t", "x"].map((k) => run.problem.domain.inputs.indexOf(k));
  const d = run.problem.domain.inputs.length;
  assert.equal(b.rows, n);
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < n; i++) {
    const t = b.X[i * d + ti];
    const x = b.X[i * d + xi];
    assert.ok(t >= 0 && t <= 1, `t ${t}`);
    const edge = x === -1 || x === 1;
    // the first 300 rows are interior, the last 100 on the boundary
    assert.equal(edge, i >= 300, `row ${i}: x ${x}`);
    if (x === -1) lo++;
    if (x === 1) hi++;
  }
  // both ends, about evenly (uniform by measure: binomial(100, 1/2), 5 standard deviations)
  assert.ok(Math.abs(lo - hi) < 50, `x = -1: ${lo}, x = 1: ${hi}`);
});

test("boundaryFraction on Allen-Cahn's initial condition: points at (0, +-1), targets u0 = -1", () => {
  const run = resolveRun("allen-cahn", [
    ["boundaryFraction", 0.25],
    ["bcPoints", 200],
  ]);
  const ic = sampleBatches(run.problem, run.config, new Rng(5), 64).ic;
  const [ti, xi] = ["t", "x"].map((k) => run.problem.domain.inputs.indexOf(k));
  const d = run.problem.domain.inputs.length;
  assert.equal(ic.rows, 200);
  for (let i = 0; i < 200; i++) {
    const [t, x] = [ic.X[i * d + ti], ic.X[i * d + xi]];
    assert.equal(t, 0, `row ${i}: t ${t}`);
    assert.equal(Math.abs(x) === 1, i >= 150, `row ${i}: x ${x}`);
    // u0 = x^2 cos(pi x), evaluated at the moved points
    const u0 = x * x * Math.cos(Math.PI * x);
    assert.ok(Math.abs((ic.target as Float64Array)[i] - u0) < 1e-15, `row ${i}: target`);
  }
});

test("boundaryBand: the moved points fill a band of that width inside x = +-1", () => {
  const run = resolveRun("allen-cahn", [
    ["boundaryFraction", 0.5],
    ["boundaryBand", 0.1],
  ]);
  const n = 2000;
  const b = sampleBatches(run.problem, run.config, new Rng(4), n).res;
  const xi = run.problem.domain.inputs.indexOf("x");
  const d = run.problem.domain.inputs.length;
  let sum = 0;
  for (let i = 1000; i < n; i++) {
    const dist = 1 - Math.abs(b.X[i * d + xi]);
    assert.ok(dist >= 0 && dist <= 0.1 + 1e-15, `row ${i}: ${dist} from the boundary`);
    sum += dist;
  }
  // uniform distance in [0, 0.1]: mean 0.05, standard error 0.029 / sqrt(1000) = 9e-4
  assert.ok(Math.abs(sum / 1000 - 0.05) < 5e-3, `mean distance ${sum / 1000}`);
});

test("boundaryFraction = 0 draws the former batch, point for point", () => {
  const a = resolveRun("allen-cahn", []);
  const b = resolveRun("allen-cahn", [["boundaryFraction", 0]]);
  const xa = sampleBatches(a.problem, a.config, new Rng(9), 64);
  const xb = sampleBatches(b.problem, b.config, new Rng(9), 64);
  for (const k of Object.keys(xa)) assert.deepEqual(xb[k].X, xa[k].X, k);
});

test("boundaryFraction on a shape: points on the square's edges and on the hole's circle", () => {
  const r0 = 0.3;
  const p = defineProblem({
    name: "hole",
    domain: difference(rectangle([-1, 1], [-1, 1]), disk([0, 0], r0, { name: "hole" })),
    fields: ["u"],
    residuals: { res: ({ d }) => d("u", "xx").add(d("u", "yy")) },
    conditions: { bc: dirichlet("u", "boundary", 0) },
  });
  const c = applyOverrides(defaultTrainConfig(), [["boundaryFraction", 0.5]]);
  const b = sampleBatches(p, c, new Rng(1), 200).res;
  let circle = 0;
  for (let i = 100; i < 200; i++) {
    const [x, y] = [b.X[2 * i], b.X[2 * i + 1]];
    const onSquare = Math.abs(Math.max(Math.abs(x), Math.abs(y)) - 1) < 1e-12;
    const onCircle = Math.abs(Math.hypot(x, y) - r0) < 1e-12;
    assert.ok(onSquare || onCircle, `row ${i}: (${x}, ${y}) is not on the boundary`);
    if (onCircle) circle++;
  }
  // by length, 2 pi 0.3 / (8 + 2 pi 0.3) = 19% of the boundary points lie on the circle
  assert.ok(circle > 5 && circle < 40, `${circle} of 100 on the circle`);
});

test("boundaryFraction: rejected above 0.5, boundaryBand without it, and where there is no spatial boundary", () => {
  assert.throws(
    () => applyOverrides(defaultTrainConfig(), [["boundaryFraction", 0.6]]),
    /boundaryFraction/,
  );
  assert.throws(
    () => applyOverrides(defaultTrainConfig(), [["boundaryBand", 0.01]]),
    /^Error: boundaryBand: 0.01 spreads the points of boundaryFraction, which is 0/,
  );
  const ode = defineProblem({
    name: "decay",
    domain: box({ t: [0, 1] }, { time: "t" }),
    fields: ["y"],
    residuals: { res: ({ d }) => d("y", "t").add(d("y")) },
    conditions: { y0: initial("y", 1) },
  });
  const c = applyOverrides(defaultTrainConfig(), [["boundaryFraction", 0.1]]);
  assert.throws(
    () => sampleBatches(ode, c, new Rng(1), 16),
    /boundaryFraction: decay has no spatial/,
  );
});
