// Rng: xoshiro128** against an independent BigInt transcription of the reference C code,
// determinism, state round trip, and the moments of uniform, normal and int draws.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startEngine } from "../../src/engine/index.js";
import { Rng, type RngState } from "../../src/util/rng.js";

await startEngine();

const M32 = 0xffffffffn;

/** xoshiro128** (Blackman & Vigna), transcribed from the C reference with BigInt arithmetic. */
function referenceXoshiro(state: RngState): () => number {
  const s = state.map((v) => BigInt(v));
  const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & M32;
  return () => {
    const result = (rotl((s[1] * 5n) & M32, 7n) * 9n) & M32;
    const t = (s[1] << 9n) & M32;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11n);
    return Number(result);
  };
}

test("nextU32 matches the reference xoshiro128** for 1000 draws from several states", () => {
  const states: RngState[] = [
    [1, 2, 3, 4],
    [0xdeadbeef, 0x01234567, 0x89abcdef, 0xffffffff],
    new Rng(42).state(),
  ];
  for (const st of states) {
    const r = new Rng(st);
    const ref = referenceXoshiro(st);
    for (let i = 0; i < 1000; i++) assert.equal(r.nextU32(), ref(), `state ${st} draw ${i}`);
  }
  // the first output from (1, 2, 3, 4) by hand: rotl(2 * 5, 7) * 9 = 1280 * 9
  assert.equal(new Rng([1, 2, 3, 4]).nextU32(), 11520);
});

test("uniform uses 53 bits from two draws: (a >>> 5) 2^26 + (b >>> 6) over 2^53", () => {
  const st: RngState = [5, 6, 7, 8];
  const r = new Rng(st);
  const ref = referenceXoshiro(st);
  for (let i = 0; i < 200; i++) {
    const a = BigInt(ref()) >> 5n;
    const b = BigInt(ref()) >> 6n;
    assert.equal(r.uniform(), Number((a << 26n) | b) / 2 ** 53);
  }
});

test("same seed, same stream; another seed, another stream; state() round trip", () => {
  const a = new Rng(7);
  const b = new Rng(7);
  const c = new Rng(8);
  const sa = Array.from({ length: 20 }, () => a.nextU32());
  const sb = Array.from({ length: 20 }, () => b.nextU32());
  const sc = Array.from({ length: 20 }, () => c.nextU32());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
  // snapshot mid-stream, then both continue identically through every kind of draw
  const snap = a.state();
  const copy = new Rng(snap);
  const draw = (r: Rng) => [r.nextU32(), r.uniform(), r.normal(), r.int(17), r.uniform()];
  for (let i = 0; i < 50; i++) assert.deepEqual(draw(copy), draw(a));
  // the snapshot is a copy: drawing did not change it
  assert.deepEqual(new Rng(snap).state(), snap);
  assert.equal(snap.length, 4);
  for (const w of snap) assert.ok(Number.isInteger(w) && w >= 0 && w < 2 ** 32);
  // seeds are taken as uint32: -1 and 2^32 - 1 are the same seed
  assert.deepEqual(new Rng(-1).state(), new Rng(2 ** 32 - 1).state());
});

const N = 100_000;

test("uniform: in [0, 1), mean 1/2 and variance 1/12 within 5 sigma", () => {
  const r = new Rng(123);
  let sum = 0;
  let sq = 0;
  let min = 1;
  let max = 0;
  for (let i = 0; i < N; i++) {
    const u = r.uniform();
    sum += u;
    sq += (u - 0.5) ** 2;
    min = Math.min(min, u);
    max = Math.max(max, u);
  }
  assert.ok(min >= 0 && max < 1);
  assert.ok(min < 1e-3 && max > 1 - 1e-3, "the range is covered");
  // sd of the mean: sqrt(1/12 / N); of the mean of (u - 1/2)^2: sqrt(1/80 - 1/144) / sqrt(N)
  assert.ok(Math.abs(sum / N - 0.5) < 5 * Math.sqrt(1 / 12 / N), `mean ${sum / N}`);
  assert.ok(
    Math.abs(sq / N - 1 / 12) < (5 * Math.sqrt(1 / 80 - 1 / 144)) / Math.sqrt(N),
    `var ${sq / N}`,
  );
});

test("normal: mean 0, variance 1 and P(|z| < 1) = 0.6827 within 5 sigma", () => {
  const r = new Rng(321);
  let sum = 0;
  let sq = 0;
  let inside = 0;
  for (let i = 0; i < N; i++) {
    const z = r.normal();
    sum += z;
    sq += z * z;
    if (Math.abs(z) < 1) inside++;
  }
  const mean = sum / N;
  const variance = sq / N - mean * mean;
  assert.ok(Math.abs(mean) < 5 / Math.sqrt(N), `mean ${mean}`);
  // the sample variance of a normal has sd sqrt(2 / N)
  assert.ok(Math.abs(variance - 1) < 5 * Math.sqrt(2 / N), `var ${variance}`);
  const p = 0.682689492;
  assert.ok(Math.abs(inside / N - p) < 5 * Math.sqrt((p * (1 - p)) / N), `P ${inside / N}`);
});

test("int(n): values in [0, n), each equally likely within 5 sigma", () => {
  const r = new Rng(99);
  const n = 10;
  const counts = new Array<number>(n).fill(0);
  for (let i = 0; i < N; i++) {
    const k = r.int(n);
    assert.ok(Number.isInteger(k) && k >= 0 && k < n);
    counts[k]++;
  }
  const p = 1 / n;
  for (const c of counts)
    assert.ok(Math.abs(c - N * p) < 5 * Math.sqrt(N * p * (1 - p)), `${counts}`);
});
