/**
 * The maths a residual is written with: {@link Value}s (per-point arrays [N] that the arithmetic
 * never consumes) and the operators `sin`, `cos`, `exp`, `tanh`, `pow`, `sqrt`, `log`, `abs`, ...
 * over them. A residual written with these reads like the equation and may use any value any
 * number of times; reference counting (jax-js consumes every array argument) stays inside pinnlab.
 *
 * How: every value belongs to a {@link Scope}, one per residual evaluation. An operation takes new
 * references to its operands (so they stay alive) and registers its result in the scope; when the
 * residual returns, the scope takes one reference to the result and frees everything it made.
 * Under `jit` the arrays are tracers and the same discipline holds, so nothing leaks per step.
 *
 * Every operator also accepts plain numbers (then it returns a number), so source terms and
 * coefficients mix freely: `mul(2, sin(x))`, `pow(d("u"), 3)`.
 *
 * Reference: the ownership model is jax-js's (`.ref` / consumption), see DESIGN.md "The engine".
 */
import { np } from "../engine/index.js";
import { Coefficient } from "./coefficients.js";

/** A value, a plain number or a trainable coefficient. */
export type Operand = Value | number | Coefficient;

/**
 * Owns the arrays made during one residual evaluation. Internal to pinnlab (`defineProblem` and
 * the condition terms make one per evaluation); exported for tests and custom terms.
 */
export class Scope {
  private readonly owned: np.Array[] = [];
  private closed = false;
  /** Coefficients met (a definition-time dry run collects them here). */
  readonly seen = new Map<string, Coefficient>();

  /**
   * @param coefs the coefficients' current values (scalars, not consumed); absent in a dry run,
   *   where a coefficient reads as its initial value
   */
  constructor(private readonly coefs: Readonly<Record<string, np.Array>> | null = null) {}

  /**
   * An operand as something jax-js arithmetic takes: a new reference to a value's array, the
   * number itself, or a coefficient's current value.
   */
  operand(b: Operand): np.Array | number {
    if (b instanceof Value) return b.array();
    if (b instanceof Coefficient) {
      const prev = this.seen.get(b.name);
      if (prev && prev !== b) throw new Error(`two coefficients are named "${b.name}"`);
      this.seen.set(b.name, b);
      if (!this.coefs) return b.init;
      const v = this.coefs[b.name] as np.Array | undefined;
      if (!v) throw new Error(`coefficient "${b.name}" has no value here (not trainable here)`);
      return v.ref;
    }
    return b;
  }

  /**
   * Wrap an array (taking ownership of the reference given) as a value of this scope.
   * @param a array [N]
   * @example const v = scope.wrap(np.zeros([4]));
   */
  wrap(a: np.Array): Value {
    if (this.closed) throw new Error("internal: value made after its residual returned");
    this.owned.push(a);
    return new Value(this, a);
  }

  /**
   * The result of a residual as an owned array (one new reference), then free every array of the
   * scope. A plain np.Array result is returned as is (it is the caller's already).
   * @example const r = scope.close(residual(ctx));
   */
  close(result: Value | np.Array): np.Array {
    const out = result instanceof Value ? result.array() : result;
    this.dispose();
    return out;
  }

  /** Free every array of the scope (idempotent). */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const a of this.owned) a.dispose();
    this.owned.length = 0;
  }
}

/**
 * A per-point array [N] inside a residual: a field, a derivative, a coordinate or anything
 * computed from them. Operations never consume their operands.
 */
export class Value {
  /** @internal */
  constructor(
    readonly scope: Scope,
    private readonly arr: np.Array,
  ) {}

  /** The array's shape ([N]). */
  get shape(): readonly number[] {
    return this.arr.shape;
  }

  /**
   * A new reference to the underlying array, owned by the caller (for code that uses jax-js
   * directly; pass it back with `scope.wrap` or return it from the residual).
   */
  array(): np.Array {
    return this.arr.ref;
  }

  /** this + b. @example d("u", "t").add(d("u", "xx")) */
  add(b: Operand): Value {
    return this.scope.wrap(this.arr.ref.add(this.scope.operand(b)));
  }
  /** this - b. */
  sub(b: Operand): Value {
    return this.scope.wrap(this.arr.ref.sub(this.scope.operand(b)));
  }
  /** this * b. */
  mul(b: Operand): Value {
    return this.scope.wrap(this.arr.ref.mul(this.scope.operand(b)));
  }
  /** this / b. */
  div(b: Operand): Value {
    return this.scope.wrap(this.arr.ref.div(this.scope.operand(b)));
  }
  /** -this. */
  neg(): Value {
    return this.scope.wrap(this.arr.ref.neg());
  }
  /** this^p (see {@link pow}). */
  pow(p: number): Value {
    return pow(this, p);
  }
  /** this^2. */
  square(): Value {
    return this.scope.wrap(np.square(this.arr.ref));
  }
}

