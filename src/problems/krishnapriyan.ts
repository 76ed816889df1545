/**
 * The 1-D failure modes of Krishnapriyan et al. (NeurIPS 2021), all on x in [0, 2 pi) periodic,
 * t in [0, 1]: convection u_t + beta u_x = 0 (u0 = sin x, exact sin(x - beta t)); reaction
 * u_t = rho u (1 - u) (exact logistic solution); reaction-diffusion u_t = nu u_xx + rho u (1 - u)
 * (Strang-split spectral reference). Evaluation grid: 100 t x 256 x, 2 pi excluded.
 */
import { box, linspace, tensorGrid } from "../geometry/box.js";
import { initial, periodic } from "../problem/conditions.js";
import { smooth } from "../problem/smooth.js";
import { type EvalGrid, defineProblem } from "../problem/problem.js";
import { reactionDiffusionGrid, reactionExact } from "../reference/reactionDiffusion.js";
import type { BuiltinProblem } from "./registry.js";

const TWO_PI = 2 * Math.PI;
/** u0 = exp(-(x - pi)^2 / (2 (pi/4)^2)), the reaction problems' initial state (= reactionInitial). */
const gaussian = smooth((o) => {
  const z = o.mul(o.sub(o.in("x"), Math.PI), 4 / Math.PI);
  return o.exp(o.mul(o.mul(z, z), -0.5));
});
const domain = () => box({ t: [0, 1], x: [0, TWO_PI] }, { time: "t" });
const axes = () => [linspace(0, 1, 100), linspace(0, TWO_PI, 256, false)];

function gridOf(f: (t: number, x: number) => number): EvalGrid {
  const a = axes();
  const X = tensorGrid(a);
  const u = new Float64Array(X.length / 2);
  for (let i = 0; i < u.length; i++) u[i] = f(X[2 * i], X[2 * i + 1]);
  return { axes: a, values: { u } };
}

// 48 rather than the paper's 50: jax-js's wasm matmul is ~5x slower when the width is not a
// multiple of 4 (docs/BENCHMARKS.md)
const shared = {
  width: 48,
  depth: 4,
  steps: 3000,
  lr: 1e-3,
  optimizer: "adam+lbfgs",
  lbfgsSteps: 1000,
  lbfgsPoints: 2048,
  points: 1024,
  bcPoints: 128,
} as const;

export const convection: BuiltinProblem = {
  name: "convection",
  description: "1-D convection u_t + beta u_x = 0, periodic (Krishnapriyan et al. 2021)",
  params: { beta: { default: 1, min: 0, doc: "convection speed" } },
  defaults: shared,
  weights: {},
  build: ({ beta }) =>
    defineProblem({
      name: "convection",
      domain: domain(),
      fields: ["u"],
      residuals: { res: ({ d }) => d("u", "t").add(d("u", "x").mul(beta)) },
      conditions: {
        ic: initial(
          "u",
          smooth((o) => o.sin(o.in("x"))),
        ),
        bc: periodic("u", "x", 0),
      },
      reference: () => gridOf((t, x) => Math.sin(x - beta * t)),
    }),
};

export const reaction: BuiltinProblem = {
  name: "reaction",
  description: "1-D reaction u_t = rho u (1 - u), periodic (Krishnapriyan et al. 2021)",
  params: { rho: { default: 5, min: 0, doc: "reaction rate" } },
  defaults: shared,
  weights: {},
  build: ({ rho }) =>
    defineProblem({
      name: "reaction",
      domain: domain(),
      fields: ["u"],
      residuals: {
        res: ({ d }) => d("u", "t").sub(d("u").mul(d("u").neg().add(1)).mul(rho)),
      },
      conditions: { ic: initial("u", gaussian), bc: periodic("u", "x", 0) },
      reference: () => gridOf((t, x) => reactionExact(t, x, rho)),
    }),
};

export const reactionDiffusion: BuiltinProblem = {
  name: "reaction-diffusion",
  description: "1-D reaction-diffusion u_t = nu u_xx + rho u (1 - u) (Krishnapriyan et al. 2021)",
  params: {
    nu: { default: 3, min: 0, doc: "diffusion coefficient" },
    rho: { default: 5, min: 0, doc: "reaction rate" },
  },
  defaults: shared,
  weights: {},
  build: ({ nu, rho }) =>
    defineProblem({
      name: "reaction-diffusion",
      domain: domain(),
      fields: ["u"],
      residuals: {
        res: ({ d }) =>
          d("u", "t")
            .sub(d("u", "xx").mul(nu))
            .sub(d("u").mul(d("u").neg().add(1)).mul(rho)),
      },
      conditions: { ic: initial("u", gaussian), bc: periodic("u", "x", 1) },
      reference: () => {
        const a = axes();
        return { axes: a, values: { u: reactionDiffusionGrid({ nu, rho, t: a[0], x: a[1] }).u } };
      },
    }),
};
