/**
 * float64 transcendentals for the f64x2 / f64 jet rules, from +, *, / and bit manipulation only
 * (no JS Math calls, no float32 shortcuts), lane-generic like activation.ts. Targets ~1e-16
 * relative (a few ulps), checked against `Math.tanh`, `Math.sin`, `Math.exp` and an erf series in
 * the tests.
 *
 * - exp: Cody-Waite reduction y = n ln2 + r with fdlibm's two-part ln2 (ln2_hi has 32 significant
 *   bits, so n ln2_hi is exact for |n| < 2^21), |r| <= ln2/2, then the degree-13 Taylor polynomial
 *   (truncation r^14/14! < 5e-18), times 2^n built in the exponent bits.
 * - tanh: Cephes `tanh.c` (Moshier): x + x^3 P(x^2)/Q(x^2) for |x| < 0.625 (relative error
 *   ~2e-17), else 1 - 2/(exp(2|x|) + 1); both evaluated and blended by a mask. 2|x| is clamped at
 *   40: tanh(20) rounds to 1 in float64.
 * - sin/cos: reduction by pi/2 with fdlibm's three-part constant (pio2_1, pio2_2: 33 significant
 *   bits, so n pio2_i is exact for |n| < 2^20, i.e. |x| < ~1.6e6), then fdlibm's `__kernel_sin` /
 *   `__kernel_cos` polynomials on [-pi/4, pi/4] (cos with its compensated 1 - z/2), quadrant by
 *   swap and sign-bit xor.
 * - Phi (standard normal CDF, for gelu): Phi(z) = erfc(-z/sqrt 2)/2 with Cephes `ndtr.c`'s
 *   rational approximations: erf(a) = a T(a^2)/U(a^2) for a < 1, erfc(a) = exp(-a^2) P(a)/Q(a)
 *   for 1 <= a < 8 and exp(-a^2) R(a)/S(a) beyond; one division after selecting numerator and
 *   denominator. exp(-a^2) = exp(-z^2/2) is shared with the density phi. Relative error grows
 *   like z^2 u in the far tail (the rounding of z^2/2 inside exp), ~4e-15 at z = -8.
 */
import type { FnBuilder, Lane } from "./wat.js";

/** fdlibm's ln2 split: LN2_HI has 32 significant bits. */
const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;

/** exp(y) for y in [-708, 709] (lane-generic float64, a few ulps). */
export function exp64Lane(f: FnBuilder, L: Lane, y: string): string {
  const t = L.type;
  const n = f.let(t, L.nearest(L.mul(y, L.c(Math.LOG2E))), "n");
  let r = f.let(t, L.madd(n, L.c(-LN2_HI), y), "r");
  r = f.let(t, L.madd(n, L.c(-LN2_LO), r), "r");
  // Taylor coefficients 1/k!, k = 13 .. 1
  let fact = 1;
  const inv: number[] = [1];
  for (let k = 1; k <= 13; k++) {
    fact *= k;
    inv.push(1 / fact);
  }
  let p = L.c(inv[13]);
  for (let k = 12; k >= 1; k--) p = L.madd(p, r, L.c(inv[k]));
  const poly = f.let(t, L.madd(p, r, L.c(1)), "p");
  const pow2 = L.bitsToFloat(L.ishl(L.iadd(L.toInt(n), L.ic(1023)), 52));
  return f.let(t, L.mul(poly, pow2), "exp");
}

/** Horner evaluation of a polynomial given highest degree first, optionally with a leading 1. */
function horner(L: Lane, coefs: readonly number[], x: string, leadingOne = false): string {
  let acc = leadingOne ? L.add(x, L.c(coefs[0])) : L.c(coefs[0]);
  for (let i = 1; i < coefs.length; i++) acc = L.madd(acc, x, L.c(coefs[i]));
  return acc;
}

const TANH_P = [-0.9643991794250523, -99.28772310019185, -1614.6876844170845];
const TANH_Q = [112.81167849163293, 2235.4883906010045, 4844.063053251255];

/** tanh(x) in float64 (Cephes tanh). */
export function tanh64Lane(f: FnBuilder, L: Lane, x: string): string {
  const t = L.type;
  const ax = f.let(t, L.abs(x), "ax");
  const s = f.let(t, L.mul(x, x), "s");
  const ratio = L.div(horner(L, TANH_P, s), horner(L, TANH_Q, s, true));
  const small = f.let(t, L.madd(L.mul(x, s), ratio, x), "small");
  const e = exp64Lane(f, L, L.min(L.add(ax, ax), L.c(40)));
  const big = f.let(t, L.sub(L.c(1), L.div(L.c(2), L.add(e, L.c(1)))), "big");
  return f.let(t, L.select(L.lt(ax, L.c(0.625)), small, L.copysign(big, x)), "tanh");
}

// fdlibm: pi/2 = PIO2_1 + PIO2_2 + PIO2_2T (+ 2^-150-ish)
const PIO2_1 = 1.5707963267341256;
const PIO2_2 = 6.077100506303966e-11;
const PIO2_2T = 2.0222662487959506e-21;
const SIN = [
  1.58969099521155e-10, -2.5050760253406863e-8, 0.0000027557313707070068, -0.0001984126982985795,
  0.00833333333332249, -0.16666666666666632,
];
const COS = [
  -1.1359647557788195e-11, 2.087572321298175e-9, -2.7557314351390663e-7, 0.00002480158728947673,
  -0.001388888888887411, 0.0416666666666666,
];

