/**
 * Small helpers for writing WAT from TypeScript: a function builder with fresh locals, counted
 * loops, and a "lane" abstraction that emits the same arithmetic either on vectors (f32x4 or
 * f64x2, the main loop) or on scalars (f32 or f64, the tail of a buffer whose length is not a
 * multiple of the lane count). Writing each element-wise kernel once against {@link Lane} keeps
 * the vector body and its scalar tail identical, so arbitrary lengths are handled without padding
 * buffers, and the same generator serves float32 and float64.
 */

/** A WAT value type used by the kernels. */
export type ValType = "i32" | "i64" | "f32" | "f64" | "v128";

/** Element type of a kernel build: float32 (f32x4 SIMD) or float64 (f64x2 SIMD). */
export type DType = "f32" | "f64";

/** What a generator needs to know about an element type. */
export interface DTypeInfo {
  readonly dtype: DType;
  /** Bytes per element (4 or 8) and its log2 (the shift from an element index to bytes). */
  readonly bytes: 4 | 8;
  readonly shift: 2 | 3;
  /** Elements per 128-bit vector. */
  readonly lanes: 4 | 2;
  /** Vector shape prefix ("f32x4", "f64x2") and scalar type ("f32", "f64"). */
  readonly v: "f32x4" | "f64x2";
  readonly s: "f32" | "f64";
}

/** The two element types. */
export const DTYPES: Readonly<Record<DType, DTypeInfo>> = {
  f32: { dtype: "f32", bytes: 4, shift: 2, lanes: 4, v: "f32x4", s: "f32" },
  f64: { dtype: "f64", bytes: 8, shift: 3, lanes: 2, v: "f64x2", s: "f64" },
};

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
  /** Address of a float64 value splat over two lanes. */
  vconst64(value: number): number;
  /** Address of two 64-bit lanes given as float64 bit patterns. */
  vconstLanes64(lanes: Float64Array): number;
}

/**
 * Arithmetic on one lane type: vectors ("v128": f32x4 or f64x2) or scalars (f32 or f64), same
 * code for all. Integer values have the element's width (i32 lanes for f32, i64 lanes for f64).
 */
