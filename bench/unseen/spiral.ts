/**
 * Two coupled fields: the damped rotation y1' = -0.1 y1 - 2 y2, y2' = 2 y1 - 0.1 y2 on
 * t in [0, 6], y1(0) = 1, y2(0) = 0. Exact: e^(-t/10) (cos 2t, sin 2t).
 */
import { defineProblem, dirichlet, interval } from "pinnlab";

export default defineProblem({
  name: "unseen-spiral",
  domain: interval(0, 6, "t"),
  fields: ["y1", "y2"],
  residuals: {
    r1: ({ d }) => d("y1", "t").add(d("y1").mul(0.1)).add(d("y2").mul(2)),
    r2: ({ d }) => d("y2", "t").sub(d("y1").mul(2)).add(d("y2").mul(0.1)),
  },
  conditions: { y1: dirichlet("y1", "t.min", 1), y2: dirichlet("y2", "t.min", 0) },
  exact: (p) => ({
    y1: Math.exp(-p.t / 10) * Math.cos(2 * p.t),
    y2: Math.exp(-p.t / 10) * Math.sin(2 * p.t),
  }),
});
