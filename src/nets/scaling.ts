/**
 * Output scaling: nondimensionalising each field by the size of the problem's own data. A network
 * starts with outputs of order one (Glorot weights, tanh); a solution of order 1e3 (temperatures
 * in kelvin, say) is then out of reach: Adam moves every parameter by about its learning rate, and
 * a quasi-Newton phase started there stalls at the constant that splits the boundary values
 * (measured on bench/unseen/furnace.ts: rel L2 0.71). With `outputScale=data` the network's raw
 * output N_f is multiplied by s_f, the largest |value| of the field's value data (Dirichlet and
 * initial values, observations), so N_f is of order one again: u_f = s_f N_f. Fields whose data
 * are all zero (or which have none) keep s_f = 1, and so do fields whose data are zero up to
 * round-off: sin(4 pi) = -4.9e-16 on poisson1d's ends once made helmholtz2d's and poisson1d's
 * scale 5e-16, and the quasi-Newton line search failed at its first iteration.
 *
 * This is the output half of the usual nondimensionalisation (e.g. Wang, Wang & Perdikaris,
 * "An expert's guide to training physics-informed neural networks", 2023, section 3.1:
 * non-dimensionalise so inputs and outputs are of order one); the inputs are already mapped to
 * [-1, 1] inside every network (src/nets/network.ts).
 *
 * It is an output transform on the jet (every channel of field f times s_f), composed beneath a
 * hard-constraint transform when both are asked for (u = A + B s N), so the fused kernels, the
 * second-order phases, checkpoints and export see one transform as before.
 */
import { type Precision, fromData } from "../engine/index.js";
import { type Jet, disposeJet, mapLinear } from "../jet/jet.js";
import type { Problem } from "../problem/problem.js";
import type { SmoothOps } from "../problem/smooth.js";
import { Rng } from "../util/rng.js";
import type { FieldTransform, OutputTransform } from "./constraints.js";

/** How outputs are scaled: not at all, or by the problem's value data. */
export type OutputScaleKind = "none" | "data";

/** Points drawn per condition to measure its values (a fixed seed: the scales are reproducible). */
const PROBE_POINTS = 256;

/** Data no larger than this are zero up to round-off (sin(k pi) in float64 is ~1e-16 k). */
export const ROUND_OFF = 1e-10;

/**
 * The scale of each field: the largest |value| its value data take (Dirichlet and initial values
 * at PROBE_POINTS points drawn with a fixed seed, every observation), or 1 when that is zero or
 * there are none, or when it is round-off ({@link ROUND_OFF}).
 * @returns one positive scale per field, in the problem's field order
 * @example outputScales(furnace) // [1300]: u(0) = 300, u(1) = 1300
 */
export function outputScales(problem: Problem): number[] {
  const largest = problem.fields.map(() => 0);
  for (const [name, c] of Object.entries(problem.conditions)) {
    let field: string;
    switch (c.kind) {
      case "dirichlet":
        field = c.field;
        break;
      case "initial":
        if (c.derivative !== 0) continue;
        field = c.field;
        break;
      case "data":
        if (c.derivative !== "") continue;
        field = c.field;
        break;
      case "neumann":
      case "robin":
      case "operator":
      case "periodic":
        continue;
      default: {
        const never: never = c;
        throw new Error(`outputScales: unknown condition ${String(never)}`);
      }
    }
    const term = problem.terms.find((t) => t.name === name);
    const f = problem.fields.indexOf(field);
    if (!term || f < 0) continue;
    const b = term.sample(new Rng(0), PROBE_POINTS, "uniform");
    if (!b.target) continue;
    for (let i = 0; i < b.rows; i++) {
      const v = Math.abs(b.target[i]);
      if (Number.isFinite(v) && v > largest[f]) largest[f] = v;
    }
  }
  return largest.map((v) => (v > ROUND_OFF ? v : 1));
}

/** Every channel of field f times scales[f] (consumes the jet). */
function scaleJet(raw: Jet, scales: readonly number[], precision: Precision): Jet {
  const s = fromData(scales, [1, scales.length], precision);
  const out = mapLinear(raw, (ch) => ch.mul(s.ref));
  s.dispose();
  return out;
}

/**
 * The scaling transform u_f = s_f N_f, composed beneath `inner` (a hard-constraint transform,
 * u = A + B N) when one is given: u = A + B s N.
 * @param scales one scale per field
 * @param inner the transform applied to the scaled output, or null
 * @param precision the network's floating point
 * @example scaledTransform([1300], null, "float64")
 */
export function scaledTransform(
  scales: readonly number[],
  inner: OutputTransform | null,
  precision: Precision,
): OutputTransform {
  const fields: FieldTransform[] = scales.map((s, field) => {
    const t = inner?.fields?.find((ft) => ft.field === field);
    if (!t)
      return { field, A: <T>(o: SmoothOps<T>): T => o.c(0), B: <T>(o: SmoothOps<T>) => o.c(s) };
    return { field, A: t.A, B: <T>(o: SmoothOps<T>): T => o.mul(t.B(o), s) };
  });
  return {
    satisfies: inner?.satisfies ?? [],
    fields,
    inputs: inner?.inputs ?? [],
    apply(x, raw) {
      const scaled = scaleJet(raw, scales, precision);
      if (inner) return inner.apply(x, scaled);
      disposeJet(x);
      return scaled;
    },
  };
}
