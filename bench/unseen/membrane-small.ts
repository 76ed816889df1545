/**
 * A solution of magnitude 1e-3: a membrane's sag, -(u_xx + u_yy) = 5 pi^2 1e-3 sin(pi x) sin(2 pi y)
 * on [0, 1]^2, u = 0 on the edges. Exact: 1e-3 sin(pi x) sin(2 pi y).
 */
import { defineProblem, dirichlet, rectangle, sin } from "pinnlab";

const a = 1e-3;
export default defineProblem({
  name: "unseen-membrane-small",
  domain: rectangle([0, 1], [0, 1]),
  fields: ["u"],
  residuals: {
    res: ({ d, x }) =>
      d("u", "xx")
        .add(d("u", "yy"))
        .add(
          sin(x("x").mul(Math.PI))
            .mul(sin(x("y").mul(2 * Math.PI)))
            .mul(5 * Math.PI ** 2 * a),
        ),
  },
  conditions: { edges: dirichlet("u", ["x.min", "x.max", "y.min", "y.max"], 0) },
  exact: (p) => a * Math.sin(Math.PI * p.x) * Math.sin(2 * Math.PI * p.y),
});
