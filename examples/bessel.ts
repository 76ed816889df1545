/**
 * Bessel functions of the first and second kind, J_n(x) and Y_n(x) for integer n >= 0 and
 * x > 0, in plain float64 (no dependency), and the exact scattered field of a plane wave on a
 * sound-hard disk built from them (the reference of examples/helmholtz-sound-hard.ts).
 *
 * - J_0 .. J_N: Miller's backward recurrence J_{n-1} = (2n/x) J_n - J_{n+1}, started well above
 *   max(N, x) and normalised by J_0 + 2 (J_2 + J_4 + ...) = 1 (Abramowitz & Stegun 9.1.46,
 *   9.12; stable for all n and x).
 * - Y_0, Y_1: the ascending series A&S 9.1.11 for x <= 14, Hankel's asymptotic expansion A&S
 *   9.2.5-9.2.10 (summed to its smallest term) above; Y_n by the forward recurrence (stable for Y).
 *   Absolute error below ~1e-11 on x <= 14 (cancellation in the series) and below 1e-12 above.
 */

const EULER_GAMMA = 0.5772156649015329;
const SWITCH = 14;

/** J_0(x) .. J_nMax(x) for x >= 0, as an array of nMax + 1 numbers (Miller's algorithm). */
export function besselJArray(nMax: number, x: number): Float64Array {
  const out = new Float64Array(nMax + 1);
  if (x === 0) {
    out[0] = 1;
    return out;
  }
  const top = Math.max(nMax, Math.ceil(x));
  // an even start far enough above max(n, x) that the arbitrary start value has decayed away
  const m = 2 * Math.floor((top + 20 + Math.ceil(Math.sqrt(40 * top))) / 2);
  let jp = 0; // J_{k+1}
  let j = 1e-300; // J_k, k = m
  let norm = 0;
  for (let k = m; k > 0; k--) {
    const jm = ((2 * k) / x) * j - jp; // J_{k-1}
    jp = j;
    j = jm;
    if (Math.abs(j) > 1e250) {
      // rescale everything computed so far to avoid overflow
      j *= 1e-250;
      jp *= 1e-250;
      norm *= 1e-250;
      for (let i = k; i <= nMax; i++) out[i] *= 1e-250;
    }
    if ((k - 1) % 2 === 0 && k - 1 > 0) norm += 2 * j;
    if (k - 1 <= nMax) out[k - 1] = j;
  }
  norm += j; // J_0
  for (let i = 0; i <= nMax; i++) out[i] /= norm;
  return out;
}

/** Y_0(x) and Y_1(x) for x > 0. */
function y01(x: number): [number, number] {
  if (x > SWITCH) return [asymptotic(0, x)[1], asymptotic(1, x)[1]];
  // A&S 9.1.11: Y_n = -(1/pi) (x/2)^-n sum_{k<n} (n-k-1)!/k! (x^2/4)^k + (2/pi) ln(x/2) J_n
  //   - (1/pi) (x/2)^n sum_k [psi(k+1) + psi(n+k+1)] (-x^2/4)^k / (k! (n+k)!)
  const [j0, j1] = besselJArray(1, x);
  const q = (-x * x) / 4;
  const lg = (2 / Math.PI) * Math.log(x / 2);
  let s0 = 0;
  let s1 = 0;
  let t0 = 1; // (-x^2/4)^k / (k!)^2
  let t1 = 1; // (-x^2/4)^k / (k! (k+1)!)
  let hk = 0; // harmonic number H_k
  for (let k = 0; k < 200; k++) {
    if (k > 0) {
      hk += 1 / k;
      t0 *= q / (k * k);
      t1 *= q / (k * (k + 1));
    }
    const psi1 = -EULER_GAMMA + hk; // psi(k+1)
    const psi2 = psi1 + 1 / (k + 1); // psi(k+2)
    s0 += 2 * psi1 * t0;
    s1 += (psi1 + psi2) * t1;
    if (k > 2 && Math.abs(t0) < 1e-18 * Math.abs(s0) && Math.abs(t1) < 1e-18 * Math.abs(s1)) {
      break;
    }
  }
  const y0 = lg * j0 - s0 / Math.PI;
  const y1 = -2 / (Math.PI * x) + lg * j1 - ((x / 2) * s1) / Math.PI;
  return [y0, y1];
}

