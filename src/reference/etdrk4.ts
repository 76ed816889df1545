/**
 * Fourier pseudo-spectral ETDRK4 for u_t = L u + N(u) on a periodic interval [a, b).
 *
 * Method: exponential time differencing with the fourth-order Runge-Kutta stages of Cox & Matthews
 * (J. Comput. Phys. 176, 2002), with the phi-function coefficients evaluated as means over a circle
 * of radius 1 around each h L in the complex plane, as Kassam & Trefethen, "Fourth-order
 * time-stepping for stiff PDEs", SIAM J. Sci. Comput. 26 (2005). The contour sidesteps the
 * cancellation in (e^z - 1 - z ...) / z^3 for small |z| that makes the direct formulas useless
 * there. L is diagonal in Fourier space (a symbol of k, possibly complex, e.g. i k^3 for KdV), so it
 * is integrated exactly; N is evaluated pseudo-spectrally on the grid.
 */
import { fft, ifft, type Spectrum, wavenumbers } from "./fft.js";
import { type Grid1D, type Numbers, periodicPoints } from "./grid.js";

export interface Complex {
  re: number;
  im: number;
}

/**
 * Fourier symbol of the linear operator: L exp(i k x) = symbol(k) exp(i k x) for the angular
 * wavenumber k. Examples: diffusion nu u_xx -> -nu k^2; dispersion -d u_xxx -> {re: 0, im: d k^3}.
 */
export type LinearSymbol = (k: number) => number | Complex;

/**
 * N(u) = d^order/dx^order flux(u) with `flux` applied pointwise on the grid. Order 0 is a reaction
 * term (Allen-Cahn's 5 u - 5 u^3); order 1 a conservation law (KdV's -(u^2 / 2)_x), whose
 * conservative form keeps the discrete mass exact.
 */
export interface FluxNonlinearity {
  kind: "flux";
  flux: (u: number) => number;
  /** Number of x-derivatives applied to the flux; default 0. */
  order?: number;
}

/**
 * N(u) given on the grid by any formula; `derivative(m)` returns the spectral m-th x-derivative of
 * u on the grid (cached per evaluation), e.g. `(u, d) => { const ux = d(1); return u.map((v, j) =>
 * -v * ux[j]); }`.
 */
export interface FieldNonlinearity {
  kind: "field";
  evaluate: (u: Float64Array, derivative: (order: number) => Float64Array) => Float64Array;
}

export type Nonlinearity = FluxNonlinearity | FieldNonlinearity;

export interface Etdrk4Options {
  /** Left end of the period [a, b). */
  a: number;
  /** Right end (excluded from the grid). */
  b: number;
  /** Grid points, a power of two. */
  n: number;
  /** Time step; every output time must be a multiple of it (see {@link compatibleStep}). */
  dt: number;
  linear: LinearSymbol;
  nonlinear: Nonlinearity;
  /** Initial condition: a function of x, or its n values on the grid. */
  u0: ((x: number) => number) | Numbers;
  /** Output times, increasing, each a multiple of dt up to rounding; values are never interpolated. */
  tOut: Numbers;
  /**
   * 2/3-rule dealiasing (Orszag 1971): modes with |m| > n/3 are removed from N(u) and from u0, so
   * the quadratic products stay alias-free and the solution lives in the resolved band. Default
   * false: a fully resolved solution does not need it, and it costs a third of the resolution.
   */
  dealias?: boolean;
  /** Points on each contour; Kassam & Trefethen use 32 to 64. Default 64. */
  contourPoints?: number;
}

/** The ETDRK4 coefficient arrays for one step size, one complex number per Fourier mode. */
export interface Etdrk4Coefficients {
  /** exp(h L). */
  e: Spectrum;
  /** exp(h L / 2). */
  e2: Spectrum;
  /** h phi-type weight of the half-step stages, h (e^{z/2} - 1) / z. */
  q: Spectrum;
  f1: Spectrum;
  f2: Spectrum;
  f3: Spectrum;
}

type C = [number, number];

const add = (x: C, y: C): C => [x[0] + y[0], x[1] + y[1]];
const mul = (x: C, y: C): C => [x[0] * y[0] - x[1] * y[1], x[0] * y[1] + x[1] * y[0]];
const scale = (s: number, x: C): C => [s * x[0], s * x[1]];
const div = (x: C, y: C): C => {
  const d = y[0] * y[0] + y[1] * y[1];
  return [(x[0] * y[0] + x[1] * y[1]) / d, (x[1] * y[0] - x[0] * y[1]) / d];
};
const cexp = (x: C): C => {
  const m = Math.exp(x[0]);
  return [m * Math.cos(x[1]), m * Math.sin(x[1])];
};

