// Boundary conditions on any domain, against manufactured solutions: Robin at an end of an
// interval, Neumann on a hole's circle (the true normal derivative), the Euler beam's free end as
// a boundary operator (u_xx = u_xxx = 0) with a derivative observation u'(0) = 0, and hard
// Dirichlet data on an L-shape through the approximate distance function.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { startEngine, tree } from "../../src/engine/index.js";
import { interval, rectangle, timeSpace } from "../../src/geometry/box.js";
import { difference, disk, polygon } from "../../src/geometry/domain.js";
import {
  boundaryOperator,
  data,
  dirichlet,
  initial,
  neumann,
  robin,
} from "../../src/problem/conditions.js";
import { sin } from "../../src/problem/maths.js";
import { type Problem, defineProblem, domainMask } from "../../src/problem/problem.js";
import { smooth } from "../../src/problem/smooth.js";
import { type TrainConfig, defaultTrainConfig } from "../../src/train/config.js";
import { predict, predictGrid, relativeL2 } from "../../src/train/evaluate.js";
import { train } from "../../src/train/trainer.js";

before(async () => {
  await startEngine();
});

/** A short Adam phase, then L-BFGS on a fixed batch. */
const LBFGS = { optimizer: "adam+lbfgs" as const, steps: 500, lbfgsSteps: 200 };

/** Train briefly and return the rel L2 error on the problem's (masked) reference grid. */
async function errorAfter(problem: Problem, c: Partial<TrainConfig>): Promise<number> {
  const config = { ...defaultTrainConfig(), logEvery: 1000, ...c };
  const r = await train({ problem, config });
  const ref = (problem.reference as () => ReturnType<NonNullable<Problem["reference"]>>)();
  const mask = ref.mask ?? domainMask(problem.domain, ref.axes);
  const pred = await predictGrid(r.net, r.params, ref, problem.fields);
  tree.dispose(r.params);
  return relativeL2(pred.values, ref.values, mask);
}

test("Robin end: u'' = 2 on [-1, 1], u(-1) = 0, u + u' = 8 at x = 1 (u = (x + 1)^2)", async () => {
  const p = defineProblem({
    name: "robin",
    domain: interval(-1, 1),
    fields: ["u"],
    residuals: { res: ({ d }) => d("u", "xx").sub(2) },
    conditions: {
      left: dirichlet("u", "x.min", 0),
      right: robin("u", "x.max", { a: 1, b: 1 }, 8),
    },
    exact: (q) => (q.x + 1) ** 2,
  });
  const err = await errorAfter(p, { ...LBFGS, width: 16, depth: 2, points: 64, bcPoints: 8 });
  // measured 3.8e-5 (500 Adam steps + 200 L-BFGS iterations)
  assert.ok(err < 1e-3, `rel L2 ${err}`);
});

test("Neumann on a hole: Laplace u = 4 in a square minus a disk, u = x^2 + y^2", async () => {
  const r0 = 0.3;
  const p = defineProblem({
    name: "hole",
    domain: difference(rectangle([-1, 1], [-1, 1]), disk([0, 0], r0, { name: "hole" })),
    fields: ["u"],
    residuals: { res: ({ d }) => d("u", "xx").add(d("u", "yy")).sub(4) },
    conditions: {
      outer: dirichlet(
        "u",
        "rectangle",
        smooth((o) => o.add(o.mul(o.in("x"), o.in("x")), o.mul(o.in("y"), o.in("y")))),
      ),
      // the outward normal of the domain points into the hole: du/dn = -2 r0
      hole: neumann("u", "hole", -2 * r0),
    },
    exact: (q) => q.x * q.x + q.y * q.y,
  });
  const err = await errorAfter(p, { ...LBFGS, width: 32, depth: 2, points: 256, bcPoints: 128 });
  // measured 9.0e-4 (500 Adam steps + 200 L-BFGS iterations)
  assert.ok(err < 1e-2, `rel L2 ${err}`);
});

