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
import { np } from "../engine/index.js";
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
    const z = r.ref.mul(scale);
    out[c.name] = c.positive ? np.exp(z).mul(c.init) : z.add(c.init);
  }
  return out;
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