function complexSpectrum(n: number): Spectrum {
  return { re: new Float64Array(n), im: new Float64Array(n) };
}

function toComplex(value: number | Complex): C {
  return typeof value === "number" ? [value, 0] : [value.re, value.im];
}

/** The four phi-type integrands at one contour point z. */
function phiTerms(z: C): [C, C, C, C] {
  const ez = cexp(z);
  const z2 = mul(z, z);
  const z3 = mul(z2, z);
  const q = div(add(cexp(scale(0.5, z)), [-1, 0]), z);
  const f1 = div(add(add([-4, 0], scale(-1, z)), mul(ez, add(add([4, 0], scale(-3, z)), z2))), z3);
  const f2 = div(add(add([2, 0], z), mul(ez, add(z, [-2, 0]))), z3);
  const f3 = div(
    add(add(add([-4, 0], scale(-3, z)), scale(-1, z2)), mul(ez, add([4, 0], scale(-1, z)))),
    z3,
  );
  return [q, f1, f2, f3];
}

/**
 * ETDRK4 coefficients for the symbol values `lin` (one per mode) and step h, each phi-type
 * function averaged over `m` points of the unit circle centred at h L (Kassam & Trefethen, eq. 2.5
 * and §5). Exposed so that tests and other steppers can reuse them.
 */
export function etdrk4Coefficients(lin: Spectrum, h: number, m = 64): Etdrk4Coefficients {
  const n = lin.re.length;
  const out: Etdrk4Coefficients = {
    e: complexSpectrum(n),
    e2: complexSpectrum(n),
    q: complexSpectrum(n),
    f1: complexSpectrum(n),
    f2: complexSpectrum(n),
    f3: complexSpectrum(n),
  };
  const roots: C[] = Array.from({ length: m }, (_, j) => cexp([0, (Math.PI * (2 * j + 1)) / m]));
  const targets = [out.q, out.f1, out.f2, out.f3];
  for (let i = 0; i < n; i++) {
    const lh: C = [h * lin.re[i], h * lin.im[i]];
    const e = cexp(lh);
    const e2 = cexp(scale(0.5, lh));
    [out.e.re[i], out.e.im[i], out.e2.re[i], out.e2.im[i]] = [e[0], e[1], e2[0], e2[1]];
    const sums: C[] = [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
    ];
    for (const r of roots) {
      phiTerms(add(lh, r)).forEach((term, s) => (sums[s] = add(sums[s], term)));
    }
    targets.forEach((target, s) => {
      target.re[i] = (h * sums[s][0]) / m;
      target.im[i] = (h * sums[s][1]) / m;
    });
  }
  return out;
}

/** 1 for the modes the 2/3 rule keeps (|m| <= n/3), 0 for the others; all ones without dealiasing. */
function dealiasMask(n: number, dealias: boolean): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => {
    const m = i < n / 2 ? i : i - n;
    return !dealias || Math.abs(m) <= n / 3 ? 1 : 0;
  });
}

/** (i k)^order, with the Nyquist mode's odd derivatives zeroed so real data stay real. */
function derivativeSymbol(k: Float64Array, order: number): Spectrum {
  const n = k.length;
  const out = complexSpectrum(n);
  for (let i = 0; i < n; i++) {
    const value = order % 2 === 1 && i === n / 2 ? [0, 0] : ikPower(k[i], order);
    out.re[i] = value[0];
    out.im[i] = value[1];
  }
  return out;
}

function ikPower(k: number, order: number): C {
  let value: C = [1, 0];
  for (let p = 0; p < order; p++) value = mul(value, [0, k]);
  return value;
}

/** Maps a spectrum v̂ to the spectrum of N(u) for u = F^{-1} v̂, writing into `out`. */
type SpectralNonlinearity = (v: Spectrum, out: Spectrum) => void;

function toPhysical(v: Spectrum, scratch: Spectrum): Float64Array {
  scratch.re.set(v.re);
  scratch.im.set(v.im);
  ifft(scratch.re, scratch.im);
  return scratch.re;
}

/** out <- FFT(values) * multiplier, mode by mode. */
function transformTimes(values: Float64Array, multiplier: Spectrum, out: Spectrum): void {
  out.re.set(values);
  out.im.fill(0);
  fft(out.re, out.im);
  for (let i = 0; i < out.re.length; i++) {
    const [re, im] = [out.re[i], out.im[i]];
    out.re[i] = re * multiplier.re[i] - im * multiplier.im[i];
    out.im[i] = re * multiplier.im[i] + im * multiplier.re[i];
  }
}

function masked(symbol: Spectrum, mask: Float64Array): Spectrum {
  return { re: symbol.re.map((v, i) => v * mask[i]), im: symbol.im.map((v, i) => v * mask[i]) };
}

