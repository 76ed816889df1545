/**
 * A stiff source: y' = -lambda (y - cos t), lambda = 30, on t in [0, 2], y(0) = 0: a fast initial
 * layer (width ~1/30) onto the slow manifold. Exact:
 * y = lambda (lambda cos t + sin t) / (lambda^2 + 1) - lambda^2 / (lambda^2 + 1) e^(-lambda t).
 */
import { cos, defineProblem, dirichlet, interval } from "pinnlab";

const lambda = 30;
const s = lambda ** 2 + 1;
export default defineProblem({
  name: "unseen-stiff",
  domain: interval(0, 2, "t"),
  fields: ["y"],
  residuals: {
    res: ({ d, x }) =>
      d("y", "t").add(
        d("y")
          .sub(cos(x("t")))
          .mul(lambda),
      ),
  },
  conditions: { y0: dirichlet("y", "t.min", 0) },
  exact: (p) =>
    (lambda * (lambda * Math.cos(p.t) + Math.sin(p.t))) / s -
    (lambda ** 2 / s) * Math.exp(-lambda * p.t),
});
