/**
 * Trainable coefficients as extra leaves of the parameter tree: `params.coef[name]` is a raw
 * scalar starting at 0, and the coefficient's value is
 *
 *   init + s raw            (any sign)          init exp(s raw)       (positive)
 *
 * with s = coefLr / lr. Adam moves a raw leaf by about lr per step, so the value moves by about
 * coefLr (absolutely, or relatively when positive): the coefficients' own learning rate without a
 * second optimiser, and L-BFGS, flattening and checkpoints carry them as any other leaf. Raissi,
 * Perdikaris & Karniadakis (2019), section 4 (data-driven discovery of PDEs).
 */
import { type Precision, fromData, np } from "../engine/index.js";
import type { Coefficient } from "../problem/coefficients.js";
import type { NetParams, Network } from "./network.js";

/**
 * A network whose parameter tree also holds the coefficients, and that reports their values.
 * @param scale s = coefLr / lr
 * @example const net2 = withCoefficients(net, problem.coefficients, c.coefLr / c.lr);
 */
export function withCoefficients(
  net: Network,
  coefs: readonly Coefficient[],
  scale: number,
): Network {
  if (coefs.length === 0) return net;
  const dtype = net.config.precision === "float64" ? np.float64 : np.float32;
  return {
    ...net,
    init(seed) {
      const p = net.init(seed);
      const coef: Record<string, np.Array> = {};
      for (const c of coefs) coef[c.name] = np.zeros([], { dtype });
      return { ...p, coef };
    },
    coefficients: (params: NetParams) => coefficientValues(coefs, params.coef ?? {}, scale),
  };
}

/**
 * The coefficients' values from their raw leaves: init + s raw, or init exp(s raw) when positive.
 * What a network made by {@link withCoefficients} computes, and what the fused-kernel backend
 * computes from the raw values it carries outside any parameter tree.
 * @param raw raw scalar per coefficient name (not consumed)
 * @param scale s = coefLr / lr
 * @returns fresh scalars the caller owns
 * @throws when a coefficient has no raw leaf
 * @example const { nu } = coefficientValues(problem.coefficients, params.coef, c.coefLr / c.lr);
 */
export function coefficientValues(
  coefs: readonly Coefficient[],
  raw: Readonly<Record<string, np.Array>>,
  scale: number,
): Record<string, np.Array> {
  const out: Record<string, np.Array> = {};
  for (const c of coefs) {
    const r = raw[c.name] as np.Array | undefined;
    if (!r) throw new Error(`coefficient "${c.name}" is missing from the parameters`);
    // constants in the raw leaf's precision: a bare JS number is rounded to float32 inside jit
    const precision: Precision = r.dtype === np.float64 ? "float64" : "float32";
    const k = (v: number) => fromData([v], [], precision);
    const z = r.ref.mul(k(scale));
    if (!c.positive) out[c.name] = z.add(k(c.init));
    else out[c.name] = (precision === "float64" ? exp64(z) : np.exp(z)).mul(k(c.init));
  }
  return out;
}

/**
 * exp(z) of a float64 scalar to ~1e-13 relative from +, * only (jax-js's jitted float64 exp is
 * float32-accurate, ~5e-8): exp(z) = exp(z / 256)^256, a 14-term Taylor series on |z / 256| <=
 * 0.16 (|z| <= 40, far beyond any coefficient's range) and 8 squarings. Consumes z.
 */
function exp64(z: np.Array): np.Array {
  const k = (v: number) => fromData([v], [], "float64");
  const y = z.mul(k(1 / 256));
  // Horner: 1 + y (1 + y/2 (1 + y/3 (... (1 + y/14))))
  let p = k(1);
  for (let n = 14; n >= 1; n--)
    p = p
      .mul(y.ref)
      .mul(k(1 / n))
      .add(k(1));
  y.dispose();
  for (let i = 0; i < 8; i++) p = p.ref.mul(p);
  return p;
}

/**
 * The coefficients' current values as numbers (undefined for a network without coefficients).
 * @param params not consumed
 * @example const values = await readCoefficients(net, params); // { nu: 0.4999 }
 */
export async function readCoefficients(
  net: Network,
  params: NetParams,
): Promise<Record<string, number> | undefined> {
  const cv = net.coefficients?.(params);
  if (!cv) return undefined;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(cv)) out[k] = (await v.data())[0];
  return out;
}