/** [sin x, cos x] in float64 for |x| < ~1.6e6 (fdlibm kernels). */
export function sinCos64Lane(f: FnBuilder, L: Lane, x: string): [string, string] {
  const t = L.type;
  const n = f.let(t, L.nearest(L.mul(x, L.c(2 / Math.PI))), "n");
  let r = f.let(t, L.madd(n, L.c(-PIO2_1), x), "r");
  r = f.let(t, L.madd(n, L.c(-PIO2_2), r), "r");
  r = f.let(t, L.madd(n, L.c(-PIO2_2T), r), "r");
  const z = f.let(t, L.mul(r, r), "z");
  const sr = f.let(t, L.madd(L.mul(horner(L, SIN, z), z), r, r), "sr");
  // cos r = w + ((1 - w) - hz) + z^2 C(z), w = 1 - hz: the rounding of 1 - z/2 is added back
  const hz = f.let(t, L.mul(L.c(0.5), z), "hz");
  const w = f.let(t, L.sub(L.c(1), hz), "w");
  const tail = L.madd(L.mul(z, z), horner(L, COS, z), L.sub(L.sub(L.c(1), w), hz));
  const cr = f.let(t, L.add(w, tail), "cr");
  const q = f.let(L.itype, L.toInt(n), "q");
  // the select mask is i32 in the scalar lane, v128 in the vector one: kept inline
  const swap = L.bitMask(L.iand(q, L.ic(1)));
  const sgnS = L.ishl(L.iand(q, L.ic(2)), 62);
  const sgnC = L.ishl(L.iand(L.iadd(q, L.ic(1)), L.ic(2)), 62);
  const s = f.let(t, L.xorBits(L.select(swap, cr, sr), sgnS), "sin");
  const c = f.let(t, L.xorBits(L.select(swap, sr, cr), sgnC), "cos");
  return [s, c];
}

// Cephes ndtr.c, highest degree first; Q, S and U have an implicit leading 1
const ERF_T = [
  9.604973739870516, 90.02601972038427, 2232.005345946843, 7003.325141128051, 55592.30130103949,
];
const ERF_U = [
  33.56171416475031, 521.3579497801527, 4594.323829709801, 22629.000061389095, 49267.39426086359,
];
const ERFC_P = [
  2.461969814735305e-10, 0.5641895648310689, 7.463210564422699, 48.63719709856814,
  196.5208329560771, 526.4451949954773, 934.5285271719576, 1027.5518868951572, 557.5353353693994,
];
const ERFC_Q = [
  13.228195115474499, 86.70721408859897, 354.9377788878199, 975.7085017432055, 1823.9091668790973,
  2246.3376081871097, 1656.6630919416134, 557.5353408177277,
];
const ERFC_R = [
  0.5641895835477551, 1.275366707599781, 5.019050422511805, 6.160210979930536, 7.4097426995044895,
  2.9788666537210022,
];
const ERFC_S = [
  2.2605286322011726, 9.396035249380015, 12.048953980809666, 17.08144507475659, 9.608968090632859,
  3.369076451000815,
];

/** [Phi(z), phi(z)] in float64: the standard normal CDF and density. */
export function normal64Lane(f: FnBuilder, L: Lane, z: string): [string, string] {
  const t = L.type;
  // exp(-z^2/2), clamped where it would leave the normal float64 range
  const e = exp64Lane(f, L, L.max(L.mul(L.mul(z, z), L.c(-0.5)), L.c(-708)));
  const phi = f.let(t, L.mul(e, L.c(1 / Math.sqrt(2 * Math.PI))), "phi");
  // a = |z| / sqrt 2, capped so that no unused branch overflows
  const a = f.let(t, L.min(L.mul(L.abs(z), L.c(Math.SQRT1_2)), L.c(40)), "a");
  const a2 = f.let(t, L.mul(a, a), "a2");
  // masks are v128 or i32 by lane, so they stay inline rather than in typed locals
  const small = L.lt(a, L.c(1));
  const mid = L.lt(a, L.c(8));
  const num = L.select(
    small,
    L.mul(a, horner(L, ERF_T, a2)),
    L.select(mid, horner(L, ERFC_P, a), horner(L, ERFC_R, a)),
  );
  const den = L.select(
    small,
    horner(L, ERF_U, a2, true),
    L.select(mid, horner(L, ERFC_Q, a, true), horner(L, ERFC_S, a, true)),
  );
  const ratio = f.let(t, L.div(num, den), "ratio");
  // a < 1: Phi = (1 + sign(z) erf a) / 2; else erfc a = e * ratio, Phi = erfc/2 or 1 - erfc/2
  const half = L.c(0.5);
  const inner = L.add(half, L.copysign(L.mul(half, ratio), z));
  const tail = f.let(t, L.mul(L.mul(e, ratio), half), "tail");
  const outer = L.select(L.lt(z, L.c(0)), tail, L.sub(L.c(1), tail));
  const Phi = f.let(t, L.select(small, inner, outer), "Phi");
  return [Phi, phi];
}
