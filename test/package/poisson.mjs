import {
  startEngine,
  np,
  defineProblem,
  interval,
  dirichlet,
  train,
  defaultTrainConfig,
  predictGrid,
  relativeL2,
  linspace,
} from "pinnlab";

await startEngine();
const exact = (x) => Math.sin(Math.PI * x);
const poisson = defineProblem({
  name: "poisson",
  domain: interval(0, 1),
  fields: ["u"],
  // u'' = -pi^2 sin(pi x)  ->  residual u'' + pi^2 sin(pi x)
  residuals: { res: ({ d, x }) => d("u", "xx").add(np.sin(x("x").mul(Math.PI)).mul(Math.PI ** 2)) },
  conditions: {
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
    const x = linspace(0, 1, 101);
    return { axes: [x], values: { u: x.map(exact) } };
  },
});
const steps = Number(process.argv[2] ?? 1000);
const config = {
  ...defaultTrainConfig(),
  width: 16,
  depth: 2,
  points: 64,
  bcPoints: 2,
  steps,
  lr: 0.01,
  optimizer: "adam",
  logEvery: 100,
};
const r = await train({ problem: poisson, config });
const ref = poisson.reference();
const pred = await predictGrid(r.net, r.params, ref, poisson.fields);
console.log(
  JSON.stringify({
    status: r.status,
    backend: r.backend,
    steps: r.steps,
    rel_l2: relativeL2(pred.values, ref.values),
  }),
);
