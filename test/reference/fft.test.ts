import assert from "node:assert/strict";
import { test } from "node:test";
import { fft, ifft, irfft, rfft, trigInterpolate, wavenumbers } from "../../src/reference/index.js";
import { maxAbsDiff, randomArray } from "./helpers.js";

/** O(n^2) DFT with the same sign convention, the independent reference. */
function directDft(re: Float64Array, im: Float64Array): { re: Float64Array; im: Float64Array } {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      // Reduce jk mod n first so the angle, and its rounding, stays small.
      const angle = (-2 * Math.PI * ((j * k) % n)) / n;
      outRe[k] += re[j] * Math.cos(angle) - im[j] * Math.sin(angle);
      outIm[k] += re[j] * Math.sin(angle) + im[j] * Math.cos(angle);
    }
  }
  return { re: outRe, im: outIm };
}

test("fft matches the direct DFT on random complex input", () => {
  for (const n of [1, 2, 4, 8, 64, 256, 1024]) {
    const re = randomArray(n, 7 + n);
    const im = randomArray(n, 11 + n);
    const expected = directDft(re, im);
    fft(re, im);
    // Inputs are O(1), outputs O(sqrt n); both transforms round at ~n eps ≈ 2e-13 for n = 1024.
    assert.ok(maxAbsDiff(re, expected.re) < 1e-12, `n = ${n}: re`);
    assert.ok(maxAbsDiff(im, expected.im) < 1e-12, `n = ${n}: im`);
  }
});

test("ifft inverts fft, and the unit impulse has a flat spectrum", () => {
  const re = randomArray(512, 3);
  const im = randomArray(512, 5);
  const [re0, im0] = [Float64Array.from(re), Float64Array.from(im)];
  fft(re, im);
  ifft(re, im);
  assert.ok(maxAbsDiff(re, re0) < 1e-15 * 512);
  assert.ok(maxAbsDiff(im, im0) < 1e-15 * 512);
  const impulse = Float64Array.of(1, 0, 0, 0, 0, 0, 0, 0);
  const zero = new Float64Array(8);
  fft(impulse, zero);
  assert.deepEqual(Array.from(impulse), [1, 1, 1, 1, 1, 1, 1, 1]);
  assert.deepEqual(Array.from(zero), [0, 0, 0, 0, 0, 0, 0, 0]);
});

test("rfft of a real signal is Hermitian and irfft returns the signal", () => {
  const x = randomArray(64, 9);
  const spectrum = rfft(x);
  for (let k = 1; k < 64; k++) {
    assert.ok(Math.abs(spectrum.re[k] - spectrum.re[64 - k]) < 1e-13);
    assert.ok(Math.abs(spectrum.im[k] + spectrum.im[64 - k]) < 1e-13);
  }
  assert.deepEqual(Array.from(rfft(Float64Array.of(1, 2, 3, 4)).re), [10, -2, -2, -2]);
  assert.ok(maxAbsDiff(irfft(spectrum), x) < 1e-14);
});

test("fft rejects lengths that are not powers of two", () => {
  assert.throws(() => fft(new Float64Array(6), new Float64Array(6)), RangeError);
  assert.throws(() => fft(new Float64Array(4), new Float64Array(8)), RangeError);
});

test("wavenumbers follow numpy's fftfreq order", () => {
  assert.deepEqual(Array.from(wavenumbers(4, 2 * Math.PI)), [0, 1, -2, -1]);
  assert.deepEqual(Array.from(wavenumbers(4, 2)), [0, Math.PI, -2 * Math.PI, -Math.PI]);
});

test("trigInterpolate reproduces a band-limited signal between the samples", () => {
  const n = 16;
  const f = (x: number) => 0.3 + Math.sin(3 * x) - 0.5 * Math.cos(7 * x) + 0.25 * Math.cos(8 * x);
  const samples = Float64Array.from({ length: n }, (_, j) => f((2 * Math.PI * j) / n));
  const points = [0.1, 1.234, 3, 5.9, 2 * Math.PI];
  const values = trigInterpolate(samples, 0, 2 * Math.PI, points);
  assert.ok(maxAbsDiff(values, points.map(f)) < 1e-13);
});
