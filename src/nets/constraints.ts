/**
 * Hard constraints: output transforms that satisfy initial and Dirichlet conditions exactly, and
 * exact periodicity through the periodic embedding. For a field u with raw network output N,
 *
 *   initial only:      u = g0(x) + tau(t) N,                 tau = (t - t0) / (t1 - t0)
 *   Dirichlet only:    u = gb(t, x) + D(x) N
 *   initial+Dirichlet: u = g0(x) + gb(t, x) - gb(t0, x) + tau(t) D(x) N
 *   with the rate:     u = g0(x) + (t - t0) g1(x) [+ D(x)] tau(t)^2 N      (u_t(t0) = g1 exact)
 *
 * where D is a product of normalised distances to the constrained faces ((x - lo)(hi - x) 4 /
 * (hi - lo)^2 for both ends of an input, (x - lo) / (hi - lo) or (hi - x) / (hi - lo) for one),
 * so D = 0 exactly on them. On a non-box domain (or named boundary pieces) D is the approximate
 * distance function of the selected pieces joined by the R-conjunction (Sukumar & Srivastava
 * 2022; src/geometry/shapes.ts). The combined form meets both conditions when the data agree at the
 * corners (gb(t0, face) = g0(face)), the compatibility any solution needs. The rate form (an
 * initial rate u_t(t0) = g1 imposed too, for equations second order in time; Lagaris et al. 1998,
 * section 3) needs the value u(t0) hard as well, and a constant Dirichlet value, which must then
 * equal g0 on the faces with g1 = 0 there. g0, g1 and gb must be
 * constants or `smooth(...)` expressions, which are lifted to jets so every derivative the
 * residual reads is exact; the product rule is the jet's Leibniz rule.
 *
 * The transform acts on the network's output *jet*, so with the fused-kernel backend the kernels
 * still compute the raw network's jets and jax-js applies the transform in the residual algebra.
 *
 * References: Lagaris, Likas & Fotiadis (1998), "Artificial neural networks for solving ordinary
 * and partial differential equations"; Sukumar & Srivastava (2022), "Exact imposition of boundary
 * conditions with distance functions in physics-informed deep neural networks"; Dong & Ni (2021)
 * for the periodic embedding.
 */
import { type Box, type Face, spatialFaces } from "../geometry/box.js";
import { selectPieces, spatialInputs, spatialShape } from "../geometry/domain.js";
import { type Jet, concatJets, disposeJet, mapLinear, refJet } from "../jet/jet.js";
import type { Condition, On } from "../problem/conditions.js";
import type { Problem } from "../problem/problem.js";
import { type SmoothExpr, type SmoothOps, asExpr, isSmooth, jetOps } from "../problem/smooth.js";
import type { Network } from "./network.js";

/** An output transform on jets: (input jet, raw output jet) -> constrained output jet. */
export interface OutputTransform {
  /** Consumes both jets; channels [N, dims] and [N, fields]. */
  apply(x: Jet, raw: Jet): Jet;
  /** The condition names it satisfies exactly. */
  readonly satisfies: readonly string[];
  /**
   * The transform as expressions u_f = A_f + B_f N_f over the named inputs, for export
   * (src/export/); absent when a transform has no such description.
   */
  readonly fields?: readonly FieldTransform[];
  /** The input names the expressions read. */
  readonly inputs?: readonly string[];
}

/** A field's transform u = A + B * N, as expressions (fields not listed pass through). */
export interface FieldTransform {
  readonly field: number;
  readonly A: SmoothExpr;
  readonly B: SmoothExpr;
}

/** What a hard-constraint selection compiles to. */
export interface HardPlan {
  /** The output transform, or null when only periodic conditions were selected. */
  readonly transform: OutputTransform | null;
  /** Inputs whose periodicity the embedding makes exact. */
  readonly periodicInputs: readonly string[];
  /** Condition names that are exact and leave the loss. */
  readonly exact: readonly string[];
}

/** The selection as faces of a plain box domain, or null (a shaped domain, or piece names). */
function boxFaces(domain: Box, on: On): Face[] | null {
  if (domain.shape) return null;
  const faces: Face[] = [];
  for (const sel of on) {
    if (typeof sel !== "string") faces.push(sel);
    else if (sel === "boundary") faces.push(...spatialFaces(domain));
    else {
      const m = /^([A-Za-z])\.(min|max)$/.exec(sel);
      if (!m) return null;
      faces.push({ input: m[1], side: m[2] as Face["side"] });
    }
  }
  return faces;
}

