/**
 * Example: DeepXDE's Poisson_Lshape: -u_xx - u_yy = 1 on the L-shape [-1, 1]^2 minus (0, 1]^2,
 * u = 0 on its boundary. There is no closed form (the re-entrant corner makes u ~ r^(2/3)), so the
 * reference is pinnlab's own: the 5-point finite-difference Laplacian on a uniform grid of
 * spacing h = 1/N over the L, solved by conjugate gradients to a relative residual of 1e-12
 * (examples/fd-lshape.ts). The error is measured on the grid's interior nodes. With
 * `PINNLAB_FD_CHECK=1` the script also prints the FD solution's own error estimate, the
 * difference between h = 1/N and h = 1/(2N).
 *
 * Why not DeepXDE's plain formulation: the solution is not in H^2 (its second derivatives grow
 * like r^(-4/3) at the corner), and on a non-convex polygon the Laplacian maps the smooth
 * functions that vanish on the boundary onto a closed subspace of L^2 that misses a singular
 * direction (Grisvard 1985, ch. 4). A smooth network's mean-square residual therefore has a
 * positive minimum, reached away from the true solution: trained plainly, this example settled
 * at rel L2 1.7e-1 (hard boundary data) or 3.1e-1 (soft), too high everywhere. So the solution is
 * enriched with the corner's singular function, the classic cure (Fix, Gulati & Wakoff 1973):
 *   u = w + H v,  H = r^(2/3) sin(2 phi / 3) (1 - x^2)(1 - y^2)  (examples/lshape-singular.ts),
 * where w and v are the network's two outputs, w = 0 on the boundary exactly (the polygon's
 * approximate distance function) and H = 0 there by construction. The residual is written in w
 * and v: Laplace u = Laplace w + L v + 2 grad H . grad v + H Laplace v, with H's gradient and
 * Laplacian L in closed form. `PINNLAB_LSHAPE_PLAIN=1` trains DeepXDE's plain formulation instead.
 *
 * Run: npx tsx examples/poisson-lshape.ts   (PINNLAB_EXAMPLE_STEPS shortens it; CI uses that)
 */
import {
  type EvalGrid,
  defaultTrainConfig,
  defineProblem,
  dirichlet,
  polygon,
  predictGrid,
  relativeL2,
  startEngine,
  train,
} from "../src/index.js";
import { budget, scaled } from "./common.js";
import { fdLshape } from "./fd-lshape.js";
import { enrichment, numbers, values } from "./lshape-singular.js";

const N = 100;
const vertices = [
  [-1, -1],
  [1, -1],
  [1, 0],
  [0, 0],
  [0, 1],
  [-1, 1],
];
const plain = process.env.PINNLAB_LSHAPE_PLAIN === "1";

if (process.env.PINNLAB_FD_CHECK) {
  const coarse = fdLshape(N);
  const fine = fdLshape(2 * N);
  const n = 2 * N + 1;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const a = coarse.u[i * n + j];
      const b = fine.u[2 * i * (2 * n - 1) + 2 * j];
      num += (a - b) ** 2;
      den += b * b;
    }
  console.log(`fd h=1/${N} vs h=1/${2 * N}: rel L2 ${Math.sqrt(num / den).toExponential(3)}`);
}

await startEngine();
const problem = defineProblem({
  name: "poisson-lshape-fd",
  domain: polygon(vertices),
  fields: plain ? ["w"] : ["w", "v"],
  residuals: {
    res: ({ d, x }) => {
      const lap = d("w", "xx").add(d("w", "yy")).add(1);
      if (plain) return lap;
      const e = enrichment(values, x("x"), x("y"));
      return lap
        .add(e.L.mul(d("v")))
        .add(
          e.Hx.mul(d("v", "x"))
            .add(e.Hy.mul(d("v", "y")))
            .mul(2),
        )
        .add(e.H.mul(d("v", "xx").add(d("v", "yy"))));
    },
  },
  conditions: { bc: dirichlet("w", "boundary", 0) },
});

const steps = budget(2000);
const t0 = Date.now();
const result = await train({
  problem,
  config: {
    ...defaultTrainConfig(),
    width: 32,
    depth: 3,
    points: 1024,
    steps,
    hard: ["bc"],
    optimizer: "adam+lbfgs",
    lbfgsSteps: scaled(1000, steps, 2000),
    lbfgsPoints: 2048,
    precision: "float64",
    logEvery: 10000,
  },
});
const { axis, u, interior } = fdLshape(N);
const grid: EvalGrid = { axes: [axis, axis], values: { u }, mask: interior };
const pred = await predictGrid(result.net, result.params, grid, problem.fields);
const n = axis.length;
const uhat = new Float64Array(n * n);
for (let i = 0; i < n; i++)
  for (let j = 0; j < n; j++) {
    const k = i * n + j;
    if (!interior[k]) continue;
    uhat[k] =
      pred.values.w[k] + (plain ? 0 : enrichment(numbers, axis[i], axis[j]).H * pred.values.v[k]);
  }
console.log(`wall ${((Date.now() - t0) / 1000).toFixed(0)} s`);
console.log(`rel_l2 ${relativeL2({ u: uhat }, { u }, interior).toExponential(3)}`);
