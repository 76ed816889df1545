/**
 * Fourth order, the issue's clamped beam: u'''' = 24 on [0, 1], u = u' = 0 at both ends.
 * Exact: x^2 (1 - x)^2. The vanilla PINN fails here (rel L2 3.9 in the issue: the residual of
 * size 24 drowns the boundary terms).
 */
import { data, defineProblem, dirichlet, interval } from "pinnlab";

export default defineProblem({
  name: "unseen-beam",
  domain: interval(0, 1),
  fields: ["u"],
  residuals: { res: ({ d }) => d("u", "xxxx").sub(24) },
  conditions: {
    clamp: dirichlet("u", ["x.min", "x.max"], 0),
    slope: data("u", [[0], [1]], [0, 0], { derivative: "x" }),
  },
  exact: (p) => p.x ** 2 * (1 - p.x) ** 2,
});