/**
 * The approximate distance function of the selected boundary pieces: each piece's ADF (exact
 * zero on it, positive inside) joined by the R-conjunction phi1 + phi2 - sqrt(phi1^2 + phi2^2),
 * which vanishes exactly where one of them does (Sukumar & Srivastava 2022, section 3).
 */
function adfDistance(domain: Box, on: On, where: string): SmoothExpr {
  const shape = spatialShape(domain);
  const pieces = selectPieces(shape, on, where).map((i) => shape.pieces[i]);
  const space = spatialInputs(domain);
  return <T>(o: SmoothOps<T>): T => {
    let phi: T | null = null;
    for (const p of pieces) {
      const f = p.adf(o, space);
      phi = phi === null ? f : o.sub(o.add(phi, f), o.sqrt(o.add(o.mul(phi, phi), o.mul(f, f))));
    }
    return phi as T;
  };
}

/** Normalised distance to the constrained faces, as an expression. */
function distance(domain: Box, faces: readonly { input: string; side: "min" | "max" }[]) {
  const byInput = new Map<string, Set<string>>();
  for (const f of faces) {
    const s = byInput.get(f.input) ?? new Set<string>();
    s.add(f.side);
    byInput.set(f.input, s);
  }
  return <T>(o: SmoothOps<T>): T => {
    let d: T | null = null;
    for (const [input, sides] of byInput) {
      const k = domain.inputs.indexOf(input);
      const lo = domain.lo[k];
      const hi = domain.hi[k];
      const x = o.in(input);
      const L = hi - lo;
      const f =
        sides.size === 2
          ? o.mul(o.mul(o.sub(x, lo), o.sub(o.c(hi), x)), 4 / (L * L))
          : sides.has("min")
            ? o.mul(o.sub(x, lo), 1 / L)
            : o.mul(o.sub(o.c(hi), x), 1 / L);
      d = d === null ? f : o.mul(d, f);
    }
    return d ?? o.c(1);
  };
}

/**
 * Compile a selection of conditions to impose exactly.
 * @param names condition names (from the `hard` training key)
 * @throws naming `hard` and the condition when it cannot be imposed exactly
 * @example
 * const plan = hardPlan(convection.build({ beta: 30 }), ["ic", "bc"]);
 * // plan.transform: u = sin x + t N; plan.periodicInputs: ["x"]
 */
