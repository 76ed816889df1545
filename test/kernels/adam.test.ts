// The Adam kernel against `adamUpdate` (jax-js, float32) over several steps, on lengths with and
// without a scalar tail, with the default and non-default constants.
import assert from "node:assert/strict";
import { test } from "node:test";
import { np, startEngine } from "../../src/engine/index.js";
import { type AdamOptions, ADAM_DEFAULTS, adamInit, adamUpdate } from "../../src/optim/adam.js";
import { KernelRuntime } from "../../src/kernels/assemble.js";
import { AdamKernel } from "../../src/kernels/adam.js";
import { rand } from "./helpers.js";

await startEngine();
const rt = await KernelRuntime.create();

for (const o of [ADAM_DEFAULTS, { b1: 0.8, b2: 0.99, eps: 1e-6 }] as AdamOptions[]) {
  test(`Adam kernel matches adamUpdate over 5 steps (b1 ${o.b1}, b2 ${o.b2}, eps ${o.eps})`, () => {
    const sizes = [13, 64]; // 13: three vectors and a scalar tail
    const total = sizes[0] + sizes[1];
    const p0 = rand(total, 1);
    const kernel = AdamKernel.create(rt);
    const mark = rt.arena.mark();
    const P = rt.upload(p0);
    const M = rt.upload(new Float32Array(total));
    const V = rt.upload(new Float32Array(total));
    const G = rt.arena.allocF32(total);
    const split = (x: Float32Array) => ({
      a: np.array(x.slice(0, sizes[0]), { dtype: np.float32 }),
      b: np.array(x.slice(sizes[0]), { dtype: np.float32 }),
    });
    let params = split(p0);
    let state = adamInit(params);
    let b1t = 1;
    let b2t = 1;
    const lrs = [1e-3, 5e-3, 1e-2, 2e-3, 1e-3];
    for (let step = 0; step < lrs.length; step++) {
      const g = rand(total, 100 + step, -2, 2);
      rt.f32(G, total).set(g);
      // the kernel's caller keeps b^t as float32 running products, as AdamState does
      b1t = Math.fround(b1t * o.b1);
      b2t = Math.fround(b2t * o.b2);
      kernel.step(P, M, V, G, total, lrs[step], Math.fround(1 - b1t), Math.fround(1 - b2t), o);
      [params, state] = adamUpdate(
        split(g),
        state,
        params,
        np.array(lrs[step], { dtype: np.float32 }),
        o,
      );
    }
    const want = [...params.a.ref.dataSync(), ...params.b.ref.dataSync()];
    const wantM = [...state.mu.a.ref.dataSync(), ...state.mu.b.ref.dataSync()];
    const wantV = [...state.nu.a.ref.dataSync(), ...state.nu.b.ref.dataSync()];
    const got = Float32Array.from(rt.f32(P, total));
    const gotM = Float32Array.from(rt.f32(M, total));
    const gotV = Float32Array.from(rt.f32(V, total));
    rt.arena.release(mark);
    // Same float32 operations in the same order: equal up to one rounding per step in the
    // scalars (lr / c1, sqrt(c2)), i.e. a few float32 ulps of the values.
    for (let i = 0; i < total; i++) {
      assert.ok(
        Math.abs(got[i] - want[i]) <= 4e-7 * Math.max(1, Math.abs(want[i])),
        `p[${i}] ${got[i]} vs ${want[i]}`,
      );
      assert.ok(Math.abs(gotM[i] - wantM[i]) <= 2e-7 * Math.abs(wantM[i]) + 1e-12, `m[${i}]`);
      assert.ok(Math.abs(gotV[i] - wantV[i]) <= 2e-7 * Math.abs(wantV[i]) + 1e-12, `v[${i}]`);
    }
    for (const a of [
      params.a,
      params.b,
      state.mu.a,
      state.mu.b,
      state.nu.a,
      state.nu.b,
      state.count,
      state.b1t,
      state.b2t,
    ])
      a.dispose();
  });
}
