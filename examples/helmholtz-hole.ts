/**
 * Example: Helmholtz's equation on a square with a hole (DeepXDE's Helmholtz_Neumann_2d_hole):
 * -u_xx - u_yy - k0^2 u = k0^2 sin(k0 x) sin(k0 y) on [-1/2, 1/2]^2 minus the disk of radius 1/4,
 * k0 = 2 pi, Dirichlet data on the square, the exact normal derivative on the hole (its outward
 * normal points into the hole). The exact solution u = sin(k0 x) sin(k0 y) satisfies both, so the
 * error is exact.
 *
 * Run: npx tsx examples/helmholtz-hole.ts   (PINNLAB_EXAMPLE_STEPS shortens it; CI uses that)
 */
import {
  defaultTrainConfig,
  defineProblem,
  difference,
  dirichlet,
  disk,
  neumann,
  rectangle,
  sin,
  smooth,
  startEngine,
  train,
} from "../src/index.js";
import { budget, errors, scaled } from "./common.js";

const k0 = 2 * Math.PI;
const R = 0.25;

await startEngine();
const problem = defineProblem({
  name: "helmholtz-hole",
  domain: difference(rectangle([-0.5, 0.5], [-0.5, 0.5]), disk([0, 0], R, { name: "hole" })),
  fields: ["u"],
  residuals: {
    res: ({ d, x }) => {
      const f = sin(x("x").mul(k0))
        .mul(sin(x("y").mul(k0)))
        .mul(k0 * k0);
      return d("u", "xx")
        .add(d("u", "yy"))
        .add(d("u").mul(k0 * k0))
        .add(f);
    },
  },
  conditions: {
    outer: dirichlet(
      "u",
      "rectangle",
      smooth((o) => o.mul(o.sin(o.mul(o.in("x"), k0)), o.sin(o.mul(o.in("y"), k0)))),
    ),
    // grad u . n with n = -(x, y) / r, the domain's outward normal on the hole
    hole: neumann("u", "hole", (p) => {
      const r = Math.hypot(p.x, p.y);
      const ux = k0 * Math.cos(k0 * p.x) * Math.sin(k0 * p.y);
      const uy = k0 * Math.sin(k0 * p.x) * Math.cos(k0 * p.y);
      return -(ux * p.x + uy * p.y) / r;
    }),
  },
  exact: (p) => Math.sin(k0 * p.x) * Math.sin(k0 * p.y),
});

const steps = budget(1000);
const result = await train({
  problem,
  config: {
    ...defaultTrainConfig(),
    width: 32,
    depth: 3,
    activation: "sin",
    points: 512,
    bcPoints: 128,
    steps,
    optimizer: "adam+ssbroyden",
    bfgsSteps: scaled(500, steps, 1000),
    bfgsPoints: 1024,
    precision: "float64",
    logEvery: 10000,
  },
});
console.log(`rel_l2 ${(await errors(problem, result)).all.toExponential(3)}`);
