// Model export (src/export/): a network exported to JSON and evaluated by loadModel in plain
// float64 JavaScript agrees with pinnlab's own prediction to 1e-12 for every architecture,
// embedding and hard-constraint transform; the ONNX file agrees when onnxruntime-node evaluates it.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { before, test } from "node:test";
import { startEngine, tree } from "../../src/engine/index.js";
import { ExportError, exportModel } from "../../src/export/build.js";
import { type ModelJson, loadModel } from "../../src/export/model.js";
import { modelToOnnx } from "../../src/export/onnx.js";
import { withCoefficients } from "../../src/nets/coefficients.js";
import type { NetParams, Network } from "../../src/nets/network.js";
import { defineProblem, dirichlet, param, polygon, smooth } from "../../src/index.js";
import type { Problem } from "../../src/problem/problem.js";
import { predict } from "../../src/train/evaluate.js";
import { type Override, resolveRun } from "../../src/train/resolve.js";
import { defaultTrainConfig } from "../../src/train/config.js";
import { networkFor } from "../../src/train/trainer.js";
import { Rng } from "../../src/util/rng.js";
import { kernelPredict } from "./helpers.js";

before(async () => {
  await startEngine();
});

/** Random points in the problem's bounding box [n, dims]. */
function points(problem: Problem, n: number, seed: number): Float64Array {
  const d = problem.domain;
  const rng = new Rng(seed);
  const X = new Float64Array(n * d.inputs.length);
  for (let r = 0; r < n; r++)
    for (let i = 0; i < d.inputs.length; i++)
      X[r * d.inputs.length + i] = d.lo[i] + (d.hi[i] - d.lo[i]) * rng.uniform();
  return X;
}

/** max |a - b| / max(1, |b|). */
function maxRel(a: Float64Array, b: Float64Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++)
    m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return m;
}

interface Case {
  label: string;
  problem: Problem;
  net: Network;
  params: NetParams;
}

/** A built-in problem's network with the given keys (float64, ntk init: nonzero biases). */
function builtin(label: string, name: string, set: Override[]): Case {
  const run = resolveRun(name, [
    ["precision", "float64"],
    ["init", "ntk"],
    ["width", 12],
    ["depth", 3],
    ...set,
  ]);
  const net = networkFor(run.problem, run.config);
  return { label, problem: run.problem, net, params: net.init(11) };
}

const lshape = defineProblem({
  name: "lshape",
  domain: polygon([
    [-1, -1],
    [1, -1],
    [1, 0],
    [0, 0],
    [0, 1],
    [-1, 1],
  ]),
  fields: ["u"],
  residuals: { res: ({ d }) => d("u", "xx").add(d("u", "yy")) },
  conditions: {
    bc: dirichlet(
      "u",
      "boundary",
      smooth((o) => o.mul(o.sin(o.in("x")), o.exp(o.in("y")))),
    ),
  },
});

function cases(): Case[] {
  const lcfg = {
    ...defaultTrainConfig(),
    precision: "float64" as const,
    init: "ntk" as const,
    width: 10,
    depth: 2,
    hard: ["bc"],
  };
  const lnet = networkFor(lshape, lcfg);
  return [
    builtin("plain MLP", "burgers", []),
    builtin("modified MLP + rwf", "burgers", [
      ["arch", "modified-mlp"],
      ["rwf", true],
    ]),
    builtin("Fourier features", "helmholtz2d", [
      ["fourier", 8],
      ["fourierScale", 2],
    ]),
    builtin("periodic embedding", "convection", [["periodicEmbedding", true]]),
    builtin("periodic embedding with the seam feature", "allen-cahn", [
      ["periodicEmbedding", true],
      ["periodicSeam", true],
    ]),
    builtin("hard ic+bc (burgers)", "burgers", [["hard", "ic,bc"]]),
    builtin("hard ic + periodic, modified MLP", "convection", [
      ["hard", "ic"],
      ["periodicEmbedding", true],
      ["arch", "modified-mlp"],
    ]),
    builtin("gelu, Fourier, rwf", "burgers", [
      ["activation", "gelu"],
      ["fourier", 6],
      ["rwf", true],
    ]),
    builtin("sin activation", "poisson1d", [["activation", "sin"]]),
    { label: "hard bc on a polygon (ADF)", problem: lshape, net: lnet, params: lnet.init(5) },
  ];
}

async function exported(c: Case): Promise<ModelJson> {
  const p = c.problem;
  const m = await exportModel(c.net, c.params, {
    inputs: p.domain.inputs,
    outputs: p.fields,
    problem: p.name,
  });
  // through its text, as a file would carry it
  return JSON.parse(JSON.stringify(m)) as ModelJson;
}

test("JSON round trip: loadModel(export).predict equals pinnlab's predict to 1e-12 (float64)", async () => {
  for (const c of cases()) {
    const X = points(c.problem, 300, 7);
    const want = await kernelPredict(c.net, c.params, X);
    const model = loadModel(await exported(c));
    const got = model.predict(X);
    const err = maxRel(got, want);
    assert.ok(err <= 1e-12, `${c.label}: max relative difference ${err} (kernels)`);
    const errJax = maxRel(got, await predict(c.net, c.params, X));
    assert.ok(errJax <= 1e-6, `${c.label}: max relative difference ${errJax} (jax-js)`);
    if (c.net.transform) assert.ok(JSON.stringify(await exported(c)).includes('"transform":{'));
    tree.dispose(c.params);
  }
});

