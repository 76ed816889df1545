/**
 * Three space inputs: u_xx + u_yy + u_zz = -3 pi^2 sin(pi x) sin(pi y) sin(pi z) on [0, 1]^3 with
 * u = 0 on the faces. Exact: sin(pi x) sin(pi y) sin(pi z).
 */
import { box, defineProblem, dirichlet, sin } from "pinnlab";

export default defineProblem({
  name: "unseen-poisson3d",
  domain: box({ x: [0, 1], y: [0, 1], z: [0, 1] }),
  fields: ["u"],
  residuals: {
    res: ({ d, x }) =>
      d("u", "xx")
        .add(d("u", "yy"))
        .add(d("u", "zz"))
        .add(
          sin(x("x").mul(Math.PI))
            .mul(sin(x("y").mul(Math.PI)))
            .mul(sin(x("z").mul(Math.PI)))
            .mul(3 * Math.PI ** 2),
        ),
  },
  conditions: {
    faces: dirichlet("u", ["x.min", "x.max", "y.min", "y.max", "z.min", "z.max"], 0),
  },
  exact: (p) => Math.sin(Math.PI * p.x) * Math.sin(Math.PI * p.y) * Math.sin(Math.PI * p.z),
});
