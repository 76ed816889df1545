/**
 * Conditions: initial, initial time-derivative, Dirichlet, Neumann (the true normal derivative on
 * any boundary), Robin, a general boundary operator, periodic and data (values or derivatives at
 * points). Each is a plain object (a discriminated union on `kind`); `defineProblem` turns each
 * into a named loss term. Constructors validate what they can on their own; the rest is checked
 * against the domain in `defineProblem`, with errors naming the condition.
 */
import type { Face } from "../geometry/box.js";
import type { Value } from "./maths.js";
import type { Coefficient } from "./coefficients.js";
import type { ResidualContext } from "./problem.js";

/**
 * Where a boundary condition applies: a box face `{ input, side }`, or a boundary piece's name
 * ("x.min", "edge3", "circle"), a group name given to a shape ("outer", "hole"), or "boundary"
 * (every piece of the spatial boundary).
 */
export type On = readonly (Face | string)[];

/** A target value: a constant or a function of the point's named coordinates. */
export type PointFn = number | ((p: Readonly<Record<string, number>>) => number);

/** u(t0, x) = value(x), or with `derivative: 1`, u_t(t0, x) = value(x) (second order in time). */
export interface InitialCondition {
  readonly kind: "initial";
  readonly field: string;
  readonly value: PointFn;
  readonly derivative: 0 | 1;
}

/** u = value on the listed faces or boundary pieces. */
export interface DirichletCondition {
  readonly kind: "dirichlet";
  readonly field: string;
  readonly on: On;
  readonly value: PointFn;
}

/** Outward normal derivative du/dn = grad u . n = value on the listed faces or pieces. */
export interface NeumannCondition {
  readonly kind: "neumann";
  readonly field: string;
  readonly on: On;
  readonly value: PointFn;
}

/** Robin: a u + b du/dn = value on the listed faces or pieces. */
export interface RobinCondition {
  readonly kind: "robin";
  readonly field: string;
  readonly on: On;
  /** Constants, or trainable coefficients (an unknown transfer coefficient, say). */
  readonly a: number | Coefficient;
  readonly b: number | Coefficient;
  readonly value: PointFn;
}

/** What a boundary operator sees: a residual's context plus the outward unit normal. */
export interface BoundaryContext extends ResidualContext {
  /** The component of the outward unit normal along a spatial input, [N]. */
  normal(input: string): Value;
}

/** Any expression driven to zero on a boundary (u_xx = 0 at a beam's free end, ...). */
export interface OperatorCondition {
  readonly kind: "operator";
  readonly on: On;
  readonly residual: (c: BoundaryContext) => Value;
}

/** u and its derivatives up to `derivatives` in `input` agree at both ends of that input's range. */
export interface PeriodicCondition {
  readonly kind: "periodic";
  readonly field: string;
  readonly input: string;
  readonly derivatives: number;
}

/**
 * u(points[i]) = values[i] at scattered points (rows in the domain's input order); with
 * `derivative` ("x", "xx", ...) the named derivative of u is observed instead.
 */
export interface DataCondition {
  readonly kind: "data";
  readonly field: string;
  readonly points: readonly (readonly number[])[];
  readonly values: readonly number[];
  readonly derivative: string;
}

/** Any condition. */
export type Condition =
  | InitialCondition
  | DirichletCondition
  | NeumannCondition
  | RobinCondition
  | OperatorCondition
  | PeriodicCondition
  | DataCondition;

/** u(t0, .) = value. @example initial("u", (p) => -Math.sin(Math.PI * p.x)) */
export function initial(field: string, value: PointFn): InitialCondition {
  return { kind: "initial", field, value, derivative: 0 };
}

/** u_t(t0, .) = value, for equations second order in time (wave, Klein-Gordon). */
export function initialRate(field: string, value: PointFn): InitialCondition {
  return { kind: "initial", field, value, derivative: 1 };
}

/** A single selector as a list. */
const list = (on: On | Face | string): On =>
  typeof on === "string" || !Array.isArray(on) ? [on as Face | string] : (on as On);

/**
 * u = value on faces or boundary pieces.
 * @example dirichlet("u", [{ input: "x", side: "min" }], 0); dirichlet("u", "outer", 0)
 */
export function dirichlet(
  field: string,
  on: On | Face | string,
  value: PointFn,
): DirichletCondition {
  return { kind: "dirichlet", field, on: list(on), value };
}

/**
 * du/dn = value on faces or boundary pieces (n the outward unit normal of the domain).
 * @example neumann("u", "hole", 0)
 */
export function neumann(field: string, on: On | Face | string, value: PointFn): NeumannCondition {
  return { kind: "neumann", field, on: list(on), value };
}

/**
 * Robin: a u + b du/dn = value on faces or pieces (DeepXDE's RobinBC; the sound-hard and
 * impedance conditions of scattering problems are of this form).
 * @example robin("u", "x.max", { a: 1, b: 1 }, 0) // u + u_x = 0 at the right end
 */
export function robin(
  field: string,
  on: On | Face | string,
  coef: { readonly a: number | Coefficient; readonly b: number | Coefficient },
  value: PointFn,
): RobinCondition {
  const bad = (v: number | Coefficient) => typeof v === "number" && !Number.isFinite(v);
  if (bad(coef.a) || bad(coef.b) || (coef.a === 0 && coef.b === 0)) {
    throw new Error(`robin(${field}): a and b must be finite and not both zero`);
  }
  return { kind: "robin", field, on: list(on), a: coef.a, b: coef.b, value };
}

/**
 * Any residual expression driven to zero on a boundary: derivatives of any order, any fields,
 * the normal's components.
 * @example boundaryOperator("x.max", ({ d }) => d("u", "xx")) // a free end: u_xx = 0
 */
export function boundaryOperator(
  on: On | Face | string,
  residual: (c: BoundaryContext) => Value,
): OperatorCondition {
  return { kind: "operator", on: list(on), residual };
}

/** Periodicity of u and its first `derivatives` derivatives in `input` (default: value and slope). */
export function periodic(field: string, input: string, derivatives = 1): PeriodicCondition {
  if (!Number.isInteger(derivatives) || derivatives < 0 || derivatives > 3) {
    throw new Error(`periodic(${field}, ${input}).derivatives must be an integer in 0..3`);
  }
  return { kind: "periodic", field, input, derivatives };
}

/** Observations of a field at scattered points. */
export function data(
  field: string,
  points: readonly (readonly number[])[],
  values: readonly number[],
  opts: { readonly derivative?: string } = {},
): DataCondition {
  if (points.length !== values.length) {
    throw new Error(`data(${field}): ${points.length} points but ${values.length} values`);
  }
  if (points.length === 0) throw new Error(`data(${field}): no points`);
  return { kind: "data", field, points, values, derivative: opts.derivative ?? "" };
}
