/**
 * Conditions: initial, initial time-derivative, Dirichlet, Neumann, periodic and data. Each is a
 * plain object (a discriminated union on `kind`); `defineProblem` turns each into a named loss
 * term. Constructors validate what they can on their own; the rest is checked against the domain
 * in `defineProblem`, with errors naming the condition.
 */
import type { Face } from "../geometry/box.js";

/** A target value: a constant or a function of the point's named coordinates. */
export type PointFn = number | ((p: Readonly<Record<string, number>>) => number);

/** u(t0, x) = value(x), or with `derivative: 1`, u_t(t0, x) = value(x) (second order in time). */
export interface InitialCondition {
  readonly kind: "initial";
  readonly field: string;
  readonly value: PointFn;
  readonly derivative: 0 | 1;
}

/** u = value on the listed faces. */
export interface DirichletCondition {
  readonly kind: "dirichlet";
  readonly field: string;
  readonly on: readonly Face[];
  readonly value: PointFn;
}

/** Outward normal derivative du/dn = value on the listed faces. */
export interface NeumannCondition {
  readonly kind: "neumann";
  readonly field: string;
  readonly on: readonly Face[];
  readonly value: PointFn;
}

/** u and its derivatives up to `derivatives` in `input` agree at both ends of that input's range. */
export interface PeriodicCondition {
  readonly kind: "periodic";
  readonly field: string;
  readonly input: string;
  readonly derivatives: number;
}

/** u(points[i]) = values[i] at scattered points (rows in the domain's input order). */
export interface DataCondition {
  readonly kind: "data";
  readonly field: string;
  readonly points: readonly (readonly number[])[];
  readonly values: readonly number[];
}

/** Any condition. */
export type Condition =
  InitialCondition | DirichletCondition | NeumannCondition | PeriodicCondition | DataCondition;

/** u(t0, .) = value. @example initial("u", (p) => -Math.sin(Math.PI * p.x)) */
export function initial(field: string, value: PointFn): InitialCondition {
  return { kind: "initial", field, value, derivative: 0 };
}

/** u_t(t0, .) = value, for equations second order in time (wave, Klein-Gordon). */
export function initialRate(field: string, value: PointFn): InitialCondition {
  return { kind: "initial", field, value, derivative: 1 };
}

/** u = value on faces. @example dirichlet("u", [{ input: "x", side: "min" }], 0) */
export function dirichlet(field: string, on: readonly Face[], value: PointFn): DirichletCondition {
  return { kind: "dirichlet", field, on, value };
}

/** du/dn = value on faces (n the outward normal). */
export function neumann(field: string, on: readonly Face[], value: PointFn): NeumannCondition {
  return { kind: "neumann", field, on, value };
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
): DataCondition {
  if (points.length !== values.length) {
    throw new Error(`data(${field}): ${points.length} points but ${values.length} values`);
  }
  if (points.length === 0) throw new Error(`data(${field}): no points`);
  return { kind: "data", field, points, values };
}
