/**
 * Known smooth functions written once and evaluated two ways: at a point (a number, for sampled
 * targets) and as a jet (value and every derivative, for hard-constraint output transforms, which
 * must differentiate the boundary and initial data exactly). A function is an expression over a
 * small algebra ({@link SmoothOps}); `smooth(...)` turns it into a {@link PointFn} that conditions
 * accept and that `src/nets/constraints.ts` can also lift to jets.
 *
 * Reference: the transforms that need these derivatives are those of Lagaris, Likas & Fotiadis
 * (1998) and Sukumar & Srivastava (2022), "Exact imposition of boundary conditions with distance
 * functions in physics-informed deep neural networks".
 */
import { np } from "../engine/index.js";
import {
  type Jet,
  addJets,
  disposeJet,
  elementwise,
  mapLinear,
  mulJets,
  refJet,
} from "../jet/jet.js";

/** The operations a known function is written with; T is a number or a jet. */
export interface SmoothOps<T> {
  /** The coordinate of a named input. */
  in(name: string): T;
  /** A constant. */
  c(v: number): T;
  add(a: T, b: T | number): T;
  sub(a: T, b: T | number): T;
  mul(a: T, b: T | number): T;
  sin(a: T): T;
  cos(a: T): T;
  exp(a: T): T;
  /** Square root (of a positive argument where derivatives are needed). */
  sqrt(a: T): T;
}

/** An expression over {@link SmoothOps}, generic in the carrier. */
export type SmoothExpr = <T>(o: SmoothOps<T>) => T;

/** A point function that also carries its expression (what `smooth` returns). */
export interface SmoothFn {
  (p: Readonly<Record<string, number>>): number;
  readonly smooth: SmoothExpr;
}

/** The pointwise algebra at named coordinates p (optionally with some inputs pinned). */
export function numberOps(p: Readonly<Record<string, number>>): SmoothOps<number> {
  return {
    in: (name) => {
      const v = p[name];
      if (v === undefined) throw new Error(`smooth: unknown input "${name}"`);
      return v;
    },
    c: (v) => v,
    add: (a, b) => a + b,
    sub: (a, b) => a - b,
    mul: (a, b) => a * b,
    sin: Math.sin,
    cos: Math.cos,
    exp: Math.exp,
    sqrt: Math.sqrt,
  };
}

/**
 * A condition value from an expression: callable at a point like any {@link PointFn}, and
 * liftable to jets for hard constraints.
 * @example initial("u", smooth((o) => o.mul(o.in("x"), o.cos(o.mul(o.in("x"), Math.PI)))))
 */
export function smooth(expr: SmoothExpr): SmoothFn {
  const f = (p: Readonly<Record<string, number>>) => expr(numberOps(p));
  return Object.assign(f, { smooth: expr });
}

/** True when a condition value carries an expression (or is a constant). */
export function isSmooth(v: unknown): v is SmoothFn | number {
  return typeof v === "number" || (typeof v === "function" && "smooth" in v);
}

/** Evaluate a constant or smooth value as an expression. */
export function asExpr(v: SmoothFn | number): SmoothExpr {
  if (typeof v === "number") return <T>(o: SmoothOps<T>) => o.c(v);
  return v.smooth;
}

/**
 * The jet algebra over an input jet x (channels [N, dims]) of a domain with the given input
 * names; `pinned` replaces inputs by constants (evaluating g(t0, x) inside a jet, say). Operations
 * never consume their operands; `finish(result)` returns the result and frees every intermediate.
 */
export function jetOps(
  x: Jet,
  inputs: readonly string[],
  pinned: Readonly<Record<string, number>> = {},
): { ops: SmoothOps<Jet>; finish(result: Jet): Jet } {
  const made: Jet[] = [];
  const keep = (j: Jet) => (made.push(j), j);
  const v0 = x.ch[0] as np.Array;
  const n = v0.shape[0];
  const dtype = v0.dtype;
  const constant = (v: number): Jet =>
    keep({
      layout: x.layout,
      ch: x.layout.channels.map((_, i) => (i === 0 ? np.full([n, 1], v, { dtype }) : null)),
    });
  const lift = (b: Jet | number): Jet => (typeof b === "number" ? constant(b) : b);
  const ops: SmoothOps<Jet> = {
    in(name) {
      if (Object.hasOwn(pinned, name)) return constant(pinned[name]);
      const i = inputs.indexOf(name);
      if (i < 0) throw new Error(`smooth: unknown input "${name}" (inputs: ${inputs.join(", ")})`);
      return keep(mapLinear(refJet(x), (ch) => ch.slice([], [i, i + 1])));
    },
    c: constant,
    add: (a, b) =>
      typeof b === "number"
        ? keep(mapLinear(refJet(a), (ch, i) => (i === 0 ? ch.add(b) : ch)))
        : keep(addJets(refJet(a), refJet(b))),
    sub: (a, b) =>
      typeof b === "number"
        ? keep(mapLinear(refJet(a), (ch, i) => (i === 0 ? ch.sub(b) : ch)))
        : keep(
            addJets(
              refJet(a),
              mapLinear(refJet(b), (ch) => ch.neg()),
            ),
          ),
    mul: (a, b) =>
      typeof b === "number"
        ? keep(mapLinear(refJet(a), (ch) => ch.mul(b)))
        : keep(mulJets(refJet(a), refJet(lift(b)))),
    sin: (a) =>
      keep(
        elementwise(refJet(a), (z, k) => {
          const s = np.sin(z.ref);
          const c = np.cos(z);
          const out = Array.from({ length: k + 1 }, (_, m) => {
            const base = m % 2 === 0 ? s : c;
            return m % 4 < 2 ? base.ref : base.ref.neg();
          });
          s.dispose();
          c.dispose();
          return out;
        }),
      ),
    cos: (a) =>
      keep(
        elementwise(refJet(a), (z, k) => {
          const s = np.sin(z.ref);
          const c = np.cos(z);
          // d^m cos = cos, -sin, -cos, sin, ...
          const out = Array.from({ length: k + 1 }, (_, m) => {
            const base = m % 2 === 0 ? c : s;
            return m % 4 === 0 || m % 4 === 3 ? base.ref : base.ref.neg();
          });
          s.dispose();
          c.dispose();
          return out;
        }),
      ),
    exp: (a) =>
      keep(
        elementwise(refJet(a), (z, k) => {
          const e = np.exp(z);
          const out = Array.from({ length: k + 1 }, () => e.ref);
          e.dispose();
          return out;
        }),
      ),
    sqrt: (a) =>
      keep(
        elementwise(refJet(a), (z, k) => {
          // d^m sqrt(z) = c_m z^(1/2 - m): 1, 1/2, -1/4, 3/8, -15/16
          const coef = [1, 0.5, -0.25, 0.375, -0.9375];
          const s = np.sqrt(z.ref);
          const inv = np.reciprocal(z);
          const out: np.Array[] = [s.ref];
          let pw = s;
          for (let m = 1; m <= k; m++) {
            pw = pw.mul(inv.ref);
            out.push(pw.ref.mul(coef[m]));
          }
          pw.dispose();
          inv.dispose();
          return out;
        }),
      ),
  };
  return {
    ops,
    finish(result) {
      const out = refJet(result);
      for (const j of made) disposeJet(j);
      return out;
    },
  };
}
