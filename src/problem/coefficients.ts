/**
 * Trainable PDE coefficients for inverse problems: `param("nu", { init: 0.05, positive: true })`
 * is used in residuals and boundary operators like a number (`d("u", "xx").mul(nu)`) and learned
 * jointly with the network (Raissi, Perdikaris & Karniadakis 2019, "Physics-informed neural
 * networks", section 4: data-driven discovery). Each coefficient is one extra leaf of the
 * parameter tree (src/nets/coefficients.ts), so Adam, L-BFGS and checkpoints carry it.
 */

/** How a coefficient is declared. */
export interface CoefficientOptions {
  /** The starting value. */
  readonly init: number;
  /** Keep it positive: learned as init * exp(raw) (a diffusivity, a viscosity). */
  readonly positive?: boolean;
}

/** A trainable scalar coefficient. */
export class Coefficient {
  /** @internal */
  constructor(
    readonly name: string,
    readonly init: number,
    readonly positive: boolean,
  ) {}
}

/**
 * A trainable scalar coefficient named `name` (logged, checkpointed and reported under it).
 * @throws when the name is not an identifier, init is not finite, or positive with init <= 0
 * @example
 * const nu = param("nu", { init: 0.05, positive: true });
 * residuals: { res: ({ d }) => d("u", "t").add(d("u").mul(d("u", "x"))).sub(d("u", "xx").mul(nu)) }
 */
export function param(name: string, o: CoefficientOptions): Coefficient {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`param("${name}"): bad name`);
  if (!Number.isFinite(o.init)) throw new Error(`param("${name}").init must be finite`);
  const positive = o.positive ?? false;
  if (positive && !(o.init > 0)) throw new Error(`param("${name}"): positive needs init > 0`);
  return new Coefficient(name, o.init, positive);
}
