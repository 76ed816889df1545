/**
 * Example: Poisson's equation on the L-shape (DeepXDE's Poisson_Lshape geometry), with the
 * Dirichlet data imposed exactly through the approximate distance function of the polygon's
 * edges (Sukumar & Srivastava 2022). Manufactured solution u = sin(pi x / 2) (1 + y^2 / 4), so
 * -(u_xx + u_yy) = f is known in closed form and the error is exact; the evaluation grid is masked
 * to the L.
 *
 * Run: npx tsx examples/lshape.ts        (PINNLAB_EXAMPLE_STEPS shortens it; CI uses that)
 */
import {
  defaultTrainConfig,
  defineProblem,
  dirichlet,
  polygon,
  predictGrid,
  relativeL2,
  sin,
  smooth,
  startEngine,
  train,
} from "../src/index.js";

const k = Math.PI / 2;
const exact = (x: number, y: number) => Math.sin(k * x) * (1 + (y * y) / 4);

await startEngine();
const lshape = defineProblem({
  name: "poisson-lshape",
  domain: polygon([
    [-1, -1],
    [1, -1],
    [1, 0],
    [0, 0],
    [0, 1],
    [-1, 1],
  ]),
  fields: ["u"],
  residuals: {
    // u_xx + u_yy = -k^2 sin(k x)(1 + y^2 / 4) + sin(k x) / 2
    res: ({ d, x }) => {
      const s = sin(x("x").mul(k));
      const y = x("y");
      const f = s
        .mul(y.mul(y).mul(0.25).add(1))
        .mul(-k * k)
        .add(s.mul(0.5));
      return d("u", "xx").add(d("u", "yy")).sub(f);
    },
  },
  conditions: {
    bc: dirichlet(
      "u",
      "boundary",
      smooth((o) =>
        o.mul(o.sin(o.mul(o.in("x"), k)), o.add(o.mul(o.mul(o.in("y"), o.in("y")), 0.25), 1)),
      ),
    ),
  },
  exact: (p) => exact(p.x, p.y),
});

const steps = Number(process.env.PINNLAB_EXAMPLE_STEPS ?? 3000);
const config = {
  ...defaultTrainConfig(),
  width: 32,
  depth: 3,
  points: 512,
  steps,
  hard: ["bc"],
  logEvery: 500,
};
const result = await train({
  problem: lshape,
  config,
  onRecord: (r) => console.log(`step ${r.step}: loss ${r.loss.toExponential(3)}`),
});
const ref = lshape.reference!();
const pred = await predictGrid(result.net, result.params, ref, lshape.fields);
console.log(`rel_l2 ${relativeL2(pred.values, ref.values, ref.mask).toExponential(3)}`);
