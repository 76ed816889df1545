/**
 * Second order in time: u_tt = u_xx on x in [0, 1], t in [0, 1], u = 0 at the ends,
 * u(0) = sin(pi x), u_t(0) = sin(2 pi x). Exact: sin(pi x) cos(pi t) + sin(2 pi x) sin(2 pi t) / (2 pi).
 */
import { defineProblem, dirichlet, initial, initialRate, interval, timeSpace } from "pinnlab";

export default defineProblem({
  name: "unseen-wave",
  domain: timeSpace([0, 1], interval(0, 1)),
  fields: ["u"],
  residuals: { res: ({ d }) => d("u", "tt").sub(d("u", "xx")) },
  conditions: {
    ic: initial("u", (p) => Math.sin(Math.PI * p.x)),
    rate: initialRate("u", (p) => Math.sin(2 * Math.PI * p.x)),
    ends: dirichlet("u", ["x.min", "x.max"], 0),
  },
  exact: (p) =>
    Math.sin(Math.PI * p.x) * Math.cos(Math.PI * p.t) +
    (Math.sin(2 * Math.PI * p.x) * Math.sin(2 * Math.PI * p.t)) / (2 * Math.PI),
});
