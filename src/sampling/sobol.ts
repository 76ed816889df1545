/**
 * Sobol low-discrepancy points (Sobol 1967) with Joe & Kuo's direction numbers
 * ("Constructing Sobol sequences with better two-dimensional projections", SIAM J. Sci. Comput.
 * 2008, file new-joe-kuo-6.21201) for up to {@link SOBOL_MAX_DIMS} dimensions, in Gray-code order,
 * randomised by a digital shift (each coordinate's 32 bits XORed with a seeded random word), which
 * keeps the net's stratification and makes the points reproducible from the run's seed.
 */
import type { Rng } from "../util/rng.js";

/** (s, a, m_1..m_s) of dimensions 2.. (dimension 1 is the van der Corput sequence). */
const JOE_KUO: readonly (readonly [number, number, readonly number[]])[] = [
  [1, 0, [1]],
  [2, 1, [1, 3]],
  [3, 1, [1, 3, 1]],
  [3, 2, [1, 1, 1]],
  [4, 1, [1, 1, 3, 3]],
  [4, 4, [1, 3, 5, 13]],
  [5, 2, [1, 1, 5, 5, 17]],
];

/** The largest dimension supported. */
export const SOBOL_MAX_DIMS = JOE_KUO.length + 1;

const BITS = 32;

/** Direction numbers v[k] (scaled to 32 bits) of one dimension (0-based). */
function directions(dim: number): Uint32Array {
  const v = new Uint32Array(BITS);
  if (dim === 0) {
    for (let k = 0; k < BITS; k++) v[k] = 2 ** (BITS - 1 - k);
    return v;
  }
  const [s, a, m] = JOE_KUO[dim - 1];
  for (let k = 0; k < Math.min(s, BITS); k++) v[k] = (m[k] * 2 ** (BITS - 1 - k)) >>> 0;
  for (let k = s; k < BITS; k++) {
    let x = (v[k - s] ^ (v[k - s] >>> s)) >>> 0;
    for (let j = 1; j < s; j++) {
      if ((a >>> (s - 1 - j)) & 1) x = (x ^ v[k - j]) >>> 0;
    }
    v[k] = x;
  }
  return v;
}

/**
 * n Sobol points in [0, 1)^dims, row-major [n, dims], digitally shifted by words drawn from rng.
 * @throws when dims exceeds {@link SOBOL_MAX_DIMS}
 * @example sobolPoints(new Rng(1), 256, 2); // 256 points, every dyadic box of area 1/256 holds one
 */
export function sobolPoints(rng: Rng, n: number, dims: number): Float64Array {
  if (dims > SOBOL_MAX_DIMS) {
    throw new Error(`sobol: at most ${SOBOL_MAX_DIMS} dimensions (got ${dims})`);
  }
  const v = Array.from({ length: dims }, (_, k) => directions(k));
  const shift = Array.from({ length: dims }, () => rng.nextU32() >>> 0);
  const x = new Uint32Array(dims);
  const out = new Float64Array(n * dims);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < dims; k++) out[i * dims + k] = ((x[k] ^ shift[k]) >>> 0) / 2 ** BITS;
    // Gray code: flip the direction of the lowest zero bit of i
    let c = 0;
    while ((i >>> c) & 1) c++;
    for (let k = 0; k < dims; k++) x[k] = (x[k] ^ v[k][c]) >>> 0;
  }
  return out;
}
