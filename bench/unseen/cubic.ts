/**
 * A nonlinear equation: -u'' + u^3 = f on [0, 2] with u = x sin(3x) manufactured (f computed from
 * it), u given at both ends.
 */
import { cos, defineProblem, dirichlet, interval, sin } from "pinnlab";

const exact = (x: number) => x * Math.sin(3 * x);
export default defineProblem({
  name: "unseen-cubic",
  domain: interval(0, 2),
  fields: ["u"],
  residuals: {
    res: ({ d, x }) => {
      const X = x("x");
      // u'' = 6 cos 3x - 9 x sin 3x, so f = -u'' + u^3
      const upp = cos(X.mul(3))
        .mul(6)
        .sub(X.mul(sin(X.mul(3))).mul(9));
      const u = X.mul(sin(X.mul(3)));
      const f = upp.neg().add(u.mul(u).mul(u));
      const v = d("u");
      return d("u", "xx").neg().add(v.mul(v).mul(v)).sub(f);
    },
  },
  conditions: { left: dirichlet("u", "x.min", 0), right: dirichlet("u", "x.max", exact(2)) },
  exact: (p) => exact(p.x),
});