function spectralNonlinearity(
  term: Nonlinearity,
  k: Float64Array,
  mask: Float64Array,
): SpectralNonlinearity {
  const n = k.length;
  const scratch = complexSpectrum(n);
  const values = new Float64Array(n);
  switch (term.kind) {
    case "flux": {
      const multiplier = masked(derivativeSymbol(k, term.order ?? 0), mask);
      return (v, out) => {
        const u = toPhysical(v, scratch);
        for (let j = 0; j < n; j++) values[j] = term.flux(u[j]);
        transformTimes(values, multiplier, out);
      };
    }
    case "field": {
      const identity = masked(derivativeSymbol(k, 0), mask);
      return (v, out) => {
        const u = Float64Array.from(toPhysical(v, scratch));
        const derivative = derivativeOf(v, k);
        transformTimes(term.evaluate(u, derivative), identity, out);
      };
    }
    default: {
      const unknown: never = term;
      throw new TypeError(`etdrk4: unknown nonlinearity ${JSON.stringify(unknown)}`);
    }
  }
}

/** Lazily computed, cached spectral derivatives of one state. */
function derivativeOf(v: Spectrum, k: Float64Array): (order: number) => Float64Array {
  const cache = new Map<number, Float64Array>();
  return (order) => {
    const hit = cache.get(order);
    if (hit) return hit;
    const symbol = derivativeSymbol(k, order);
    const re = v.re.map((x, i) => x * symbol.re[i] - v.im[i] * symbol.im[i]);
    const im = v.re.map((x, i) => x * symbol.im[i] + v.im[i] * symbol.re[i]);
    ifft(re, im);
    cache.set(order, re);
    return re;
  };
}

/** out <- p * x + q * y (complex, mode by mode). */
function combine(out: Spectrum, p: Spectrum, x: Spectrum, q: Spectrum, y: Spectrum): void {
  for (let i = 0; i < out.re.length; i++) {
    const re = p.re[i] * x.re[i] - p.im[i] * x.im[i] + q.re[i] * y.re[i] - q.im[i] * y.im[i];
    const im = p.re[i] * x.im[i] + p.im[i] * x.re[i] + q.re[i] * y.im[i] + q.im[i] * y.re[i];
    out.re[i] = re;
    out.im[i] = im;
  }
}

interface StageBuffers {
  nv: Spectrum;
  a: Spectrum;
  na: Spectrum;
  b: Spectrum;
  nb: Spectrum;
  c: Spectrum;
  nc: Spectrum;
  sum: Spectrum;
}

/** out <- out + s * p * x (complex, mode by mode). */
function accumulate(out: Spectrum, s: number, p: Spectrum, x: Spectrum): void {
  for (let i = 0; i < out.re.length; i++) {
    out.re[i] += s * (p.re[i] * x.re[i] - p.im[i] * x.im[i]);
    out.im[i] += s * (p.re[i] * x.im[i] + p.im[i] * x.re[i]);
  }
}

/** out <- x + s * y. */
function axpy(out: Spectrum, x: Spectrum, s: number, y: Spectrum): void {
  for (let i = 0; i < out.re.length; i++) {
    out.re[i] = x.re[i] + s * y.re[i];
    out.im[i] = x.im[i] + s * y.im[i];
  }
}

/**
 * One ETDRK4 step of v̂ in place (Kassam & Trefethen, eq. 2.6; Cox & Matthews, eqs. 26-29):
 * a = E2 v + Q N(v), b = E2 v + Q N(a), c = E2 a + Q (2 N(b) - N(v)),
 * v <- E v + f1 N(v) + 2 f2 (N(a) + N(b)) + f3 N(c).
 */
function step(
  v: Spectrum,
  co: Etdrk4Coefficients,
  nl: SpectralNonlinearity,
  w: StageBuffers,
): void {
  nl(v, w.nv);
  combine(w.a, co.e2, v, co.q, w.nv);
  nl(w.a, w.na);
  combine(w.b, co.e2, v, co.q, w.na);
  nl(w.b, w.nb);
  axpy(w.sum, w.nb, 1, w.nb);
  axpy(w.sum, w.sum, -1, w.nv);
  combine(w.c, co.e2, w.a, co.q, w.sum);
  nl(w.c, w.nc);
  combine(v, co.e, v, co.f1, w.nv);
  axpy(w.sum, w.na, 1, w.nb);
  accumulate(v, 2, co.f2, w.sum);
  accumulate(v, 1, co.f3, w.nc);
}

function stageBuffers(n: number): StageBuffers {
  const make = () => complexSpectrum(n);
  return {
    nv: make(),
    a: make(),
    na: make(),
    b: make(),
    nb: make(),
    c: make(),
    nc: make(),
    sum: make(),
  };
}

