/**
 * Small helpers for writing WAT from TypeScript: a function builder with fresh locals, counted
 * loops, and a "lane" abstraction that emits the same arithmetic either on f32x4 vectors (the main
 * loop) or on scalar f32 (the tail of a buffer whose length is not a multiple of 4). Writing each
 * element-wise kernel once against {@link Lane} keeps the vector body and its scalar tail
 * identical, so arbitrary lengths are handled without padding buffers.
 */

/** A WAT value type used by the kernels. */
export type ValType = "i32" | "i64" | "f32" | "v128";

/**
 * Builds one function body: straight-line statements plus declared locals. Locals are cheap
 * (V8's optimising compiler turns them into SSA values), so every intermediate gets a fresh one.
 */
export class FnBuilder {
  private readonly decls: string[] = [];
  private readonly lines: string[] = [];
  private n = 0;

  /** Declare a fresh local; returns its name including the `$`. */
  local(type: ValType, hint = "t"): string {
    const name = `$${hint}${this.n++}`;
    this.decls.push(`(local ${name} ${type})`);
    return name;
  }

  /** Evaluate `expr` into a fresh local; returns `(local.get $x)`. */
  let(type: ValType, expr: string, hint = "t"): string {
    const name = this.local(type, hint);
    this.lines.push(`(local.set ${name} ${expr})`);
    return `(local.get ${name})`;
  }

  /** Append raw statements. */
  emit(...lines: string[]): void {
    this.lines.push(...lines);
  }

  /** Take the statements emitted so far (and clear them), e.g. to wrap them in a loop. */
  take(): string {
    const s = this.lines.join("\n");
    this.lines.length = 0;
    return s;
  }

  /** The local declarations. */
  get locals(): string {
    return this.decls.join(" ");
  }
}

let labelCounter = 0;

/**
 * A counted loop `for (v = start; v < end; v += step) body` over i32 locals (unsigned compare, so
 * byte offsets up to 4 GiB work). `end` and `step` are WAT expressions evaluated every iteration, so pass
 * locals or constants.
 */
export function forLoop(v: string, start: string, end: string, step: string, body: string): string {
  const id = labelCounter++;
  return `(local.set ${v} ${start})
(block $done${id} (loop $loop${id}
  (br_if $done${id} (i32.ge_u (local.get ${v}) ${end}))
  ${body}
  (local.set ${v} (i32.add (local.get ${v}) ${step}))
  (br $loop${id})))`;
}

/** `(i32.const k)`. */
export const i32 = (k: number): string => `(i32.const ${k | 0})`;
/** `(local.get $x)`. */
export const get = (name: string): string => `(local.get ${name})`;

/** Address of the vector constants a generator needs (the runtime's constant pool). */
export interface ConstPool {
  /** Address of a float32 value splat over four lanes. */
  vconst(value: number): number;
  /** Address of four float32 lanes given as bit patterns. */
  vconstLanes(lanes: Float32Array): number;
}

/** Arithmetic on one lane type: f32x4 vectors ("v128") or scalar f32, same code for both. */
export interface Lane {
  /** The WAT type of a float value. */
  readonly type: "v128" | "f32";
  /** The WAT type of an integer value (i32x4 lives in v128). */
  readonly itype: "v128" | "i32";
  /** Elements per value (4 or 1) and bytes per value (16 or 4). */
  readonly width: number;
  readonly bytes: number;
  load(addr: string, offset?: number): string;
  store(addr: string, v: string, offset?: number): string;
  add(a: string, b: string): string;
  sub(a: string, b: string): string;
  mul(a: string, b: string): string;
  div(a: string, b: string): string;
  min(a: string, b: string): string;
  max(a: string, b: string): string;
  neg(a: string): string;
  abs(a: string): string;
  sqrt(a: string): string;
  nearest(a: string): string;
  /** a * b + c; fused (relaxed_madd) in the relaxed vector variant. */
  madd(a: string, b: string, c: string): string;
  /** A float constant, loaded from the pool (never an inline v128.const, see assemble.ts). */
  c(x: number): string;
  /** Mask a < b. */
  lt(a: string, b: string): string;
  /** m ? a : b for a mask from {@link lt}. */
  select(m: string, a: string, b: string): string;
  /** |mag| with the sign of sgn. */
  copysign(mag: string, sgn: string): string;
  /** Float (already integral) to int. */
  toInt(a: string): string;
  /** An integer constant. */
  ic(k: number): string;
  iadd(a: string, b: string): string;
  iand(a: string, b: string): string;
  ishl(a: string, k: number): string;
  /** Reinterpret int bits as float. */
  bitsToFloat(a: string): string;
  /** Float with its bits xor-ed by the int `m`. */
  xorBits(f: string, m: string): string;
  /** A select mask from an int that is 0 or 1. */
  bitMask(a: string): string;
}

function intBits(k: number): Float32Array {
  const u = new Uint32Array([k >>> 0, k >>> 0, k >>> 0, k >>> 0]);
  return new Float32Array(u.buffer);
}

