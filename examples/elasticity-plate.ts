/**
 * Example: the linear elasticity plate (DeepXDE's elasticity_plate, after Haghighat et al. 2021):
 * five fields (displacements ux, uy and stresses sxx, syy, sxy) on the unit square, lambda = 1,
 * mu = 0.5, Q = 4. Residuals: the two momentum equations with the manufactured body force, and
 * the three constitutive laws; conditions as DeepXDE's soft variant (ux = 0 on top and bottom,
 * uy = 0 on left, bottom and right, sxx = 0 on left and right, syy = (2 mu + lambda) Q sin(pi x)
 * on top). Exact solution ux = cos(2 pi x) sin(pi y), uy = sin(pi x) Q y^4 / 4 and its stresses.
 *
 * Run: npx tsx examples/elasticity-plate.ts   (PINNLAB_EXAMPLE_STEPS shortens it; CI uses that)
 */
import {
  cos,
  defaultTrainConfig,
  defineProblem,
  dirichlet,
  pow,
  rectangle,
  sin,
  startEngine,
  train,
} from "../src/index.js";
import { budget, errors, scaled } from "./common.js";

const lmbd = 1;
const mu = 0.5;
const Q = 4;
const pi = Math.PI;
const c = 2 * mu + lmbd;

function exact(x: number, y: number) {
  const exx = -2 * pi * Math.sin(2 * pi * x) * Math.sin(pi * y);
  const eyy = Math.sin(pi * x) * Q * y ** 3;
  const exy =
    0.5 * (pi * Math.cos(2 * pi * x) * Math.cos(pi * y) + (pi * Math.cos(pi * x) * Q * y ** 4) / 4);
  return {
    ux: Math.cos(2 * pi * x) * Math.sin(pi * y),
    uy: (Math.sin(pi * x) * Q * y ** 4) / 4,
    sxx: c * exx + lmbd * eyy,
    syy: c * eyy + lmbd * exx,
    sxy: 2 * mu * exy,
  };
}

await startEngine();
const problem = defineProblem({
  name: "elasticity-plate",
  domain: rectangle([0, 1], [0, 1]),
  fields: ["ux", "uy", "sxx", "syy", "sxy"],
  residuals: {
    // div sigma = f, f the divergence of the exact stress
    momentumX: ({ d, x }) => {
      const X = x("x");
      const Y = x("y");
      const cs = cos(X.mul(2 * pi)).mul(sin(Y.mul(pi)));
      const cy = cos(X.mul(pi))
        .mul(pow(Y, 3))
        .mul(pi * Q);
      const fx = cs.mul(-4 * pi * pi * c - mu * pi * pi).add(cy.mul(lmbd + mu));
      return d("sxx", "x").add(d("sxy", "y")).sub(fx);
    },
    momentumY: ({ d, x }) => {
      const X = x("x");
      const Y = x("y");
      const sc = sin(X.mul(2 * pi)).mul(cos(Y.mul(pi)));
      const fy = sin(X.mul(pi))
        .mul(pow(Y, 2))
        .mul(3 * Q * c)
        .add(sc.mul(-2 * pi * pi * (lmbd + mu)))
        .sub(
          sin(X.mul(pi))
            .mul(pow(Y, 4))
            .mul((mu * pi * pi * Q) / 4),
        );
      return d("sxy", "x").add(d("syy", "y")).sub(fy);
    },
    lawXX: ({ d }) => d("sxx").sub(d("ux", "x").mul(c).add(d("uy", "y").mul(lmbd))),
    lawYY: ({ d }) => d("syy").sub(d("uy", "y").mul(c).add(d("ux", "x").mul(lmbd))),
    lawXY: ({ d }) => d("sxy").sub(d("ux", "y").add(d("uy", "x")).mul(mu)),
  },
  conditions: {
    uxTopBottom: dirichlet("ux", ["y.min", "y.max"], 0),
    uy: dirichlet("uy", ["x.min", "x.max", "y.min"], 0),
    sxx: dirichlet("sxx", ["x.min", "x.max"], 0),
    syyTop: dirichlet("syy", "y.max", (p) => c * Q * Math.sin(pi * p.x)),
  },
  exact: (p) => exact(p.x, p.y),
});

const steps = budget(3000);
const result = await train({
  problem,
  config: {
    ...defaultTrainConfig(),
    width: 32,
    depth: 3,
    points: 512,
    bcPoints: 64,
    steps,
    optimizer: "adam+lbfgs",
    lbfgsSteps: scaled(1500, steps, 3000),
    lbfgsPoints: 1024,
    precision: "float64",
    logEvery: 10000,
  },
});
const e = await errors(problem, result);
const f = Object.entries(e.fields)
  .map(([k, v]) => `${k} ${v.toExponential(2)}`)
  .join(", ");
console.log(`rel_l2 ${e.all.toExponential(3)} (${f})`);
