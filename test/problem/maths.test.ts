// pinnlab's residual maths: values used many times, operators on values and numbers, and no
// reference leaking out of a residual (eager and under jit).
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { fromData, jit, np, startEngine } from "../../src/engine/index.js";
import { interval } from "../../src/geometry/box.js";
import type { Jet } from "../../src/jet/jet.js";
import { defineProblem, type Term } from "../../src/problem/problem.js";
import {
  abs,
  add,
  cos,
  div,
  exp,
  log,
  mul,
  pow,
  sin,
  sqrt,
  sub,
  tanh,
} from "../../src/problem/maths.js";

// A probe of jax-js's wasm linear memory (see test/train/trainer.test.ts): it only grows when the
// live buffers outgrow it, so a leak shows up as growth over many evaluations.
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
const wasmBytes = () => [...memories].reduce((s, m) => s + m.buffer.byteLength, 0);

before(async () => {
  await startEngine();
});

// u is read three times, u_x twice, x twice; sin/exp/pow/div mix values and numbers
const problem = () =>
  defineProblem({
    name: "reuse",
    domain: interval(0, 1),
    fields: ["u"],
    residuals: {
      res: ({ d, x }) => {
        const u = d("u");
        const ux = d("u", "x");
        const xs = x("x");
        return u
          .mul(u)
          .add(sin(u))
          .sub(mul(2, u))
          .add(pow(ux, 3))
          .sub(div(ux, add(xs, 1)))
          .add(exp(mul(xs, -1)).mul(xs));
      },
    },
    conditions: {},
  });

const N = 64;
const xs = Float64Array.from({ length: N }, (_, i) => i / (N - 1));
const uOf = (x: number) => Math.cos(3 * x) + 0.5;
const uxOf = (x: number) => -3 * Math.sin(3 * x);
const expected = (x: number) => {
  const u = uOf(x);
  const ux = uxOf(x);
  return u * u + Math.sin(u) - 2 * u + ux ** 3 - ux / (x + 1) + Math.exp(-x) * x;
};

/** The output jet of u = cos 3x + 1/2 at the points (value and u_x channels). */
function jetAt(t: Term): Jet {
  const ch = t.layout.channels.map((mi) =>
    fromData(
      Array.from(xs, (x) => (mi.length === 0 ? uOf(x) : uxOf(x))),
      [N, 1],
      "float64",
    ),
  );
  return { layout: t.layout, ch };
}

test("one value used three times: the residual's numbers are the formula's", () => {
  const [t] = problem().terms;
  const out = jetAt(t);
  const X = fromData(xs, [N, 1], "float64");
  // hold a second reference to everything handed in: it must come back to exactly 1
  const held = [...out.ch.map((c) => (c as np.Array).ref), X.ref];
  const r = t.residual(out, X, null);
  const got = r.dataSync();
  // jax-js computes sin/exp in float32 even in float64 arrays (~1e-7 absolute)
  xs.forEach((x, i) => assert.ok(Math.abs(got[i] - expected(x)) < 1e-6, `x=${x}`));
  for (const a of held) {
    assert.equal(a.refCount, 1, "the residual left a reference behind or freed one too many");
    a.dispose();
  }
});

test("operators on numbers return numbers; pow covers integer, negative and fractional powers", () => {
  assert.equal(sin(0), 0);
  assert.equal(add(1, 2), 3);
  assert.equal(sub(1, 2), -1);
  assert.equal(mul(3, 2), 6);
  assert.equal(div(3, 2), 1.5);
  assert.equal(pow(2, 10), 1024);
  assert.equal(abs(-2), 2);
  assert.equal(tanh(0), 0);
  assert.equal(sqrt(4), 2);
  assert.equal(log(1), 0);
  assert.equal(cos(0), 1);
  const p = defineProblem({
    name: "pow",
    domain: interval(1, 2),
    fields: ["u"],
    residuals: {
      res: ({ d }) => {
        const u = d("u");
        // u^-2 + u^0.5 + u^1.5 + u^0 + u^1 + |-u| + tanh(u) + log(u) + sub(1, u)
        return pow(u, -2)
          .add(pow(u, 0.5))
          .add(pow(u, 1.5))
          .add(pow(u, 0))
          .add(pow(u, 1))
          .add(abs(u.neg()))
          .add(tanh(u))
          .add(log(u))
          .add(sub(1, u));
      },
    },
    conditions: {},
  });
  const [t] = p.terms;
  const vals = [1, 1.25, 1.5, 2];
  const out: Jet = { layout: t.layout, ch: [fromData(vals, [4, 1], "float64")] };
  const r = t.residual(out, fromData(vals, [4, 1], "float64"), null).dataSync();
  vals.forEach((u, i) => {
    const e = u ** -2 + Math.sqrt(u) + u ** 1.5 + 1 + u + u + Math.tanh(u) + Math.log(u) + 1 - u;
    assert.ok(Math.abs(r[i] - e) < 1e-5, `u=${u}: ${r[i]} vs ${e}`);
  });
});

test("no reference leaks over repeated calls, eager and under jit", () => {
  const [t] = problem().terms;
  const evalOnce = () => {
    const r = t.residual(jetAt(t), fromData(xs, [N, 1], "float64"), null);
    r.dispose();
  };
  const step = jit((u: np.Array, ux: np.Array, X: np.Array) =>
    t.residual({ layout: t.layout, ch: [u, ux] }, X, null).sum(),
  );
  const jitOnce = () => {
    const [u, ux] = jetAt(t).ch as np.Array[];
    step(u, ux, fromData(xs, [N, 1], "float64")).dispose();
  };
  for (const run of [evalOnce, jitOnce]) {
    for (let i = 0; i < 50; i++) run();
    const before = wasmBytes();
    for (let i = 0; i < 400; i++) run();
    assert.equal(wasmBytes() - before, 0, "wasm memory grew over 400 residual evaluations");
  }
  step.dispose();
});

test("the memory probe sees a leak of one value per call", () => {
  const [t] = problem().terms;
  const kept: np.Array[] = [];
  const before = wasmBytes();
  for (let i = 0; i < 400; i++) {
    const r = t.residual(jetAt(t), fromData(xs, [N, 1], "float64"), null);
    kept.push(r);
  }
  assert.ok(wasmBytes() > before, "400 leaked residual arrays did not grow wasm memory");
  for (const k of kept) k.dispose();
});
