/**
 * Example: DeepXDE's Poisson_Lshape: -u_xx - u_yy = 1 on the L-shape [-1, 1]^2 minus (0, 1]^2,
 * u = 0 on its boundary (imposed exactly through the approximate distance function of the
 * polygon's edges). There is no closed form (the re-entrant corner makes u ~ r^(2/3)), so the
 * reference is pinnlab's own: the 5-point finite-difference Laplacian on a uniform grid of
 * spacing h = 1/N over the L, solved by conjugate gradients to a relative residual of 1e-12. The
 * error is measured on the grid's interior nodes. With `PINNLAB_FD_CHECK=1` the script also prints
 * the FD solution's own error estimate, the difference between h = 1/N and h = 1/(2N).
 *
 * Run: npx tsx examples/poisson-lshape.ts   (PINNLAB_EXAMPLE_STEPS shortens it; CI uses that)
 */
import {
  type EvalGrid,
  defaultTrainConfig,
  defineProblem,
  dirichlet,
  polygon,
  startEngine,
  train,
} from "../src/index.js";
import { budget, errors, scaled } from "./common.js";

/** Is the node (x, y) strictly inside the L? */
const inside = (x: number, y: number) => x > -1 && x < 1 && y > -1 && y < 1 && !(x >= 0 && y >= 0);

/**
 * -Laplace u = 1 on the L, u = 0 on its boundary: nodes x_i = -1 + i h, i = 0..2N, solved by CG
 * on the (symmetric positive definite) 5-point matrix over the interior nodes. Row-major in
 * (x, y): u[i * (2N + 1) + j] = u(x_i, y_j); boundary and exterior nodes hold 0.
 */
export function fdLshape(N: number): { axis: Float64Array; u: Float64Array; interior: Uint8Array } {
  const n = 2 * N + 1;
  const h = 1 / N;
  const axis = Float64Array.from({ length: n }, (_, i) => -1 + i * h);
  const interior = new Uint8Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) interior[i * n + j] = inside(axis[i], axis[j]) ? 1 : 0;
  // A u = b with A = (4 u_ij - neighbours) / h^2 restricted to the interior, b = 1
  const apply = (v: Float64Array, out: Float64Array) => {
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const k = i * n + j;
        if (!interior[k]) {
          out[k] = 0;
          continue;
        }
        out[k] = (4 * v[k] - v[k - n] - v[k + n] - v[k - 1] - v[k + 1]) / (h * h);
      }
  };
  const u = new Float64Array(n * n);
  const r = Float64Array.from(interior);
  const p = r.slice();
  const Ap = new Float64Array(n * n);
  const dot = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let k = 0; k < a.length; k++) s += a[k] * b[k];
    return s;
  };
  let rr = dot(r, r);
  const stop = 1e-24 * rr;
  for (let it = 0; it < 20 * n * n && rr > stop; it++) {
    apply(p, Ap);
    const alpha = rr / dot(p, Ap);
    for (let k = 0; k < u.length; k++) {
      u[k] += alpha * p[k];
      r[k] -= alpha * Ap[k];
    }
    const next = dot(r, r);
    const beta = next / rr;
    rr = next;
    for (let k = 0; k < p.length; k++) p[k] = r[k] + beta * p[k];
  }
  return { axis, u, interior };
}

const N = 100;
const vertices = [
  [-1, -1],
  [1, -1],
  [1, 0],
  [0, 0],
  [0, 1],
  [-1, 1],
];

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
  fields: ["u"],
  residuals: { res: ({ d }) => d("u", "xx").add(d("u", "yy")).add(1) },
  conditions: { bc: dirichlet("u", "boundary", 0) },
  reference: (): EvalGrid => {
    const { axis, u, interior } = fdLshape(N);
    return { axes: [axis, axis], values: { u }, mask: interior };
  },
});

const steps = budget(2000);
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
console.log(`rel_l2 ${(await errors(problem, result)).all.toExponential(3)}`);