/** Lift a unary jax-js function to values and numbers. */
function unary(
  name: string,
  onArray: (a: np.Array) => np.Array,
  onNumber: (x: number) => number,
): { (a: Value): Value; (a: number): number; (a: Value | number): Value | number } {
  const f = (a: Value | number): Value | number => {
    if (typeof a === "number") return onNumber(a);
    if (!(a instanceof Value)) throw new TypeError(`${name}: expected a value or a number`);
    return a.scope.wrap(onArray(a.array()));
  };
  return f as { (a: Value): Value; (a: number): number; (a: Value | number): Value | number };
}

/** Lift a binary operation to values and numbers (at least one operand a value gives a value). */
function binary(
  name: string,
  onValue: (a: Value, b: Operand) => Value,
  onNumbers: (a: number, b: number) => number,
  swapped: (a: Operand, b: Value) => Value,
): {
  (a: number, b: number): number;
  (a: Operand, b: Operand): Value;
} {
  const f = (a: Operand, b: Operand): Operand => {
    if (a instanceof Value) return onValue(a, b);
    if (b instanceof Value) return swapped(a, b);
    if (typeof a === "number" && typeof b === "number") return onNumbers(a, b);
    throw new TypeError(`${name}: needs a value (d(...) or x(...)) among its operands`);
  };
  return f as { (a: number, b: number): number; (a: Operand, b: Operand): Value };
}

/** sin, element-wise. @example sin(x("x").mul(Math.PI)) */
export const sin = unary("sin", (a) => np.sin(a), Math.sin);
/** cos, element-wise. @example cos(x("t")) */
export const cos = unary("cos", (a) => np.cos(a), Math.cos);
/** tan, element-wise. @example tan(x("x")) */
export const tan = unary("tan", (a) => np.tan(a), Math.tan);
/** exp, element-wise. @example exp(x("t").neg()) */
export const exp = unary("exp", (a) => np.exp(a), Math.exp);
/** Natural logarithm, element-wise. @example log(x("x").add(2)) */
export const log = unary("log", (a) => np.log(a), Math.log);
/** Square root, element-wise. @example sqrt(add(pow(x("x"), 2), pow(x("y"), 2))) */
export const sqrt = unary("sqrt", (a) => np.sqrt(a), Math.sqrt);
/** tanh, element-wise. @example tanh(d("u")) */
export const tanh = unary("tanh", (a) => np.tanh(a), Math.tanh);
/** sinh, element-wise. @example sinh(x("x")) */
export const sinh = unary("sinh", (a) => np.sinh(a), Math.sinh);
/** cosh, element-wise. @example cosh(x("x")) */
export const cosh = unary("cosh", (a) => np.cosh(a), Math.cosh);
/** Absolute value, element-wise. @example abs(d("u")) */
export const abs = unary("abs", (a) => np.abs(a), Math.abs);

/** a + b. @example add(d("u", "xx"), d("u", "yy")) */
export const add = binary(
  "add",
  (a, b) => a.add(b),
  (a, b) => a + b,
  (a, b) => b.add(a),
);
/** a - b. @example sub(d("u", "t"), d("u", "xx")) */
export const sub = binary(
  "sub",
  (a, b) => a.sub(b),
  (a, b) => a - b,
  (a, b) => b.neg().add(a),
);
/** a * b. @example mul(0.01 / Math.PI, d("u", "xx")) */
export const mul = binary(
  "mul",
  (a, b) => a.mul(b),
  (a, b) => a * b,
  (a, b) => b.mul(a),
);
/** a / b. @example div(1, x("x").add(1)) */
export const div = binary(
  "div",
  (a, b) => a.div(b),
  (a, b) => a / b,
  (a, b) => b.scope.wrap(np.reciprocal(b.array()).mul(b.scope.operand(a))),
);

/** -a. @example neg(d("u")) */
export function neg(a: Value): Value;
export function neg(a: number): number;
export function neg(a: Value | number): Value | number {
  return typeof a === "number" ? -a : a.neg();
}

/**
 * a^p for a constant exponent: integer powers are repeated products (exact, every sign of a),
 * p = 1/2 is `sqrt`, any other p is exp(p log a) (a > 0).
 * @example pow(d("u"), 3)
 */
export function pow(a: Value, p: number): Value;
export function pow(a: number, p: number): number;
export function pow(a: Value | number, p: number): Value | number {
  if (typeof a === "number") return a ** p;
  if (!Number.isFinite(p)) throw new Error(`pow: exponent ${p} is not finite`);
  if (p === 0.5) return sqrt(a);
  if (Number.isInteger(p)) {
    if (p === 0) return a.mul(0).add(1);
    const n = Math.abs(p);
    // square-and-multiply on values (never consuming)
    let result: Value | null = null;
    let base = a;
    let k = n;
    while (k > 0) {
      if (k & 1) result = result ? result.mul(base) : base;
      k >>= 1;
      if (k > 0) base = base.mul(base);
    }
    const r = result as Value;
    return p < 0 ? div(1, r) : r === a ? a.mul(1) : r;
  }
  return exp(log(a).mul(p));
}
