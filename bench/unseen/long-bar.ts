/**
 * A domain far from the unit box: a bar x in [0, 100] with a distributed source,
 * u'' = -(pi/25)^2 sin(pi x / 25), u(0) = 1, u(100) = 2. Exact: 1 + x/100 + sin(pi x / 25).
 */
import { defineProblem, dirichlet, interval, sin } from "pinnlab";

const k = Math.PI / 25;
export default defineProblem({
  name: "unseen-long-bar",
  domain: interval(0, 100),
  fields: ["u"],
  residuals: { res: ({ d, x }) => d("u", "xx").add(sin(x("x").mul(k)).mul(k * k)) },
  conditions: { left: dirichlet("u", "x.min", 1), right: dirichlet("u", "x.max", 2) },
  exact: (p) => 1 + p.x / 100 + Math.sin(k * p.x),
});
