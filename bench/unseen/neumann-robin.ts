/**
 * Neumann and Robin ends: u'' = -4 sin(2x) on [0, 1] with u'(0) = 2 (a Neumann end: the outward
 * derivative is -u'(0) = -2) and u + u' = g at x = 1 (a Robin end). Exact: sin(2x) + 1/2.
 */
import { defineProblem, interval, neumann, robin, sin } from "pinnlab";

const exact = (x: number) => Math.sin(2 * x) + 0.5;
export default defineProblem({
  name: "unseen-neumann-robin",
  domain: interval(0, 1),
  fields: ["u"],
  residuals: { res: ({ d, x }) => d("u", "xx").add(sin(x("x").mul(2)).mul(4)) },
  conditions: {
    left: neumann("u", "x.min", -2),
    right: robin("u", "x.max", { a: 1, b: 1 }, exact(1) + 2 * Math.cos(2)),
  },
  exact: (p) => exact(p.x),
});
