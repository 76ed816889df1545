/**
 * The zoo's Allen-Cahn problem on t in [0, T] only (T from the environment variable AC_T, default
 * 0.2): its first time-marching windows, where the initial state's kink at x = +-1 matters, for
 * quick experiments (docs/BENCHMARKS.md, "Allen-Cahn's kinked initial state"). Train it with the
 * Allen-Cahn preset's keys and two windows, e.g.
 *   npx pinnlab train bench/allen_cahn_short.ts --preset plain --set periodicSeam=true ...
 */
import { box, defineProblem, initial, periodic, reference, smooth } from "pinnlab";

const T = Number(process.env.AC_T ?? 0.2);
const eps = 1e-4;
const gamma = 5;

export default defineProblem({
  name: "allen-cahn-short",
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
      smooth((o) => o.mul(o.mul(o.in("x"), o.in("x")), o.cos(o.mul(o.in("x"), Math.PI)))),
    ),
    bc: periodic("u", "x", 1),
  },
  reference: () => {
    const t = Array.from(reference.linspace(0, T, Math.round(T * 100) + 1));
    const g = reference.allenCahnGrid({ t, gamma1: eps, gamma2: gamma });
    return { axes: [g.t, g.x], values: { u: g.u } };
  },
});