/** Number of steps of size dt to reach each output time; throws when one is not a multiple. */
function stepCounts(tOut: Numbers, dt: number): number[] {
  let previous = 0;
  return Array.from(tOut, (t) => {
    const steps = Math.round(t / dt);
    if (!(t >= 0) || Math.abs(t / dt - steps) > 1e-8 * Math.max(1, steps)) {
      throw new RangeError(`etdrk4: output time ${t} is not a non-negative multiple of dt = ${dt}`);
    }
    if (steps < previous) throw new RangeError("etdrk4: output times must be increasing");
    previous = steps;
    return steps;
  });
}

/** Greatest common divisor of two positive reals, to within tol (Euclid, nearest remainders). */
function realGcd(p: number, q: number, tol: number): number {
  let [x, y] = [Math.max(p, q), Math.min(p, q)];
  while (y > tol) {
    [x, y] = [y, Math.abs(x - y * Math.round(x / y))];
  }
  return x;
}

/**
 * Largest step <= dtMax of which every time in `tOut` is a multiple: the greatest common divisor of
 * the times (to rounding), divided into equal steps. Throws when the times share no divisor larger
 * than 1e-6 of the last time (say 1 and pi), rather than take millions of steps.
 *
 * @example compatibleStep([0, 0.1, 0.25], 0.004) // 0.05 / 13
 */
export function compatibleStep(tOut: Numbers, dtMax: number): number {
  const times = Array.from(tOut);
  const last = Math.max(0, ...times);
  const tol = 1e-9 * Math.max(1, last);
  const positive = times.filter((t) => t > tol);
  if (positive.length === 0) return dtMax;
  const rough = positive.reduce((g, t) => realGcd(g, t, tol));
  if (rough < 1e-6 * last) {
    throw new RangeError(`etdrk4: output times ${times.join(", ")} share no common step`);
  }
  // Euclid's remainders accumulate rounding; the last time over a whole count of spacings does not.
  const spacing = last / Math.round(last / rough);
  const dt = spacing / Math.ceil(spacing / dtMax - 1e-9);
  stepCounts(
    times.sort((p, q) => p - q),
    dt,
  );
  return dt;
}

function initialSpectrum(options: Etdrk4Options, x: Float64Array, mask: Float64Array): Spectrum {
  const { u0 } = options;
  const values = typeof u0 === "function" ? x.map((xj) => u0(xj)) : Float64Array.from(u0);
  if (values.length !== x.length) {
    throw new RangeError(`etdrk4: u0 has ${values.length} values for ${x.length} grid points`);
  }
  const v = { re: values, im: new Float64Array(x.length) };
  fft(v.re, v.im);
  for (let i = 0; i < x.length; i++) {
    v.re[i] *= mask[i];
    v.im[i] *= mask[i];
  }
  return v;
}

function symbolValues(linear: LinearSymbol, k: Float64Array): Spectrum {
  const out = complexSpectrum(k.length);
  k.forEach((kk, i) => {
    [out.re[i], out.im[i]] = toComplex(linear(kk));
  });
  return out;
}

/**
 * Solves u_t = L u + N(u) on the periodic interval [a, b) and returns u on the grid at `tOut`.
 * Shapes: x [n] (a + j (b - a) / n), t [tOut.length], u [tOut.length * n] row-major.
 *
 * @example
 * // Heat equation u_t = 0.1 u_xx, u0 = sin x: u(1, x) = exp(-0.1) sin x.
 * const g = etdrk4({
 *   a: 0, b: 2 * Math.PI, n: 16, dt: 0.1, tOut: [0, 1],
 *   linear: (k) => -0.1 * k * k,
 *   nonlinear: { kind: "flux", flux: () => 0 },
 *   u0: Math.sin,
 * });
 */
export function etdrk4(options: Etdrk4Options): Grid1D {
  const { a, b, n, dt } = options;
  if (!(b > a) || !(dt > 0)) throw new RangeError("etdrk4: need b > a and dt > 0");
  const x = periodicPoints(a, b, n);
  const k = wavenumbers(n, b - a);
  const mask = dealiasMask(n, options.dealias ?? false);
  const counts = stepCounts(options.tOut, dt);
  const coefficients = etdrk4Coefficients(
    symbolValues(options.linear, k),
    dt,
    options.contourPoints,
  );
  const nl = spectralNonlinearity(options.nonlinear, k, mask);
  const buffers = stageBuffers(n);
  const scratch = complexSpectrum(n);
  const v = initialSpectrum(options, x, mask);
  const u = new Float64Array(counts.length * n);
  let done = 0;
  counts.forEach((target, row) => {
    for (; done < target; done++) step(v, coefficients, nl, buffers);
    u.set(toPhysical(v, scratch), row * n);
  });
  return { t: Float64Array.from(options.tOut), x, u };
}
