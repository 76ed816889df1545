// Library-level tests of the training loop: determinism, flat memory, divergence and L-BFGS.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { fromData, startEngine, tree } from "../../src/engine/index.js";
import type { NetParams } from "../../src/nets/network.js";
import { adamInit } from "../../src/optim/adam.js";
import { weightedLoss } from "../../src/loss/loss.js";
import { type Override, type ResolvedRun, resolveRun } from "../../src/train/resolve.js";
import { makeAdamStep, uploadBatches, weightArrays } from "../../src/train/backend.js";
import type { TrainConfig } from "../../src/train/config.js";
import type { Problem } from "../../src/problem/problem.js";
import { type TrainResult, networkFor, sampleBatches, train } from "../../src/train/trainer.js";
import { Rng } from "../../src/util/rng.js";

/** Sample and upload a batch for every term. */
function sampleAll(problem: Problem, c: TrainConfig, rng: Rng, n: number) {
  return uploadBatches(problem, sampleBatches(problem, c, rng, n), c);
}

// A probe of jax-js's WebAssembly linear memory. Its allocator bumps a pointer and grows the
// memory to exactly the pages it needs, reusing freed blocks of the same size class, so the
// memory's size is the high-water mark of live buffers: a leak shows up as steady growth, to the
// page (64 KiB). jax-js makes its memory (empty) when it is imported, before this module's body
// runs, so instead of the constructor we wrap `grow`, which every allocation past the end calls;
// no array exists yet, so the first allocation reveals the memory. (No DOM lib, hence the
// structural types.)
interface WasmMemoryLike {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
const memoryProto = (
  globalThis as unknown as { WebAssembly: { Memory: { prototype: WasmMemoryLike } } }
).WebAssembly.Memory.prototype;
const memories = new Set<WasmMemoryLike>();
const originalGrow = memoryProto.grow;
memoryProto.grow = function (this: WasmMemoryLike, pages: number): number {
  memories.add(this);
  return originalGrow.call(this, pages);
};

/** Bytes of WebAssembly linear memory reserved by every memory that has grown. */
function wasmBytes(): number {
  let s = 0;
  for (const m of memories) s += m.buffer.byteLength;
  return s;
}

const MB = 1024 * 1024;
const WASM_PAGE = 65536;

// A full garbage collection on demand, so JS garbage (which V8 collects lazily, tens of MB at a
// time) does not pass for a leak in the heap and RSS readings.
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

before(async () => {
  await startEngine();
});

/** A small, fast convection run: 2 hidden layers of 16, 128 residual points, Adam only. */
function smallRun(extra: readonly Override[] = []): ResolvedRun {
  return resolveRun("convection", [
    ["width", 16],
    ["depth", 2],
    ["points", 128],
    ["bcPoints", 32],
    ["optimizer", "adam"],
    ["lbfgsPoints", 256],
    ["logEvery", 1],
    ...extra,
  ]);
}

async function runOf(r: ResolvedRun): Promise<TrainResult> {
  return train({ problem: r.problem, config: r.config, weights: r.weights });
}

/** Every parameter value, flattened in tree order (params are not consumed). */
async function paramValues(p: NetParams): Promise<number[]> {
  const out: number[] = [];
  for (const leaf of tree.leaves(p)) out.push(...(await leaf.ref.data()));
  return out;
}

/** The losses of a history, as exact bit patterns (so -0, NaN and 1 ulp all count). */
function lossBits(r: TrainResult): string[] {
  const buf = new DataView(new ArrayBuffer(8));
  return r.history.map((h) =>
    [h.loss, ...Object.values(h.terms)]
      .map((v) => {
        buf.setFloat64(0, v);
        return buf.getBigUint64(0).toString(16);
      })
      .join(","),
  );
}

test("train() is deterministic: same seed, bit-identical history and parameters", async () => {
  const cfg: Override[] = [
    ["steps", 25],
    ["seed", 7],
  ];
  const a = await runOf(smallRun(cfg));
  const b = await runOf(smallRun(cfg));
  const c = await runOf(
    smallRun([
      ["steps", 25],
      ["seed", 8],
    ]),
  );
  try {
    for (const r of [a, b, c]) {
      assert.equal(r.status, "completed");
      assert.equal(r.steps, 25);
      assert.equal(r.history.length, 25, "logEvery=1 logs every step");
    }
    assert.deepEqual(lossBits(a), lossBits(b));
    assert.deepEqual(
      a.history.map((h) => h.step),
      b.history.map((h) => h.step),
    );
    const [pa, pb, pc] = [
      await paramValues(a.params),
      await paramValues(b.params),
      await paramValues(c.params),
    ];
    assert.equal(pa.length, pb.length);
    assert.ok(pa.length > 0);
    assert.ok(
      pa.every((v, i) => Object.is(v, pb[i])),
      "same seed: identical parameters",
    );

    assert.notDeepEqual(lossBits(a), lossBits(c), "a different seed gives a different history");
    assert.notEqual(a.history[0].loss, c.history[0].loss, "different initial parameters");
    assert.equal(pc.length, pa.length);
    assert.ok(
      pa.some((v, i) => v !== pc[i]),
      "a different seed gives different parameters",
    );
  } finally {
    for (const r of [a, b, c]) tree.dispose(r.params);
  }
});

test("memory stays flat over 300 Adam steps (wasm memory, JS heap, RSS)", async (t) => {
  const r = smallRun([
    ["steps", 301],
    ["logEvery", 50],
  ]);
  const at = new Map<number, { wasm: number; heap: number; rss: number }>();
  const res = await train({
    problem: r.problem,
    config: r.config,
    weights: r.weights,
    onRecord: (rec) => {
      // collect every 50 steps, so the heap never swells with garbage and commits pages that
      // RSS would then count (V8 keeps them after a late collection)
      collectGarbage();
      if (rec.step !== 100 && rec.step !== 300) return;
      const m = process.memoryUsage();
      at.set(rec.step, { wasm: wasmBytes(), heap: m.heapUsed, rss: m.rss });
    },
  });
  tree.dispose(res.params);
  assert.equal(res.status, "completed");
  const m100 = at.get(100);
  const m300 = at.get(300);
  assert.ok(m100 && m300, "records at steps 100 and 300");
  assert.ok(m100.wasm > 0, "the wasm memory probe sees the engine's memory");
  const growth = {
    wasm: m300.wasm - m100.wasm,
    heap: m300.heap - m100.heap,
    rss: m300.rss - m100.rss,
  };
  const show = JSON.stringify(growth);
  t.diagnostic(`growth from step 100 to 300, bytes: ${show}`);
  // Holding the old parameters would cost ~1.3 KB per step at this size (~50 KB at width 64),
  // about 4 pages over these 200 steps (the next test checks that): allow one page.
  assert.ok(growth.wasm <= WASM_PAGE, `wasm memory grew in 200 steps: ${show}`);
  assert.ok(growth.heap < 4 * MB, `JS heap (after gc) grew in 200 steps: ${show}`);
  assert.ok(growth.rss < 8 * MB, `RSS (after gc) grew in 200 steps: ${show}`);
});

test("the wasm memory probe does see a leak (old parameters held each step)", async (t) => {
  // The same jitted step as train(), driven by hand, but keeping a reference to every old
  // parameter tree: the probe must report steady growth, or the flat-memory test proves nothing.
  const r = smallRun();
  const c = r.config;
  const net = networkFor(r.problem, c);
  const step = makeAdamStep(r.problem, net);
  let params = net.init(c.seed);
  let opt = adamInit(params);
  const rng = new Rng(c.seed);
  const held: NetParams[] = [];
  const size: number[] = [];
  for (let k = 0; k < 301; k++) {
    const [X, T] = sampleAll(r.problem, c, rng, c.points);
    held.push(tree.ref(params));
    const [p2, s2, stats] = step(
      params,
      opt,
      X,
      T,
      weightArrays(r.problem, r.weights, c),
      fromData([c.lr], [], c.precision),
    );
    params = p2;
    opt = s2;
    await stats.data();
    size.push(wasmBytes());
  }
  // the same window as the flat-memory test: steps 100 to 300
  const growth = size[300] - size[100];
  t.diagnostic(`wasm memory growth while leaking 200 parameter trees: ${growth} bytes`);
  for (const p of held) tree.dispose(p);
  tree.dispose(params);
  tree.dispose(opt);
  step.dispose();
  assert.ok(
    growth > 2 * WASM_PAGE,
    `leaking 200 parameter trees grew wasm memory by only ${growth} bytes`,
  );
});

test("a huge learning rate either stays finite or stops as diverged, naming step and lr", async (t) => {
  for (const lr of ["1e6", "1e30"]) {
    const res = await runOf(
      smallRun([
        ["steps", 30],
        ["lr", lr],
      ]),
    );
    tree.dispose(res.params);
    t.diagnostic(`lr=${lr}: ${res.status} after ${res.steps} steps ${res.message}`);
    assert.ok(res.status === "completed" || res.status === "diverged", res.status);
    if (res.status === "diverged") {
      assert.match(res.message, /step \d+/, res.message);
      assert.match(res.message, /\blr\b/, res.message);
      assert.ok(res.steps <= 30);
      assert.ok(
        res.history.every((h) => Number.isFinite(h.loss)),
        "non-finite losses are reported through status, not logged",
      );
    } else {
      assert.equal(res.steps, 30);
      assert.ok(res.history.every((h) => Number.isFinite(h.loss)));
      assert.ok(Object.values(res.finalTerms).every(Number.isFinite));
    }
    if (lr === "1e30") assert.equal(res.status, "diverged", "lr=1e30 overflows float32 at once");
  }
});

test("adam+lbfgs: a few L-BFGS iterations lower the loss below Adam alone (same seed)", async (t) => {
  const base: Override[] = [
    ["steps", 40],
    ["seed", 3],
    ["lr", 5e-3],
    ["logEvery", 10],
  ];
  const adamRun = smallRun([...base, ["optimizer", "adam"]]);
  const both = smallRun([...base, ["optimizer", "adam+lbfgs"], ["lbfgsSteps", 15]]);
  const a = await runOf(adamRun);
  const b = await runOf(both);
  try {
    assert.equal(a.status, "completed");
    assert.equal(b.status, "completed", b.message);
    const lb = b.history.filter((h) => h.phase === "lbfgs");
    assert.ok(lb.length >= 1, "L-BFGS iterations are logged");
    assert.ok(b.steps > 40 && b.steps <= 55, `steps ${b.steps}`);
    const adamPart = b.history.filter((h) => h.phase === "adam");
    assert.deepEqual(
      adamPart.map((h) => h.loss),
      a.history.map((h) => h.loss),
      "the Adam phase is the same run",
    );
    assert.ok(lb[lb.length - 1].loss < lb[0].loss, "L-BFGS decreases its own loss");

    // Judge both on one common batch of points that neither optimiser saw.
    const evalLoss = async (p: NetParams, run: ResolvedRun) => {
      const net = networkFor(run.problem, run.config);
      const [X, T] = sampleAll(run.problem, run.config, new Rng(12345), 1024);
      const W = weightArrays(run.problem, run.weights, run.config);
      const [total, parts] = weightedLoss(run.problem, net, tree.ref(p), X, T, W);
      tree.dispose(parts);
      return (await total.data())[0];
    };
    const la = await evalLoss(a.params, adamRun);
    const lbVal = await evalLoss(b.params, both);
    assert.ok(Number.isFinite(la) && Number.isFinite(lbVal));
    t.diagnostic(`common-batch loss: adam ${la}, adam+lbfgs ${lbVal} (${b.message})`);
    assert.ok(lbVal < la, `adam+lbfgs loss ${lbVal} should be below adam-only ${la}`);
  } finally {
    tree.dispose(a.params);
    tree.dispose(b.params);
  }
});