test("Euler beam: u'''' = -1, u(0) = u'(0) = 0, u''(1) = u'''(1) = 0 as boundary operators", async () => {
  const p = defineProblem({
    name: "beam",
    domain: interval(0, 1),
    fields: ["u"],
    residuals: { res: ({ d }) => d("u", "xxxx").add(1) },
    conditions: {
      clamp: dirichlet("u", "x.min", 0),
      slope: data("u", [[0]], [0], { derivative: "x" }),
      moment: boundaryOperator("x.max", ({ d }) => d("u", "xx")),
      shear: boundaryOperator("x.max", ({ d }) => d("u", "xxx")),
    },
    exact: (q) => -(q.x ** 4) / 24 + q.x ** 3 / 6 - q.x ** 2 / 4,
  });
  const err = await errorAfter(p, {
    ...LBFGS,
    width: 20,
    depth: 3,
    points: 64,
    bcPoints: 4,
    steps: 1000,
    lbfgsSteps: 300,
  });
  // measured 1.9e-3 (1,000 Adam steps + 300 L-BFGS iterations)
  assert.ok(err < 1e-2, `rel L2 ${err}`);
});

test("hard Dirichlet on an L-shape through the ADF: the boundary data is met exactly", async () => {
  const L = polygon([
    [0, 0],
    [2, 0],
    [2, 1],
    [1, 1],
    [1, 2],
    [0, 2],
  ]);
  // u = sin(x) + y solves u_xx + u_yy + sin(x) = 0
  const p = defineProblem({
    name: "lshape",
    domain: L,
    fields: ["u"],
    residuals: {
      res: ({ d, x }) =>
        d("u", "xx")
          .add(d("u", "yy"))
          .add(sin(x("x"))),
    },
    conditions: {
      bc: dirichlet(
        "u",
        "boundary",
        smooth((o) => o.add(o.sin(o.in("x")), o.in("y"))),
      ),
    },
    exact: (q) => Math.sin(q.x) + q.y,
  });
  const config = {
    ...defaultTrainConfig(),
    optimizer: "adam" as const,
    width: 16,
    depth: 2,
    points: 128,
    steps: 300,
    hard: ["bc"],
    precision: "float64" as const,
  };
  const r = await train({ problem: p, config });
  assert.deepEqual(r.problem.termNames, ["res"], "the hard condition left the loss");
  // on the boundary the network's output is the data to rounding, whatever it learned
  const edges = [
    [0.5, 0],
    [2, 0.5],
    [1.5, 1],
    [1, 1.5],
    [0.5, 2],
    [0, 1.2],
  ];
  const y = await predict(r.net, r.params, Float64Array.from(edges.flat()));
  edges.forEach(([x0, y0], i) =>
    assert.ok(Math.abs(y[i] - (Math.sin(x0) + y0)) < 1e-6, `(${x0}, ${y0}): ${y[i]}`),
  );
  tree.dispose(r.params);
});

test("time x disk with hard initial and boundary data: both met exactly through tau and the ADF", async () => {
  const p = defineProblem({
    name: "diskheat",
    domain: timeSpace([0, 1], disk([0, 0], 1)),
    fields: ["u"],
    residuals: { res: ({ d }) => d("u", "t").sub(d("u", "xx").add(d("u", "yy"))) },
    conditions: {
      ic: initial(
        "u",
        smooth((o) =>
          o.sub(o.c(1), o.add(o.mul(o.in("x"), o.in("x")), o.mul(o.in("y"), o.in("y")))),
        ),
      ),
      bc: dirichlet("u", "boundary", 0),
    },
  });
  const r = await train({
    problem: p,
    config: {
      ...defaultTrainConfig(),
      width: 16,
      depth: 2,
      points: 128,
      steps: 100,
      hard: ["ic", "bc"],
      precision: "float64",
      optimizer: "adam",
    },
  });
  assert.deepEqual(r.problem.termNames, ["res"]);
  // (t, x, y): on the circle at t = 0 and t = 0.5, inside at t = 0 (u0 = 1 - r^2 = 0.75)
  const X = Float64Array.from([0, 0.6, 0.8, 0.5, 1, 0, 0, 0.3, 0.4]);
  const y = await predict(r.net, r.params, X);
  tree.dispose(r.params);
  assert.ok(Math.abs(y[0]) < 1e-9 && Math.abs(y[1]) < 1e-9, `boundary ${y[0]}, ${y[1]}`);
  assert.ok(Math.abs(y[2] - 0.75) < 1e-9, `initial ${y[2]}`);
});
