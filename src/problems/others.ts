/**
 * The rest of the zoo: Allen-Cahn and KdV (spectral references), and the problems with exact
 * solutions used by the gradient-pathology and NTK papers: Helmholtz 2-D, the wave equation,
 * 1-D Poisson and Klein-Gordon.
 */
import { box, linspace, tensorGrid } from "../geometry/box.js";
import { dirichlet, initial, initialRate, periodic } from "../problem/conditions.js";
import { type EvalGrid, defineProblem } from "../problem/problem.js";
import { smooth } from "../problem/smooth.js";
import { allenCahnGrid } from "../reference/allenCahn.js";
import { kdvGrid } from "../reference/kdv.js";
import { cos, pow, sin } from "../problem/maths.js";
import type { BuiltinProblem } from "./registry.js";

const PI = Math.PI;

/** Exact values of f on the tensor grid of the given axes. */
function exactGrid(axes: Float64Array[], f: (...p: number[]) => number): EvalGrid {
  const X = tensorGrid(axes);
  const d = axes.length;
  const u = new Float64Array(X.length / d);
  for (let i = 0; i < u.length; i++) u[i] = f(...Array.from(X.subarray(i * d, (i + 1) * d)));
  return { axes, values: { u } };
}

/** Every face of every non-time input. */
const allFaces = (inputs: string[]) =>
  inputs.flatMap((input) => [
    { input, side: "min" as const },
    { input, side: "max" as const },
  ]);

export const allenCahn: BuiltinProblem = {
  name: "allen-cahn",
  description: "Allen-Cahn u_t = 1e-4 u_xx - 5 u^3 + 5 u, periodic (Wang, Sankaran & Perdikaris)",
  params: {
    eps: { default: 1e-4, positive: true, doc: "diffusion coefficient" },
    gamma: { default: 5, positive: true, doc: "reaction coefficient" },
    T: {
      default: 1,
      positive: true,
      doc: "final time (shorter: the first time-marching windows alone, for quick experiments)",
    },
  },
  defaults: { width: 64, depth: 4, steps: 4000, points: 2048, bcPoints: 256 },
  weights: { ic: 100 },
  build: ({ eps, gamma, T }) =>
    defineProblem({
      name: "allen-cahn",
      domain: box({ t: [0, T], x: [-1, 1] }, { time: "t" }),
      fields: ["u"],
      residuals: {
        res: ({ d }) =>
          d("u", "t")
            .sub(d("u", "xx").mul(eps))
            .add(d("u").mul(d("u")).mul(d("u")).mul(gamma))
            .sub(d("u").mul(gamma)),
      },
      conditions: {
        ic: initial(
          "u",
          smooth((o) => o.mul(o.mul(o.in("x"), o.in("x")), o.cos(o.mul(o.in("x"), PI)))),
        ),
        bc: periodic("u", "x", 1),
      },
      reference: () => {
        // the reference's 101 times on [0, 1], spacing 0.01, on [0, T] alike
        const t = Array.from(linspace(0, T, Math.max(2, Math.round(100 * T) + 1)));
        const g = allenCahnGrid({ t, gamma1: eps, gamma2: gamma });
        return { axes: [g.t, g.x], values: { u: g.u } };
      },
    }),
};

export const kdv: BuiltinProblem = {
  name: "kdv",
  description: "Korteweg-de Vries u_t + u u_x + 0.0025 u_xxx = 0, periodic (Raissi et al. 2019)",
  params: {
    lambda1: { default: 1, doc: "coefficient of u u_x" },
    lambda2: { default: 0.0025, doc: "coefficient of u_xxx" },
  },
  defaults: { width: 64, depth: 4, steps: 4000, points: 2048, bcPoints: 256 },
  weights: { ic: 10 },
  build: ({ lambda1, lambda2 }) =>
    defineProblem({
      name: "kdv",
      domain: box({ t: [0, 1], x: [-1, 1] }, { time: "t" }),
      fields: ["u"],
      residuals: {
        res: ({ d }) =>
          d("u", "t")
            .add(d("u").mul(d("u", "x")).mul(lambda1))
            .add(d("u", "xxx").mul(lambda2)),
      },
      conditions: {
        ic: initial(
          "u",
          smooth((o) => o.cos(o.mul(o.in("x"), PI))),
        ),
        bc: periodic("u", "x", 2),
      },
      reference: () => {
        const t = Array.from(linspace(0, 1, 101));
        const g = kdvGrid({ t, lambda1, lambda2 });
        return { axes: [g.t, g.x], values: { u: g.u } };
      },
    }),
};