test("float32 run: the model (float64 maths on float32 weights) agrees to float32 rounding", async () => {
  const run = resolveRun("burgers", [
    ["width", 16],
    ["depth", 2],
    ["hard", "ic,bc"],
    ["rwf", true],
  ]);
  assert.equal(run.config.precision, "float32");
  const net = networkFor(run.problem, run.config);
  const params = net.init(2);
  const X = points(run.problem, 200, 3);
  const want = await predict(net, params, X);
  const m = await exportModel(net, params, {
    inputs: run.problem.domain.inputs,
    outputs: run.problem.fields,
    problem: "burgers",
  });
  assert.equal(m.source.precision, "float32");
  const err = maxRel(loadModel(m).predict(X), want);
  assert.ok(err <= 1e-5, `max relative difference ${err}`);
  tree.dispose(params);
});

test("trained coefficients go into the JSON as metadata", async () => {
  const run = resolveRun("burgers", [
    ["precision", "float64"],
    ["width", 8],
    ["depth", 1],
  ]);
  const net = withCoefficients(
    networkFor(run.problem, run.config),
    [param("nu", { init: 0.25, positive: true })],
    1,
  );
  const params = net.init(1);
  const m = await exportModel(net, params, {
    inputs: ["t", "x"],
    outputs: ["u"],
    problem: "burgers",
  });
  assert.deepEqual(m.coefficients, { nu: 0.25 });
  assert.deepEqual(loadModel(m).coefficients, { nu: 0.25 });
  tree.dispose(params);
});

test("loadModel rejects foreign files and bad shapes with a message", () => {
  assert.throws(() => loadModel("{}"), /not a pinnlab-model file/);
  assert.throws(
    () => loadModel({ format: "pinnlab-model", version: 99 } as unknown as ModelJson),
    /version 99/,
  );
});

/** onnxruntime-node, or the reason it cannot be used here. */
function onnxRuntime(): { ort: typeof import("onnxruntime-node") } | { skip: string } {
  try {
    const require = createRequire(import.meta.url);
    return { ort: require("onnxruntime-node") as typeof import("onnxruntime-node") };
  } catch (e) {
    return {
      skip: `onnxruntime-node cannot be loaded here: ${(e as Error).message.split("\n")[0]}`,
    };
  }
}

test("ONNX: onnxruntime-node agrees with pinnlab within 1e-6 relative (float64)", async (t) => {
  const rt = onnxRuntime();
  if ("skip" in rt) {
    console.log(`SKIPPED: ${rt.skip}`);
    t.skip(rt.skip);
    return;
  }
  const { ort } = rt;
  for (const c of cases()) {
    const X = points(c.problem, 257, 9);
    const want = await kernelPredict(c.net, c.params, X);
    const model = await exported(c);
    const session = await ort.InferenceSession.create(modelToOnnx(model));
    const n = X.length / model.inputs.length;
    const res = await session.run({ x: new ort.Tensor("float64", X, [n, model.inputs.length]) });
    const y = res.y;
    assert.equal(y.type, "float64", `${c.label}: output dtype`);
    assert.deepEqual(y.dims, [n, model.outputs.length]);
    const err = maxRel(y.data as Float64Array, want);
    assert.ok(err <= 1e-6, `${c.label}: max relative difference ${err}`);
    await session.release();
    tree.dispose(c.params);
  }
});

test("ONNX of a float32 network agrees with pinnlab's float32 prediction to float32 rounding", async (t) => {
  const rt = onnxRuntime();
  if ("skip" in rt) {
    console.log(`SKIPPED: ${rt.skip}`);
    t.skip(rt.skip);
    return;
  }
  const { ort } = rt;
  const run = resolveRun("convection", [
    ["width", 16],
    ["depth", 2],
    ["hard", "ic"],
    ["periodicEmbedding", true],
    ["fourier", 4],
  ]);
  assert.equal(run.config.precision, "float32");
  const net = networkFor(run.problem, run.config);
  const params = net.init(8);
  const X = points(run.problem, 100, 5);
  const want = await predict(net, params, X);
  const m = await exportModel(net, params, {
    inputs: run.problem.domain.inputs,
    outputs: run.problem.fields,
    problem: run.problem.name,
  });
  tree.dispose(params);
  const session = await ort.InferenceSession.create(modelToOnnx(m));
  const y = (await session.run({ x: new ort.Tensor("float64", X, [100, 2]) })).y;
  await session.release();
  const err = maxRel(y.data as Float64Array, want);
  assert.ok(err <= 1e-5, `max relative difference ${err}`);
});

test("a transform without an expression form is refused with ExportError (the CLI's exit 2)", async () => {
  const run = resolveRun("poisson1d", [
    ["width", 4],
    ["depth", 1],
  ]);
  const base = networkFor(run.problem, run.config);
  const net: Network = {
    ...base,
    transform: { satisfies: ["bc"], apply: (_x, raw) => raw },
  };
  const params = net.init(0);
  await assert.rejects(
    exportModel(net, params, { inputs: ["x"], outputs: ["u"], problem: "poisson1d" }),
    (e: unknown) => e instanceof ExportError && /no expression form/.test((e as Error).message),
  );
  tree.dispose(params);
});