/** The f32x4 lane; `relaxed` makes {@link Lane.madd} a `f32x4.relaxed_madd`. */
export function vectorLane(pool: ConstPool, relaxed: boolean): Lane {
  const off = (o?: number) => (o ? ` offset=${o}` : "");
  return {
    type: "v128",
    itype: "v128",
    width: 4,
    bytes: 16,
    load: (a, o) => `(v128.load${off(o)} ${a})`,
    store: (a, v, o) => `(v128.store${off(o)} ${a} ${v})`,
    add: (a, b) => `(f32x4.add ${a} ${b})`,
    sub: (a, b) => `(f32x4.sub ${a} ${b})`,
    mul: (a, b) => `(f32x4.mul ${a} ${b})`,
    div: (a, b) => `(f32x4.div ${a} ${b})`,
    min: (a, b) => `(f32x4.min ${a} ${b})`,
    max: (a, b) => `(f32x4.max ${a} ${b})`,
    neg: (a) => `(f32x4.neg ${a})`,
    abs: (a) => `(f32x4.abs ${a})`,
    sqrt: (a) => `(f32x4.sqrt ${a})`,
    nearest: (a) => `(f32x4.nearest ${a})`,
    madd: (a, b, c) =>
      relaxed ? `(f32x4.relaxed_madd ${a} ${b} ${c})` : `(f32x4.add (f32x4.mul ${a} ${b}) ${c})`,
    c: (x) => `(v128.load (i32.const ${pool.vconst(x)}))`,
    lt: (a, b) => `(f32x4.lt ${a} ${b})`,
    select: (m, a, b) => `(v128.bitselect ${a} ${b} ${m})`,
    copysign: (mag, sgn) =>
      `(v128.bitselect ${sgn} ${mag} (v128.load (i32.const ${pool.vconstLanes(intBits(0x80000000))})))`,
    toInt: (a) => `(i32x4.trunc_sat_f32x4_s ${a})`,
    ic: (k) => `(v128.load (i32.const ${pool.vconstLanes(intBits(k))}))`,
    iadd: (a, b) => `(i32x4.add ${a} ${b})`,
    iand: (a, b) => `(v128.and ${a} ${b})`,
    ishl: (a, k) => `(i32x4.shl ${a} (i32.const ${k}))`,
    bitsToFloat: (a) => a,
    xorBits: (f, m) => `(v128.xor ${f} ${m})`,
    bitMask: (a) => `(i32x4.neg ${a})`,
  };
}

/** The scalar f32 lane (for tails); constants come from the same pool (lane 0 of a vector). */
export function scalarLane(pool: ConstPool): Lane {
  const off = (o?: number) => (o ? ` offset=${o}` : "");
  return {
    type: "f32",
    itype: "i32",
    width: 1,
    bytes: 4,
    load: (a, o) => `(f32.load${off(o)} ${a})`,
    store: (a, v, o) => `(f32.store${off(o)} ${a} ${v})`,
    add: (a, b) => `(f32.add ${a} ${b})`,
    sub: (a, b) => `(f32.sub ${a} ${b})`,
    mul: (a, b) => `(f32.mul ${a} ${b})`,
    div: (a, b) => `(f32.div ${a} ${b})`,
    min: (a, b) => `(f32.min ${a} ${b})`,
    max: (a, b) => `(f32.max ${a} ${b})`,
    neg: (a) => `(f32.neg ${a})`,
    abs: (a) => `(f32.abs ${a})`,
    sqrt: (a) => `(f32.sqrt ${a})`,
    nearest: (a) => `(f32.nearest ${a})`,
    // never fused, so the tail matches the plain vector variant bit for bit
    madd: (a, b, c) => `(f32.add (f32.mul ${a} ${b}) ${c})`,
    c: (x) => `(f32.load (i32.const ${pool.vconst(x)}))`,
    lt: (a, b) => `(f32.lt ${a} ${b})`,
    select: (m, a, b) => `(select ${a} ${b} ${m})`,
    copysign: (mag, sgn) => `(f32.copysign ${mag} ${sgn})`,
    toInt: (a) => `(i32.trunc_sat_f32_s ${a})`,
    ic: (k) => `(i32.const ${k | 0})`,
    iadd: (a, b) => `(i32.add ${a} ${b})`,
    iand: (a, b) => `(i32.and ${a} ${b})`,
    ishl: (a, k) => `(i32.shl ${a} (i32.const ${k}))`,
    bitsToFloat: (a) => `(f32.reinterpret_i32 ${a})`,
    xorBits: (f, m) => `(f32.reinterpret_i32 (i32.xor (i32.reinterpret_f32 ${f}) ${m}))`,
    bitMask: (a) => a,
  };
}

/**
 * An element-wise loop over `n` elements: the vector body on groups of four, then the scalar body
 * on the remaining 0-3 elements. `body(lane, f, off)` emits one step reading and writing at byte
 * offset `off` (an i32 expression) from each buffer's base.
 * @returns WAT statements; `n` and the locals named are the caller's
 */
export function elementwiseLoop(
  f: FnBuilder,
  vec: Lane,
  sca: Lane,
  n: string,
  body: (lane: Lane, off: string) => void,
): string {
  const i = f.local("i32", "i");
  const end = f.local("i32", "end");
  const saved = f.take();
  body(vec, get(i));
  const vbody = f.take();
  body(sca, get(i));
  const sbody = f.take();
  const id = labelCounter++;
  return `${saved}
(local.set ${end} (i32.shl (i32.and ${n} (i32.const -4)) (i32.const 2)))
${forLoop(i, i32(0), get(end), i32(16), vbody)}
(local.set ${end} (i32.shl ${n} (i32.const 2)))
(block $tdone${id} (loop $tail${id}
  (br_if $tdone${id} (i32.ge_u (local.get ${i}) (local.get ${end})))
  ${sbody}
  (local.set ${i} (i32.add (local.get ${i}) (i32.const 4)))
  (br $tail${id})))`;
}
