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
const LN2_HI = 6.9314718036912381649e-1;
const LN2_LO = 1.90821492927058770002e-10;

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

const TANH_P = [-9.64399179425052238628e-1, -9.92877231001918586564e1, -1.61468768441708447952e3];
const TANH_Q = [1.12811678491632931402e2, 2.23548839060100448583e3, 4.84406305325125486048e3];

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
const PIO2_1 = 1.57079632673412561417;
const PIO2_2 = 6.0771005063039659766e-11;
const PIO2_2T = 2.02226624879595063154e-21;
const SIN = [
  1.58969099521155010221e-10, -2.50507602534068634195e-8, 2.75573137070700676789e-6,
  -1.98412698298579493134e-4, 8.33333333332248946124e-3, -1.66666666666666324348e-1,
];
const COS = [
  -1.13596475577881948265e-11, 2.0875723212981748279e-9, -2.75573143513906633035e-7,
  2.48015872894767294178e-5, -1.38888888888741095749e-3, 4.16666666666666019037e-2,
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
  9.60497373987051638749, 9.00260197203842689217e1, 2.23200534594684319226e3,
  7.00332514112805075473e3, 5.55923013010394962768e4,
];
const ERF_U = [
  3.35617141647503099647e1, 5.21357949780152679795e2, 4.59432382970980127987e3,
  2.26290000613890934246e4, 4.92673942608635921086e4,
];
const ERFC_P = [
  2.46196981473530512524e-10, 5.64189564831068821977e-1, 7.46321056442269912687,
  4.86371970985681366614e1, 1.96520832956077098242e2, 5.26445194995477358631e2,
  9.3452852717195760754e2, 1.02755188689515710272e3, 5.57535335369399327526e2,
];
const ERFC_Q = [
  1.32281951154744992508e1, 8.67072140885989742329e1, 3.54937778887819891062e2,
  9.75708501743205489753e2, 1.82390916687909736289e3, 2.24633760818710981792e3,
  1.65666309194161350182e3, 5.57535340817727675546e2,
];
const ERFC_R = [
  5.64189583547755073984e-1, 1.27536670759978104416, 5.01905042251180477414, 6.16021097993053585195,
  7.4097426995044893916, 2.9788666537210024067,
];
const ERFC_S = [
  2.2605286322011727659, 9.39603524938001434673, 1.20489539808096656605e1, 1.70814450747565897222e1,
  9.60896809063285878198, 3.3690764510008151605,
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