/** Hankel's asymptotic expansion of [J_nu(x), Y_nu(x)], nu = 0 or 1, summed to its smallest term. */
function asymptotic(nu: number, x: number): [number, number] {
  const mu = 4 * nu * nu;
  let p = 0;
  let q = 0;
  let a = 1; // a_k(nu) / x^k
  let last = Infinity;
  for (let k = 0; k < 100; k++) {
    if (k > 0) a *= (mu - (2 * k - 1) ** 2) / (k * 8 * x);
    if (Math.abs(a) > last) break;
    last = Math.abs(a);
    // P takes the even k with sign (-1)^(k/2), Q the odd k with sign (-1)^((k-1)/2)
    if (k % 2 === 0) p += (k % 4 === 0 ? 1 : -1) * a;
    else q += ((k - 1) % 4 === 0 ? 1 : -1) * a;
    if (last < 1e-17) break;
  }
  const chi = x - (nu / 2 + 1 / 4) * Math.PI;
  const s = Math.sqrt(2 / (Math.PI * x));
  return [s * (p * Math.cos(chi) - q * Math.sin(chi)), s * (p * Math.sin(chi) + q * Math.cos(chi))];
}

/** Y_0(x) .. Y_nMax(x) for x > 0 (forward recurrence from Y_0, Y_1). */
export function besselYArray(nMax: number, x: number): Float64Array {
  if (!(x > 0)) throw new Error(`besselY: x must be > 0, got ${x}`);
  const out = new Float64Array(nMax + 1);
  const [y0, y1] = y01(x);
  out[0] = y0;
  if (nMax >= 1) out[1] = y1;
  for (let n = 1; n < nMax; n++) out[n + 1] = ((2 * n) / x) * out[n] - out[n - 1];
  return out;
}

/**
 * J_n(x) for an integer n >= 0 and x >= 0.
 * @example besselJ(0, 1) // 0.7651976865579666
 */
export function besselJ(n: number, x: number): number {
  return besselJArray(n, x)[n];
}

/**
 * Y_n(x) for an integer n >= 0 and x > 0.
 * @example besselY(0, 1) // 0.08825696421567697
 */
export function besselY(n: number, x: number): number {
  return besselYArray(n, x)[n];
}

/**
 * The scattered field of the plane wave exp(i k x) on a sound-hard disk of radius a at the
 * origin (du/dn = 0 on the disk for the total field), at polar (r, theta), r >= a:
 * u_s = -sum_n eps_n i^n J_n'(k a) / H_n'(k a) H_n(k r) cos(n theta), H_n = J_n + i Y_n
 * (outgoing for the time factor exp(-i w t)), eps_0 = 1, eps_n = 2; `terms` terms (DeepXDE
 * takes 30 + (k a)^1.01).
 * @example soundHardScattered(2, Math.PI / 4, 1, 0) // { re: ..., im: ... }
 */
export function soundHardScattered(
  k: number,
  a: number,
  r: number,
  theta: number,
  terms = Math.floor(30 + (k * a) ** 1.01),
): { re: number; im: number } {
  const ka = k * a;
  const ja = besselJArray(terms + 1, ka);
  const ya = besselYArray(terms + 1, ka);
  const jr = besselJArray(terms, k * r);
  const yr = besselYArray(terms, k * r);
  let re = 0;
  let im = 0;
  for (let n = 0; n <= terms; n++) {
    // Z_n'(x) = (n/x) Z_n(x) - Z_{n+1}(x) for Z = J, Y
    const dj = (n / ka) * ja[n] - ja[n + 1];
    const dy = (n / ka) * ya[n] - ya[n + 1];
    // c = dj / (dj + i dy)
    const den = dj * dj + dy * dy;
    const cr = (dj * dj) / den;
    const ci = (-dj * dy) / den;
    // c * H_n(kr)
    const hr = cr * jr[n] - ci * yr[n];
    const hi = cr * yr[n] + ci * jr[n];
    // times i^n
    const [pr, pi] = [
      [hr, hi],
      [-hi, hr],
      [-hr, -hi],
      [hi, -hr],
    ][n % 4];
    const w = (n === 0 ? 1 : 2) * Math.cos(n * theta);
    re -= w * pr;
    im -= w * pi;
  }
  return { re, im };
}
