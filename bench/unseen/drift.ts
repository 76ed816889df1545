/**
 * Advection-diffusion of a Gaussian: u_t + a u_x = nu u_xx on x in [-2, 2], t in [0, 1], a = 1,
 * nu = 0.05, with the exact solution's values on the ends and at t = 0. Exact:
 * exp(-(x + 0.5 - a t)^2 / (0.25 + 4 nu t)) / sqrt(1 + 16 nu t).
 */
import { defineProblem, dirichlet, initial, interval, timeSpace } from "pinnlab";

const a = 1;
const nu = 0.05;
const exact = (t: number, x: number) =>
  Math.exp(-((x + 0.5 - a * t) ** 2) / (0.25 + 4 * nu * t)) / Math.sqrt(1 + 16 * nu * t);
export default defineProblem({
  name: "unseen-drift",
  domain: timeSpace([0, 1], interval(-2, 2)),
  fields: ["u"],
  residuals: { res: ({ d }) => d("u", "t").add(d("u", "x").mul(a)).sub(d("u", "xx").mul(nu)) },
  conditions: {
    ic: initial("u", (p) => exact(0, p.x)),
    ends: dirichlet("u", ["x.min", "x.max"], (p) => exact(p.t, p.x)),
  },
  exact: (p) => exact(p.t, p.x),
});
