// A small inverse problem shared by the inverse-problem tests: nu u'' + (pi^2 / 2) sin(pi x) = 0
// on [0, 1], u = 0 at both ends, u = sin(pi x) observed at 40 points, so nu = 1/2.
import { interval } from "../../src/geometry/box.js";
import { data, dirichlet } from "../../src/problem/conditions.js";
import { param } from "../../src/problem/coefficients.js";
import { sin } from "../../src/problem/maths.js";
import { defineProblem, type Problem } from "../../src/problem/problem.js";

/** The 40 observation points (cell midpoints of [0, 1]). */
export const INVERSE_POINTS = Array.from({ length: 40 }, (_, i) => [(i + 0.5) / 40]);

/** The problem with the coefficient nu (positive) started at `init`; the true value is 0.5. */
export function inverseDiffusivity(init = 0.1): Problem {
  const nu = param("nu", { init, positive: true });
  return defineProblem({
    name: "inverse",
    domain: interval(0, 1),
    fields: ["u"],
    residuals: {
      res: ({ d, x }) =>
        d("u", "xx")
          .mul(nu)
          .add(sin(x("x").mul(Math.PI)).mul(0.5 * Math.PI ** 2)),
    },
    conditions: {
      bc: dirichlet("u", "boundary", 0),
      obs: data(
        "u",
        INVERSE_POINTS,
        INVERSE_POINTS.map(([x]) => Math.sin(Math.PI * x)),
      ),
    },
  });
}
