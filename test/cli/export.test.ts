// `pinnlab export`: a short real run exported as JSON and ONNX; the JSON model (loadModelFile)
// agrees with the run's network rebuilt from its checkpoint, and with onnxruntime-node on the
// ONNX file; usage errors are one line, exit 2, nothing written.
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { after, before, test } from "node:test";
import { loadModelFile } from "../../src/node.js";
import { networkFromRun } from "../../src/cli/runNetwork.js";
import { tree } from "../../src/engine/index.js";
import { predict } from "../../src/train/evaluate.js";
import { Rng } from "../../src/util/rng.js";
import { kernelPredict } from "../export/helpers.js";
import { asRecord, readJson, removeTempDirs, runCli, show, tempDir } from "./helpers.js";

after(removeTempDirs);

let store = "";
let runDir = "";

before(() => {
  store = tempDir("pinnlab-export-");
  runDir = path.join(store, "run-kg");
  const r = runCli([
    "train",
    "klein-gordon",
    "--preset",
    "plain",
    "--steps",
    "15",
    "--set",
    "width=8",
    "--set",
    "depth=2",
    "--set",
    "precision=float64",
    "--set",
    "hard=ic,bc",
    "--set",
    "arch=modified-mlp",
    "--set",
    "rwf=true",
    "--out",
    runDir,
  ]);
  assert.equal(r.status, 0, show(r));
});

function points(n: number): Float64Array {
  const rng = new Rng(4);
  const X = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    X[2 * i] = rng.uniform(); // t in [0, 1]
    X[2 * i + 1] = rng.uniform(); // x in [0, 1]
  }
  return X;
}

function maxRel(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++)
    m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return m;
}

test("export --format json: loadModelFile agrees with the run's network at its checkpoint", async () => {
  const out = path.join(store, "model.json");
  const r = runCli(["export", runDir, "--format", "json", "--out", out]);
  assert.equal(r.status, 0, show(r));
  assert.equal(r.stdout.trim(), out);
  const json = asRecord(readJson(out), "model.json");
  assert.equal(json.format, "pinnlab-model");
  const source = asRecord(json.source, "source");
  assert.equal(source.problem, "klein-gordon");
  assert.ok(typeof source.step === "number");
  assert.ok(json.transform !== null, "hard constraints exported as a transform");
  const model = loadModelFile(out);
  assert.deepEqual(model.inputs, ["t", "x"]);
  const X = points(200);
  const saved = await networkFromRun(runDir, "test");
  const want = await kernelPredict(saved.net, saved.params, X);
  // jax-js's float64 transcendentals are float32-accurate (~1e-7, amplified by the layers)
  const jax = await predict(saved.net, saved.params, X);
  tree.dispose(saved.params);
  const got = model.predict(X);
  const err = maxRel(got, want);
  assert.ok(err <= 1e-12, `max relative difference ${err} (float64 kernels)`);
  const errJax = maxRel(got, jax);
  assert.ok(errJax <= 1e-5, `max relative difference ${errJax} (jax-js)`);
});

test("export --format onnx (default path RUN/model.onnx): onnxruntime-node agrees with the JSON model", async (t) => {
  const r = runCli(["export", "run-kg", "--store", store, "--format", "onnx"]);
  assert.equal(r.status, 0, show(r));
  const file = path.join(runDir, "model.onnx");
  assert.equal(path.resolve(r.stdout.trim()), path.resolve(file));
  assert.ok(existsSync(file));
  let ort: typeof import("onnxruntime-node");
  try {
    ort = createRequire(import.meta.url)("onnxruntime-node") as typeof import("onnxruntime-node");
  } catch (e) {
    const why = `onnxruntime-node cannot be loaded here: ${(e as Error).message.split("\n")[0]}`;
    console.log(`SKIPPED: ${why}`);
    t.skip(why);
    return;
  }
  const jsonOut = path.join(store, "model2.json");
  assert.equal(runCli(["export", runDir, "--format", "json", "--out", jsonOut]).status, 0);
  const X = points(100);
  const session = await ort.InferenceSession.create(file);
  const y = (await session.run({ x: new ort.Tensor("float64", X, [100, 2]) })).y;
  await session.release();
  const err = maxRel(y.data as Float64Array, loadModelFile(jsonOut).predict(X));
  assert.ok(err <= 1e-12, `max relative difference ${err}`);
});

test("export usage errors: one line, exit 2, nothing written", () => {
  const before = readdirSync(store).sort();
  const runBefore = readdirSync(runDir).sort();
  const bad: [string[], RegExp][] = [
    [["export", "no-such-run", "--store", store, "--format", "json"], /no such run/],
    [["export", runDir, "--format", "pt"], /--format pt: expected one of onnx, json/],
    [["export", runDir], /--format onnx\|json is required/],
    [
      ["export", runDir, "--format", "json", "--out", path.join(store, "nodir", "m.json")],
      /no directory/,
    ],
    [["export", "--format", "json"], /expected exactly one RUN/],
  ];
  for (const [args, re] of bad) {
    const r = runCli(args);
    assert.equal(r.status, 2, show(r));
    assert.equal(r.stdout, "");
    const lines = r.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, show(r));
    assert.match(lines[0], /^pinnlab: error: /);
    assert.match(lines[0], re);
  }
  assert.deepEqual(readdirSync(store).sort(), before);
  assert.deepEqual(readdirSync(runDir).sort(), runBefore);
});
