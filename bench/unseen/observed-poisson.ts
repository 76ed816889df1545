/**
 * Scattered observations: u_xx + u_yy = (1 - pi^2) sin(pi x) cosh(y) on [0, 1]^2 with u = 0 on
 * the x ends and, instead of data on the y ends, 60 scattered observations of u inside. Exact:
 * sin(pi x) cosh(y).
 */
import { cosh, data, defineProblem, dirichlet, rectangle, sin } from "pinnlab";

const exact = (x: number, y: number) => Math.sin(Math.PI * x) * Math.cosh(y);
// a fixed scatter (a Weyl sequence): reproducible without a random generator
const points: number[][] = [];
for (let i = 1; i <= 60; i++) points.push([(i * 0.7548776662) % 1, (i * 0.569840291) % 1]);
export default defineProblem({
  name: "unseen-observed-poisson",
  domain: rectangle([0, 1], [0, 1]),
  fields: ["u"],
  residuals: {
    res: ({ d, x }) =>
      d("u", "xx")
        .add(d("u", "yy"))
        .sub(
          sin(x("x").mul(Math.PI))
            .mul(cosh(x("y")))
            .mul(1 - Math.PI ** 2),
        ),
  },
  conditions: {
    ends: dirichlet("u", ["x.min", "x.max"], 0),
    obs: data(
      "u",
      points,
      points.map(([x, y]) => exact(x, y)),
    ),
  },
  exact: (p) => exact(p.x, p.y),
});
