// Integro-differential residuals by Gauss-Legendre quadrature: the rule's exactness, the integral
// of a known function through a hand-made jet, and DeepXDE's Volterra IDE trained to its exact
// solution y = exp(-x) cosh(x).
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { fromData, startEngine, tree } from "../../src/engine/index.js";
import { interval } from "../../src/geometry/box.js";
import { dirichlet } from "../../src/problem/conditions.js";
import { exp } from "../../src/problem/maths.js";
import { batchArrays, defineProblem } from "../../src/problem/problem.js";
import { gaussLegendre } from "../../src/problem/quadrature.js";
import { defaultTrainConfig } from "../../src/train/config.js";
import { predictGrid, relativeL2 } from "../../src/train/evaluate.js";
import { train } from "../../src/train/trainer.js";
import { Rng } from "../../src/util/rng.js";
import { box } from "../../src/geometry/box.js";

before(async () => {
  await startEngine();
});

test("Gauss-Legendre: known nodes, weights summing to 2, exact to degree 2n - 1", () => {
  const g2 = gaussLegendre(2);
  assert.ok(Math.abs(g2.x[1] - 1 / Math.sqrt(3)) < 1e-15 && Math.abs(g2.w[0] - 1) < 1e-15);
  for (const n of [1, 5, 20]) {
    const { x, w } = gaussLegendre(n);
    assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) - 2) < 1e-13, `n=${n} weights`);
    const deg = 2 * n - 1;
    const q = x.reduce((s, xi, i) => s + w[i] * xi ** (deg - 1), 0);
    assert.ok(Math.abs(q - 2 / deg) < 1e-13, `n=${n}: int x^${deg - 1}`);
  }
});

const ide = defineProblem({
  name: "ide",
  domain: box({ x: [0, 5] }),
  fields: ["y"],
  // y' + y = int_0^x exp(s - x) y(s) ds
  residuals: {
    res: ({ d, volterra }) =>
      d("y", "x")
        .add(d("y"))
        .sub(volterra("y", (x, s) => exp(s.sub(x)))),
  },
  conditions: { ic: dirichlet("y", "x.min", 1) },
  exact: (p) => Math.exp(-p.x) * Math.cosh(p.x),
});

test("the quadrature rows and the integral of the exact solution", () => {
  assert.throws(
    () =>
      defineProblem({
        name: "bad",
        domain: interval(0, 1),
        fields: ["y"],
        residuals: {
          res: ({ volterra }) =>
            volterra("y", () => 1, { nodes: 4 }).sub(volterra("y", () => 1, { nodes: 5 })),
        },
        conditions: {},
      }),
    /residuals\.res: volterra: one quadrature/,
  );
  const [t] = ide.terms;
  assert.equal(t.quadratureNodes, 20);
  const b = t.sample(new Rng(3), 8, "uniform");
  assert.equal(b.rows, 8 * 21);
  // the exact solution's jet at every row: the residual is zero to quadrature accuracy
  const y = (x: number) => Math.exp(-x) * Math.cosh(x);
  const yx = (x: number) => -Math.exp(-x) * Math.cosh(x) + Math.exp(-x) * Math.sinh(x);
  const ch = t.layout.channels.map((mi) =>
    fromData(Array.from(b.X, mi.length === 0 ? y : yx), [b.rows, 1], "float64"),
  );
  const { X, target } = batchArrays(b, 1, "float64");
  const r = t.residual({ layout: t.layout, ch }, X, target).dataSync();
  assert.equal(r.length, 8);
  // exp is float32-accurate in jax-js
  for (const v of r) assert.ok(Math.abs(v) < 1e-6, `residual ${v}`);
});

test("Volterra IDE (DeepXDE ide example) trains to its exact solution", async () => {
  const config = {
    ...defaultTrainConfig(),
    width: 20,
    depth: 3,
    points: 16,
    bcPoints: 1,
    steps: 6000,
    lr: 5e-3,
    decaySteps: 1000,
    optimizer: "adam" as const,
    logEvery: 10000,
  };
  const res = await train({ problem: ide, config });
  const ref = (ide.reference as () => ReturnType<NonNullable<typeof ide.reference>>)();
  const pred = await predictGrid(res.net, res.params, ref, ide.fields);
  tree.dispose(res.params);
  const err = relativeL2(pred.values, ref.values);
  // measured 3.1e-3 (6,000 Adam steps, about 7 s)
  assert.ok(err < 2e-2, `rel L2 ${err}`);
});

test("boundaryFraction: an integral residual's points cannot move (its quadrature rows follow them)", () => {
  const term = ide.terms.find((t) => t.name === "res");
  assert.ok(term);
  assert.throws(
    () => term.sample(new Rng(1), 8, "uniform", { fraction: 0.25, band: 0 }),
    /^Error: boundaryFraction: residuals.res integrates/,
  );
  // without a share the batch holds its points and their quadrature rows
  assert.ok(term.sample(new Rng(1), 8, "uniform").rows > 8);
});
