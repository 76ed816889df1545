// The kernel runtime: feature detection, the arena (alignment, growth, the 4 GiB limit), the
// constant pool, the module cache, and assembly errors.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CONST_POOL_BYTES,
  KernelRuntime,
  MAX_MEMORY_BYTES,
  MEMORY_IMPORT,
  PAGE_BYTES,
  detectFeatures,
} from "../../src/kernels/assemble.js";

test("feature detection: SIMD present; relaxed SIMD enabled on Node 20 through the V8 flag", async () => {
  const f = await detectFeatures();
  assert.equal(f.simd, true);
  const major = Number(process.versions.node.split(".")[0]);
  if (major >= 20)
    assert.equal(f.relaxedSimd, true, "relaxed SIMD should be available on Node >= 20");
  const rt = await KernelRuntime.create();
  assert.equal(rt.defaultVariant, f.relaxedSimd ? "relaxed" : "plain");
  assert.equal(rt.variant("auto"), rt.defaultVariant);
  assert.equal(rt.variant("plain"), "plain");
});

test("arena: 16-byte alignment, growth on demand, fresh views after growth", async () => {
  const rt = await KernelRuntime.create({ initialBytes: 0 });
  const a = rt.arena.alloc(3);
  const b = rt.arena.alloc(5);
  assert.ok(a >= CONST_POOL_BYTES, "allocations start above the constant pool");
  assert.equal(a % 16, 0);
  assert.equal(b % 16, 0);
  assert.ok(b >= a + 3);
  rt.f32(a, 1)[0] = 42;
  const before = rt.memory.buffer.byteLength;
  const big = rt.arena.allocF32(3 * PAGE_BYTES); // 12 pages
  assert.ok(rt.memory.buffer.byteLength >= before + 12 * PAGE_BYTES - PAGE_BYTES);
  assert.equal(rt.f32(a, 1)[0], 42, "data survives growth");
  rt.f32(big, 3 * PAGE_BYTES).fill(1); // the whole block is addressable
  const mark = rt.arena.mark();
  rt.arena.alloc(100);
  rt.arena.release(mark);
  assert.equal(rt.arena.mark(), mark);
  assert.throws(() => rt.arena.release(mark + 16), /release above the current top/);
});

test("arena: requests beyond the 4 GiB wasm limit fail up front with the requested size", async () => {
  const rt = await KernelRuntime.create({ initialBytes: 0 });
  const used = rt.memory.buffer.byteLength;
  const huge = MAX_MEMORY_BYTES; // 4 GiB on top of what is used cannot fit
  assert.throws(
    () => rt.arena.alloc(huge, "test buffers"),
    (e: Error) => {
      assert.match(e.message, /test buffers need 4\.00 GiB \(4294967296 bytes\)/);
      assert.match(e.message, /4 GiB WebAssembly memory limit/);
      return true;
    },
  );
  assert.throws(
    () => rt.arena.check(5e9, "a jet workspace"),
    /a jet workspace need .*5000000000 bytes/,
  );
  assert.equal(rt.memory.buffer.byteLength, used, "nothing was grown by the failed request");
  assert.throws(() => rt.arena.alloc(-1), /invalid request/);
});

test("constant pool deduplicates and stores four lanes", async () => {
  const rt = await KernelRuntime.create({ initialBytes: 0 });
  const p = rt.vconst(1.5);
  assert.equal(rt.vconst(1.5), p);
  assert.notEqual(rt.vconst(-1.5), p);
  assert.deepEqual(Array.from(rt.f32(p, 4)), [1.5, 1.5, 1.5, 1.5]);
  assert.ok(p > 0 && p < CONST_POOL_BYTES && p % 16 === 0);
});

test("modules are cached per key, share the memory, and assembly errors name the kernel", async () => {
  const rt = await KernelRuntime.create({ initialBytes: 0 });
  let generated = 0;
  const text = `(module ${MEMORY_IMPORT}
    (func (export "put") (param $p i32) (param $x f32) (f32.store (local.get $p) (local.get $x))))`;
  const m1 = rt.module("put", () => (generated++, text));
  const m2 = rt.module("put", () => (generated++, text));
  assert.equal(m1, m2);
  assert.equal(generated, 1);
  const p = rt.arena.allocF32(1);
  m1.put(p, 2.5);
  assert.equal(rt.f32(p, 1)[0], 2.5, "the module writes into the runtime's memory");
  assert.throws(
    () => rt.module("broken", () => "(module (func (f32.bogus)))"),
    /kernel broken: WAT did not assemble/,
  );
});
