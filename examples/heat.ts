/**
 * Example: declare your own problem (the heat equation u_t = k u_xx on [0, 1] with u = 0 at both
 * ends and u0 = sin(pi x)), train it, and compare with the exact solution
 * u = exp(-k pi^2 t) sin(pi x).
 *
 * Run: npx tsx examples/heat.ts        (PINNLAB_EXAMPLE_STEPS shortens it; CI uses that)
 */
import {
  defaultTrainConfig,
  defineProblem,
  dirichlet,
  initial,
  interval,
  linspace,
  predictGrid,
  relativeL2,
  startEngine,
  tensorGrid,
  timeSpace,
  train,
} from "../src/index.js";

const k = 0.1;
const exact = (t: number, x: number) => Math.exp(-k * Math.PI ** 2 * t) * Math.sin(Math.PI * x);

await startEngine();
const heat = defineProblem({
  name: "heat",
  domain: timeSpace([0, 1], interval(0, 1)),
  fields: ["u"],
  residuals: { res: ({ d }) => d("u", "t").sub(d("u", "xx").mul(k)) },
  conditions: {
    ic: initial("u", (p) => Math.sin(Math.PI * p.x)),
    bc: dirichlet(
      "u",
      [
        { input: "x", side: "min" },
        { input: "x", side: "max" },
      ],
      0,
    ),
  },
  reference: () => {
    const axes = [linspace(0, 1, 51), linspace(0, 1, 51)];
    const X = tensorGrid(axes);
    const u = new Float64Array(X.length / 2).map((_, i) => exact(X[2 * i], X[2 * i + 1]));
    return { axes, values: { u } };
  },
});

const steps = Number(process.env.PINNLAB_EXAMPLE_STEPS ?? 2000);
const config = { ...defaultTrainConfig(), width: 32, depth: 3, points: 512, steps, logEvery: 500 };
const result = await train({
  problem: heat,
  config,
  onRecord: (r) => console.log(`step ${r.step}: loss ${r.loss.toExponential(3)}`),
});
const ref = heat.reference!();
const pred = await predictGrid(result.net, result.params, ref, heat.fields);
console.log(`rel_l2 ${relativeL2(pred.values, ref.values).toExponential(3)}`);
