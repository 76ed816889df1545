/**
 * Radix-2 complex FFT on split (re, im) arrays, plus the helpers the Fourier pseudo-spectral
 * solvers need (real transforms, wavenumbers, trigonometric interpolation).
 *
 * Convention (as numpy.fft): forward `X[k] = sum_j x[j] exp(-2 pi i j k / n)`, inverse divides by n.
 * Method: iterative Cooley-Tukey decimation in time (Cooley & Tukey, Math. Comp. 19, 1965) with
 * twiddles taken from a table of directly evaluated cos/sin, so the error stays O(eps log n)
 * instead of growing like a trigonometric recurrence.
 */

interface FftPlan {
  cos: Float64Array;
  sin: Float64Array;
  reversed: Uint32Array;
}

const plans = new Map<number, FftPlan>();

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

function bitReversal(n: number): Uint32Array {
  const bits = Math.round(Math.log2(n));
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    out[i] = r;
  }
  return out;
}

/**
 * cos and sin of 2 pi k / n for 0 <= k < n / 2, reduced to the first octant so that the table is
 * exactly symmetric and exact at the quarter turn (cos = 0 there, not 6e-17).
 */
function unitRoot(k: number, n: number): [number, number] {
  if (4 * k > n) {
    const [c, s] = unitRoot(k - n / 4, n);
    return [-s, c];
  }
  if (8 * k > n) {
    const [c, s] = unitRoot(n / 4 - k, n);
    return [s, c];
  }
  const angle = (2 * Math.PI * k) / n;
  return [Math.cos(angle), Math.sin(angle)];
}

function plan(n: number): FftPlan {
  const cached = plans.get(n);
  if (cached) return cached;
  if (!isPowerOfTwo(n)) throw new RangeError(`fft: length ${n} is not a power of two`);
  const half = n >> 1;
  const cos = new Float64Array(half);
  const sin = new Float64Array(half);
  for (let k = 0; k < half; k++) [cos[k], sin[k]] = unitRoot(k, n);
  const made = { cos, sin, reversed: bitReversal(n) };
  plans.set(n, made);
  return made;
}

function permute(re: Float64Array, im: Float64Array, reversed: Uint32Array): void {
  for (let i = 0; i < re.length; i++) {
    const j = reversed[i];
    if (j <= i) continue;
    const tr = re[i];
    re[i] = re[j];
    re[j] = tr;
    const ti = im[i];
    im[i] = im[j];
    im[j] = ti;
  }
}

/** Butterflies; `sign` is the sign of the exponent (-1 forward, +1 inverse). */
function butterflies(re: Float64Array, im: Float64Array, p: FftPlan, sign: number): void {
  const n = re.length;
  for (let size = 2; size <= n; size <<= 1) {
    const half = size >> 1;
    const stride = n / size;
    for (let start = 0; start < n; start += size) {
      for (let j = 0; j < half; j++) {
        const wr = p.cos[j * stride];
        const wi = sign * p.sin[j * stride];
        const a = start + j;
        const b = a + half;
        const br = re[b] * wr - im[b] * wi;
        const bi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - br;
        im[b] = im[a] - bi;
        re[a] += br;
        im[a] += bi;
      }
    }
  }
}

function checkPair(re: Float64Array, im: Float64Array): void {
  if (re.length !== im.length) {
    throw new RangeError(`fft: re has length ${re.length} but im has ${im.length}`);
  }
}

/**
 * Forward DFT in place: `(re, im) <- sum_j x[j] exp(-2 pi i j k / n)`; n must be a power of two.
 *
 * @example
 * const re = Float64Array.of(1, 0, 0, 0), im = new Float64Array(4);
 * fft(re, im); // re = [1, 1, 1, 1]
 */
export function fft(re: Float64Array, im: Float64Array): void {
  checkPair(re, im);
  const p = plan(re.length);
  permute(re, im, p.reversed);
  butterflies(re, im, p, -1);
}

/**
 * Inverse DFT in place, scaled by 1/n so that `ifft(fft(x)) = x`.
 *
 * @example
 * const re = Float64Array.of(1, 1, 1, 1), im = new Float64Array(4);
 * ifft(re, im); // re = [1, 0, 0, 0]
 */
export function ifft(re: Float64Array, im: Float64Array): void {
  checkPair(re, im);
  const p = plan(re.length);
  permute(re, im, p.reversed);
  butterflies(re, im, p, 1);
  const scale = 1 / re.length;
  for (let i = 0; i < re.length; i++) {
    re[i] *= scale;
    im[i] *= scale;
  }
}

/** A complex spectrum on split arrays. */
export interface Spectrum {
  re: Float64Array;
  im: Float64Array;
}

/**
 * Full-length spectrum of a real signal (a copy; the input is left alone).
 *
 * @example rfft(Float64Array.of(1, 2, 3, 4)).re // [10, -2, -2, -2]
 */
export function rfft(x: Float64Array): Spectrum {
  const re = Float64Array.from(x);
  const im = new Float64Array(x.length);
  fft(re, im);
  return { re, im };
}

/**
 * Real part of the inverse transform of a spectrum (a copy); for the spectrum of a real signal the
 * imaginary part it drops is rounding noise.
 *
 * @example irfft(rfft(Float64Array.of(1, 2, 3, 4))) // [1, 2, 3, 4]
 */
export function irfft(spectrum: Spectrum): Float64Array {
  const re = Float64Array.from(spectrum.re);
  const im = Float64Array.from(spectrum.im);
  ifft(re, im);
  return re;
}

/**
 * Angular wavenumbers of the FFT bins for n points on a period of length `period`, in FFT order:
 * `(2 pi / period) * [0, 1, ..., n/2 - 1, -n/2, ..., -1]` (numpy.fft.fftfreq's order).
 *
 * @example wavenumbers(4, 2 * Math.PI) // [0, 1, -2, -1]
 */
export function wavenumbers(n: number, period: number): Float64Array {
  const scale = (2 * Math.PI) / period;
  return Float64Array.from({ length: n }, (_, m) => scale * (m < n / 2 ? m : m - n));
}

/**
 * Evaluates the trigonometric interpolant of real samples `values` (taken at a + j (b - a) / n)
 * at arbitrary points. The Nyquist bin enters as a cosine so the interpolant is real and reproduces
 * the samples. Cost O(n) per point.
 *
 * @example trigInterpolate(Float64Array.of(0, 1, 0, -1), 0, 4, [1.5]) // ≈ [Math.sin(0.75 * Math.PI)]
 */
export function trigInterpolate(
  values: Float64Array,
  a: number,
  b: number,
  points: readonly number[] | Float64Array,
): Float64Array {
  const n = values.length;
  const { re, im } = rfft(values);
  const k = wavenumbers(n, b - a);
  const out = new Float64Array(points.length);
  for (let p = 0; p < points.length; p++) {
    const xi = points[p] - a;
    let sum = re[0];
    for (let m = 1; m < n / 2; m++) {
      sum += 2 * (re[m] * Math.cos(k[m] * xi) - im[m] * Math.sin(k[m] * xi));
    }
    if (n > 1) sum += re[n / 2] * Math.cos(k[n / 2] * xi);
    out[p] = sum / n;
  }
  return out;
}
