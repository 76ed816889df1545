/**
 * Three inputs: heat in a square, u_t = k (u_xx + u_yy) on t in [0, 1], (x, y) in [0, 1]^2,
 * u = 0 on the sides, u(0) = sin(pi x) sin(pi y). Exact: exp(-2 k pi^2 t) sin(pi x) sin(pi y).
 * (The 2-D heat equation: rel L2 2.5e-2 with the vanilla defaults.)
 */
import { box, defineProblem, dirichlet, initial } from "pinnlab";

const k = 0.1;
export default defineProblem({
  name: "unseen-heat2d",
  domain: box({ t: [0, 1], x: [0, 1], y: [0, 1] }, { time: "t" }),
  fields: ["u"],
  residuals: { res: ({ d }) => d("u", "t").sub(d("u", "xx").add(d("u", "yy")).mul(k)) },
  conditions: {
    ic: initial("u", (p) => Math.sin(Math.PI * p.x) * Math.sin(Math.PI * p.y)),
    sides: dirichlet("u", ["x.min", "x.max", "y.min", "y.max"], 0),
  },
  exact: (p) =>
    Math.exp(-2 * k * Math.PI ** 2 * p.t) * Math.sin(Math.PI * p.x) * Math.sin(Math.PI * p.y),
});
