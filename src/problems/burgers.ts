/**
 * Viscous Burgers: u_t + u u_x = nu u_xx on x in [-1, 1], t in [0, 1], u(0, x) = -sin(pi x),
 * u(t, +-1) = 0, nu = 0.01/pi (Raissi, Perdikaris & Karniadakis 2019). Reference: the exact
 * Cole-Hopf solution by Gauss-Hermite quadrature on Raissi's 100 x 256 grid.
 */
import { box } from "../geometry/box.js";
import { linspace } from "../geometry/box.js";
import { smooth } from "../problem/smooth.js";
import { dirichlet, initial } from "../problem/conditions.js";
import { defineProblem } from "../problem/problem.js";
import { burgersGrid } from "../reference/burgers.js";
import type { BuiltinProblem } from "./registry.js";

export const burgers: BuiltinProblem = {
  name: "burgers",
  description: "viscous Burgers, shock at x = 0 (Raissi et al. 2019)",
  params: { nu: { default: 0.01 / Math.PI, positive: true, doc: "viscosity" } },
  defaults: {
    width: 32,
    depth: 6,
    steps: 3000,
    lr: 2e-3,
    decaySteps: 1000,
    optimizer: "adam+lbfgs",
    lbfgsSteps: 2500,
    lbfgsPoints: 8192,
    sampler: "lhs",
  },
  weights: {},
  build: ({ nu }) =>
    defineProblem({
      name: "burgers",
      domain: box({ t: [0, 1], x: [-1, 1] }, { time: "t" }),
      fields: ["u"],
      residuals: {
        res: ({ d }) =>
          d("u", "t")
            .add(d("u").mul(d("u", "x")))
            .sub(d("u", "xx").mul(nu)),
      },
      conditions: {
        ic: initial(
          "u",
          smooth((o) => o.mul(o.sin(o.mul(o.in("x"), Math.PI)), -1)),
        ),
        bc: dirichlet(
          "u",
          [
            { input: "x", side: "min" },
            { input: "x", side: "max" },
          ],
          0,
        ),
      },
      reference: () => {
        const t = linspace(0, 0.99, 100);
        const x = linspace(-1, 1, 256);
        return { axes: [t, x], values: { u: burgersGrid(t, x, nu).u } };
      },
    }),
};