export interface Lane {
  /** The element type. */
  readonly dtype: DType;
  /** The WAT type of a float value. */
  readonly type: "v128" | "f32" | "f64";
  /** The WAT type of an integer value (i32x4 / i64x2 live in v128). */
  readonly itype: "v128" | "i32" | "i64";
  /** Elements per value (4, 2 or 1) and bytes per value (16, 8 or 4). */
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
  /** Float (already integral; |x| < 2^31 for f32, 2^51 for f64) to int. */
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

/**
 * The vector lane (f32x4, or f64x2 for `dtype` "f64"); `relaxed` makes {@link Lane.madd} a
 * `relaxed_madd`.
 */
export function vectorLane(pool: ConstPool, relaxed: boolean, dtype: DType = "f32"): Lane {
  if (dtype === "f64") return vectorLane64(pool, relaxed);
  const off = (o?: number) => (o ? ` offset=${o}` : "");
  return {
    dtype: "f32",
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

/**
 * The scalar lane (f32, or f64 for `dtype` "f64") for tails; constants come from the same pool
 * (lane 0 of a vector).
 */
export function scalarLane(pool: ConstPool, dtype: DType = "f32"): Lane {
  if (dtype === "f64") return scalarLane64(pool);
  const off = (o?: number) => (o ? ` offset=${o}` : "");
  return {
    dtype: "f32",
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

function int64Bits(k: number): Float64Array {
  const b = BigInt.asIntN(64, BigInt(k));
  return new Float64Array(new BigInt64Array([b, b]).buffer);
}

/** 1.5 * 2^52: adding it rounds |x| < 2^51 to an integer held in the low mantissa bits. */
const MAGIC64 = 6755399441055744;

function vectorLane64(pool: ConstPool, relaxed: boolean): Lane {
  const off = (o?: number) => (o ? ` offset=${o}` : "");
  const ld = (addr: number) => `(v128.load (i32.const ${addr}))`;
  return {
    dtype: "f64",
    type: "v128",
    itype: "v128",
    width: 2,
    bytes: 16,
    load: (a, o) => `(v128.load${off(o)} ${a})`,
    store: (a, v, o) => `(v128.store${off(o)} ${a} ${v})`,
    add: (a, b) => `(f64x2.add ${a} ${b})`,
    sub: (a, b) => `(f64x2.sub ${a} ${b})`,
    mul: (a, b) => `(f64x2.mul ${a} ${b})`,
    div: (a, b) => `(f64x2.div ${a} ${b})`,
    min: (a, b) => `(f64x2.min ${a} ${b})`,
    max: (a, b) => `(f64x2.max ${a} ${b})`,
    neg: (a) => `(f64x2.neg ${a})`,
    abs: (a) => `(f64x2.abs ${a})`,
    sqrt: (a) => `(f64x2.sqrt ${a})`,
    nearest: (a) => `(f64x2.nearest ${a})`,
    madd: (a, b, c) =>
      relaxed ? `(f64x2.relaxed_madd ${a} ${b} ${c})` : `(f64x2.add (f64x2.mul ${a} ${b}) ${c})`,
    c: (x) => ld(pool.vconst64(x)),
    lt: (a, b) => `(f64x2.lt ${a} ${b})`,
    select: (m, a, b) => `(v128.bitselect ${a} ${b} ${m})`,
    copysign: (mag, sgn) =>
      `(v128.bitselect ${sgn} ${mag} ${ld(pool.vconstLanes64(int64Bits(-(2 ** 63))))})`,
    // SIMD has no f64x2 -> i64x2 conversion: x + 1.5 * 2^52 puts the integer in the low bits
    toInt: (a) =>
      `(i64x2.sub (f64x2.add ${a} ${ld(pool.vconst64(MAGIC64))}) ${ld(pool.vconst64(MAGIC64))})`,
    ic: (k) => ld(pool.vconstLanes64(int64Bits(k))),
    iadd: (a, b) => `(i64x2.add ${a} ${b})`,
    iand: (a, b) => `(v128.and ${a} ${b})`,
    ishl: (a, k) => `(i64x2.shl ${a} (i32.const ${k}))`,
    bitsToFloat: (a) => a,
    xorBits: (f, m) => `(v128.xor ${f} ${m})`,
    bitMask: (a) => `(i64x2.neg ${a})`,
  };
}

function scalarLane64(pool: ConstPool): Lane {
  const off = (o?: number) => (o ? ` offset=${o}` : "");
  return {
    dtype: "f64",
    type: "f64",
    itype: "i64",
    width: 1,
    bytes: 8,
    load: (a, o) => `(f64.load${off(o)} ${a})`,
    store: (a, v, o) => `(f64.store${off(o)} ${a} ${v})`,
    add: (a, b) => `(f64.add ${a} ${b})`,
    sub: (a, b) => `(f64.sub ${a} ${b})`,
    mul: (a, b) => `(f64.mul ${a} ${b})`,
    div: (a, b) => `(f64.div ${a} ${b})`,
    min: (a, b) => `(f64.min ${a} ${b})`,
    max: (a, b) => `(f64.max ${a} ${b})`,
    neg: (a) => `(f64.neg ${a})`,
    abs: (a) => `(f64.abs ${a})`,
    sqrt: (a) => `(f64.sqrt ${a})`,
    nearest: (a) => `(f64.nearest ${a})`,
    // never fused, so the tail matches the plain vector variant bit for bit
    madd: (a, b, c) => `(f64.add (f64.mul ${a} ${b}) ${c})`,
    c: (x) => `(f64.load (i32.const ${pool.vconst64(x)}))`,
    lt: (a, b) => `(f64.lt ${a} ${b})`,
    select: (m, a, b) => `(select ${a} ${b} ${m})`,
    copysign: (mag, sgn) => `(f64.copysign ${mag} ${sgn})`,
    toInt: (a) => `(i64.trunc_sat_f64_s ${a})`,
    ic: (k) => `(i64.const ${k})`,
    iadd: (a, b) => `(i64.add ${a} ${b})`,
    iand: (a, b) => `(i64.and ${a} ${b})`,
    ishl: (a, k) => `(i64.shl ${a} (i64.const ${k}))`,
    bitsToFloat: (a) => `(f64.reinterpret_i64 ${a})`,
    xorBits: (f, m) => `(f64.reinterpret_i64 (i64.xor (i64.reinterpret_f64 ${f}) ${m}))`,
    bitMask: (a) => `(i32.wrap_i64 ${a})`,
  };
}

/**
 * An element-wise loop over `n` elements: the vector body on groups of `vec.width` (4 or 2), then
 * the scalar body on the remaining elements. `body(lane, f, off)` emits one step reading and writing at byte
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
  if (vec.dtype !== sca.dtype) throw new Error("elementwiseLoop: vector and scalar lanes differ");
  const shift = DTYPES[sca.dtype].shift;
  const i = f.local("i32", "i");
  const end = f.local("i32", "end");
  const saved = f.take();
  body(vec, get(i));
  const vbody = f.take();
  body(sca, get(i));
  const sbody = f.take();
  const id = labelCounter++;
  return `${saved}
(local.set ${end} (i32.shl (i32.and ${n} (i32.const ${-vec.width})) (i32.const ${shift})))
${forLoop(i, i32(0), get(end), i32(vec.bytes), vbody)}
(local.set ${end} (i32.shl ${n} (i32.const ${shift})))
(block $tdone${id} (loop $tail${id}
  (br_if $tdone${id} (i32.ge_u (local.get ${i}) (local.get ${end})))
  ${sbody}
  (local.set ${i} (i32.add (local.get ${i}) (i32.const ${sca.bytes})))
  (br $tail${id})))`;
}