export const helmholtz2d: BuiltinProblem = {
  name: "helmholtz2d",
  description:
    "Helmholtz u_xx + u_yy + k^2 u = q, u = sin(a1 pi x) sin(a2 pi y) (Wang, Teng & Perdikaris 2021)",
  params: {
    a1: { default: 1, doc: "x frequency" },
    a2: { default: 4, doc: "y frequency" },
    k: { default: 1, doc: "wave number" },
  },
  // width 48, not the paper's 50: widths that are not multiples of 4 run ~5x slower in jax-js
  defaults: { width: 48, depth: 3, steps: 10000, points: 128, bcPoints: 128 },
  weights: {},
  build: ({ a1, a2, k }) => {
    const exact = (x: number, y: number) => Math.sin(a1 * PI * x) * Math.sin(a2 * PI * y);
    const qCoef = -((a1 * PI) ** 2) - (a2 * PI) ** 2 + k * k;
    return defineProblem({
      name: "helmholtz2d",
      domain: box({ x: [-1, 1], y: [-1, 1] }),
      fields: ["u"],
      residuals: {
        res: ({ d, x }) => {
          const q = sin(x("x").mul(a1 * PI))
            .mul(sin(x("y").mul(a2 * PI)))
            .mul(qCoef);
          return d("u", "xx")
            .add(d("u", "yy"))
            .add(d("u").mul(k * k))
            .sub(q);
        },
      },
      conditions: {
        bc: dirichlet(
          "u",
          allFaces(["x", "y"]),
          smooth((o) => o.mul(o.sin(o.mul(o.in("x"), a1 * PI)), o.sin(o.mul(o.in("y"), a2 * PI)))),
        ),
      },
      reference: () => exactGrid([linspace(-1, 1, 101), linspace(-1, 1, 101)], exact),
    });
  },
};

export const wave1d: BuiltinProblem = {
  name: "wave1d",
  description:
    "wave u_tt = c^2 u_xx, u0 = sin(pi x) + 0.5 sin(4 pi x) (Wang, Yu & Perdikaris 2022)",
  params: { c: { default: 2, positive: true, doc: "wave speed" } },
  defaults: { width: 100, depth: 3, steps: 10000, points: 300, bcPoints: 300 },
  weights: {},
  build: ({ c }) => {
    const exact = (t: number, x: number) =>
      Math.sin(PI * x) * Math.cos(c * PI * t) +
      0.5 * Math.sin(4 * PI * x) * Math.cos(4 * c * PI * t);
    return defineProblem({
      name: "wave1d",
      domain: box({ t: [0, 1], x: [0, 1] }, { time: "t" }),
      fields: ["u"],
      residuals: { res: ({ d }) => d("u", "tt").sub(d("u", "xx").mul(c * c)) },
      conditions: {
        ic: initial(
          "u",
          smooth((o) =>
            o.add(o.sin(o.mul(o.in("x"), PI)), o.mul(o.sin(o.mul(o.in("x"), 4 * PI)), 0.5)),
          ),
        ),
        ic_t: initialRate("u", 0),
        bc: dirichlet("u", allFaces(["x"]), 0),
      },
      reference: () => exactGrid([linspace(0, 1, 101), linspace(0, 1, 101)], exact),
    });
  },
};

export const poisson1d: BuiltinProblem = {
  name: "poisson1d",
  description: "1-D Poisson u_xx = f on [0, 1], u = sin(k pi x) (Wang, Yu & Perdikaris 2022)",
  params: { k: { default: 4, positive: true, doc: "frequency of the exact solution" } },
  defaults: { width: 100, depth: 1, steps: 10000, points: 128, bcPoints: 2 },
  weights: {},
  build: ({ k }) =>
    defineProblem({
      name: "poisson1d",
      domain: box({ x: [0, 1] }),
      fields: ["u"],
      residuals: {
        res: ({ d, x }) => d("u", "xx").add(sin(x("x").mul(k * PI)).mul((k * PI) ** 2)),
      },
      conditions: {
        bc: dirichlet(
          "u",
          allFaces(["x"]),
          smooth((o) => o.sin(o.mul(o.in("x"), k * PI))),
        ),
      },
      reference: () => exactGrid([linspace(0, 1, 1001)], (x) => Math.sin(k * PI * x)),
    }),
};

export const kleinGordon: BuiltinProblem = {
  name: "klein-gordon",
  description:
    "Klein-Gordon u_tt - u_xx + u^3 = f, u = x cos(5 pi t) + (x t)^3 (Wang, Teng & Perdikaris 2021)",
  params: {},
  defaults: { width: 48, depth: 5, steps: 10000, points: 128, bcPoints: 128 },
  weights: {},
  build: () => {
    const exact = (t: number, x: number) => x * Math.cos(5 * PI * t) + (x * t) ** 3;
    return defineProblem({
      name: "klein-gordon",
      domain: box({ t: [0, 1], x: [0, 1] }, { time: "t" }),
      fields: ["u"],
      residuals: {
        res: ({ d, x }) => {
          // f = u_tt - u_xx + u^3 of the exact solution, built from the coordinates
          const t = x("t");
          const xx = x("x");
          const ue = xx.mul(cos(t.mul(5 * PI))).add(pow(xx.mul(t), 3));
          const utt = xx
            .mul(cos(t.mul(5 * PI)))
            .mul(-25 * PI * PI)
            .add(pow(xx, 3).mul(t).mul(6));
          const uxx = xx.mul(pow(t, 3)).mul(6);
          const f = utt.sub(uxx).add(pow(ue, 3));
          return d("u", "tt")
            .sub(d("u", "xx"))
            .add(pow(d("u"), 3))
            .sub(f);
        },
      },
      conditions: {
        ic: initial(
          "u",
          smooth((o) => o.in("x")),
        ),
        ic_t: initialRate("u", 0),
        bc: dirichlet(
          "u",
          allFaces(["x"]),
          smooth((o) => {
            const xt = o.mul(o.in("x"), o.in("t"));
            return o.add(
              o.mul(o.in("x"), o.cos(o.mul(o.in("t"), 5 * PI))),
              o.mul(o.mul(xt, xt), xt),
            );
          }),
        ),
      },
      reference: () => exactGrid([linspace(0, 1, 101), linspace(0, 1, 101)], exact),
    });
  },
};