export function hardPlan(problem: Problem, names: readonly string[]): HardPlan {
  const { domain } = problem;
  const periodicInputs: string[] = [];
  const byField = new Map<
    number,
    {
      ic?: SmoothExpr;
      rate?: { name: string; expr: SmoothExpr };
      bc?: { name: string; expr: SmoothExpr; D: SmoothExpr; constant: boolean };
    }
  >();
  for (const name of names) {
    const c = problem.conditions[name] as Condition | undefined;
    if (!c) {
      const conds = Object.keys(problem.conditions).join(", ");
      throw new Error(`hard: no condition named "${name}" (conditions: ${conds})`);
    }
    const fi = c.kind === "operator" ? -1 : problem.fields.indexOf(c.field);
    const slot = byField.get(fi) ?? {};
    switch (c.kind) {
      case "periodic":
        periodicInputs.push(c.input);
        break;
      case "initial": {
        if (!isSmooth(c.value)) {
          throw new Error(`hard: ${name}'s value must be a constant or smooth(...) expression`);
        }
        if (c.derivative === 1) {
          if (slot.rate) throw new Error(`hard: two initial rates on ${c.field}`);
          slot.rate = { name, expr: asExpr(c.value) };
          break;
        }
        if (slot.ic) throw new Error(`hard: two initial conditions on ${c.field}`);
        slot.ic = asExpr(c.value);
        break;
      }
      case "dirichlet": {
        if (!isSmooth(c.value)) {
          throw new Error(`hard: ${name}'s value must be a constant or smooth(...) expression`);
        }
        if (slot.bc) throw new Error(`hard: one hard Dirichlet condition per field (${c.field})`);
        const faces = boxFaces(domain, c.on);
        slot.bc = {
          name,
          constant: typeof c.value === "number",
          expr: asExpr(c.value),
          D: faces ? distance(domain, faces) : adfDistance(domain, c.on, `hard: ${name}`),
        };
        break;
      }
      case "neumann":
      case "robin":
      case "operator":
      case "data":
        throw new Error(
          `hard: ${name} is a ${c.kind} condition; only initial, Dirichlet and periodic conditions can be exact`,
        );
      default: {
        const never: never = c;
        throw new Error(`hard: unknown condition ${String(never)}`);
      }
    }
    byField.set(fi, slot);
  }
  const time = domain.time;
  const fields: FieldTransform[] = [];
  for (const [field, { ic, rate, bc }] of byField) {
    if (rate && !ic) {
      throw new Error(
        `hard: ${rate.name} fixes u_t at t0 exactly only with u(t0) hard too (add the value's initial condition to hard)`,
      );
    }
    if (rate && bc && !bc.constant) {
      throw new Error(
        `hard: ${rate.name} with ${bc.name} needs a constant Dirichlet value (a time-dependent one would need its own t-derivative); leave ${rate.name} soft`,
      );
    }
    if (!ic && !bc) continue;
    let t0 = 0;
    let t1 = 1;
    if (ic) {
      if (time === null) throw new Error("hard: an initial condition needs a time input");
      const k = domain.inputs.indexOf(time);
      t0 = domain.lo[k];
      t1 = domain.hi[k];
    }
    const tau = <T>(o: SmoothOps<T>): T => o.mul(o.sub(o.in(time as string), t0), 1 / (t1 - t0));
    const D = bc ? bc.D : null;
    let A: SmoothExpr;
    let B: SmoothExpr;
    if (ic && rate) {
      // u = g0 + (t - t0) g1 + [D] tau^2 N: u(t0) = g0 and u_t(t0) = g1 exactly; a constant
      // Dirichlet value gb = g0(face) (compatibility) needs no correction term
      const g0 = ic;
      const g1 = rate.expr;
      A = <T>(o: SmoothOps<T>): T => o.add(g0(o), o.mul(o.sub(o.in(time as string), t0), g1(o)));
      B = D
        ? <T>(o: SmoothOps<T>): T => o.mul(o.mul(tau(o), tau(o)), D(o))
        : <T>(o: SmoothOps<T>): T => o.mul(tau(o), tau(o));
    } else if (ic && bc && D) {
      const g0 = ic;
      const gb = bc.expr;
      A = <T>(o: SmoothOps<T>): T => o.add(g0(o), o.sub(gb(o), gb(pinTime(o, time as string, t0))));
      B = <T>(o: SmoothOps<T>): T => o.mul(tau(o), D(o));
    } else if (ic) {
      A = ic;
      B = tau;
    } else {
      A = (bc as { expr: SmoothExpr }).expr;
      B = D as SmoothExpr;
    }
    fields.push({ field, A, B });
  }
  const exact = names.filter((n) => problem.conditions[n] !== undefined);
  if (fields.length === 0) return { transform: null, periodicInputs, exact };
  const inputs = domain.inputs;
  const m = problem.fields.length;
  return {
    periodicInputs,
    exact,
    transform: {
      satisfies: exact.filter((n) => problem.conditions[n].kind !== "periodic"),
      fields,
      inputs,
      apply(x, raw) {
        const cols: Jet[] = [];
        for (let f = 0; f < m; f++) {
          const col =
            m === 1 ? refJet(raw) : mapLinear(refJet(raw), (ch) => ch.slice([], [f, f + 1]));
          const t = fields.find((ft) => ft.field === f);
          if (!t) {
            cols.push(col);
            continue;
          }
          const { ops, finish } = jetOps(x, inputs);
          const u = ops.add(t.A(ops), ops.mul(t.B(ops), col));
          cols.push(finish(u));
          disposeJet(col);
        }
        disposeJet(raw);
        disposeJet(x);
        return cols.length === 1 ? cols[0] : concatJets(cols);
      },
    },
  };
}

/** The same algebra with the time input pinned to a constant (evaluates g(t0, x)). */
function pinTime<T>(o: SmoothOps<T>, time: string, t0: number): SmoothOps<T> {
  return { ...o, in: (name) => (name === time ? o.c(t0) : o.in(name)) };
}

/**
 * A network whose outputs pass through a transform. `transform` stays visible so that backends
 * that compute the raw network's jets elsewhere (the fused kernels) apply it themselves.
 */
export function constrainNetwork(net: Network, transform: OutputTransform): Network {
  return {
    ...net,
    transform,
    applyJet: (params, x) => transform.apply(refJet(x), net.applyJet(params, x)),
  };
}
