/**
 * A solution of magnitude 1e3: steady advection-diffusion of temperature (kelvin) through a wall,
 * 0.2 u'' = u' on [0, 1], u(0) = 300, u(1) = 1300. Exact:
 * 300 + 1000 (e^(5x) - 1) / (e^5 - 1) (a boundary layer at x = 1).
 */
import { defineProblem, dirichlet, interval } from "pinnlab";

const pe = 5;
export default defineProblem({
  name: "unseen-furnace",
  domain: interval(0, 1),
  fields: ["u"],
  residuals: {
    res: ({ d }) =>
      d("u", "xx")
        .mul(1 / pe)
        .sub(d("u", "x")),
  },
  conditions: { cold: dirichlet("u", "x.min", 300), hot: dirichlet("u", "x.max", 1300) },
  exact: (p) => 300 + (1000 * (Math.exp(pe * p.x) - 1)) / (Math.exp(pe) - 1),
});
