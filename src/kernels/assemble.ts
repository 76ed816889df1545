/**
 * The kernel runtime: one shared WebAssembly memory, an arena allocator over it, a pool of vector
 * constants, feature detection (SIMD, relaxed SIMD) and a cache of assembled modules.
 *
 * Every kernel is WAT text produced by a TypeScript generator (exact control over the emitted
 * instructions, see DESIGN.md "The fast path"), assembled here with the `wabt` package and
 * instantiated against the *same* imported memory. All buffers (weights, jets, gradients, packing
 * workspaces) therefore live in one address space and kernels pass plain byte offsets to each other:
 * no copies between modules, and JS reads results through typed-array views of the one buffer.
 *
 * Compilation is synchronous (`new WebAssembly.Module`), which Node allows for any size; only
 * loading wabt is asynchronous, so {@link KernelRuntime.create} is the one async step and every
 * kernel call afterwards is a plain synchronous function call.
 */
import wabtInit from "wabt";
import type { DType } from "./wat.js";

// TypeScript's ES2022 lib and @types/node do not declare the WebAssembly namespace (it lives in
// lib.dom), so the few pieces used here are typed locally instead of adding a global declaration
// that could clash with other parts of the project.

/** A WebAssembly linear memory (the subset used here). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}
interface WasmModuleObject {
  readonly __wasmModule?: never;
}
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmApi {
  Memory: new (d: { initial: number; maximum?: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModuleObject;
  Instance: new (
    m: WasmModuleObject,
    imports: Record<string, Record<string, unknown>>,
  ) => WasmInstance;
  validate(bytes: Uint8Array): boolean;
}

function wasmApi(): WasmApi {
  const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!api) throw new Error("pinnlab kernels: this runtime has no WebAssembly");
  return api;
}

/** Bytes in a WebAssembly page. */
export const PAGE_BYTES = 65536;
/** The wasm32 limit: 65536 pages = 4 GiB of linear memory. */
export const MAX_MEMORY_BYTES = 65536 * PAGE_BYTES;
/**
 * Bytes reserved at the bottom of the memory for vector constants. Kernels read constants with
 * `v128.load` from these fixed addresses: V8 rebuilds a `v128.const` on every loop iteration it
 * appears in (it has no constant pool for SIMD), while a load from a fixed address is one `movups`.
 */
export const CONST_POOL_BYTES = 65536;

/** Which SIMD instruction set a kernel is generated for. */
export type SimdVariant = "plain" | "relaxed";

/** What the running WebAssembly engine supports. */
export interface KernelFeatures {
  /** 128-bit SIMD (required by every kernel). */
  readonly simd: boolean;
  /** Relaxed SIMD (`f32x4.relaxed_madd`: fused multiply-add where the CPU has it). */
  readonly relaxedSimd: boolean;
}

type Wabt = Awaited<ReturnType<typeof wabtInit>>;
let wabtPromise: Promise<Wabt> | undefined;
let flagTried = false;

/**
 * Turn on V8's relaxed-SIMD flag (Node 20 ships it behind `--experimental-wasm-relaxed-simd`).
 * Checked on Node 20: setting the flag at run time, before the first relaxed module is compiled,
 * is enough. It is only set when validation fails without it, so newer engines are untouched;
 * outside Node (no `node:v8`) nothing happens and the plain build is used.
 */
async function enableRelaxedSimdFlag(): Promise<void> {
  if (flagTried) return;
  flagTried = true;
  try {
    // a specifier in a variable: bundlers leave it alone and the core type-checks without
    // Node's types (the browser build); in a browser the import fails and is ignored
    const spec = "node:v8";
    const v8 = (await import(/* @vite-ignore */ spec)) as {
      setFlagsFromString(flags: string): void;
    };
    v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
  } catch {
    // not Node: the feature probe below decides
  }
}

const PROBE_SIMD = `(module (func (export "f") (param v128 v128) (result v128)
  (f32x4.add (local.get 0) (local.get 1))))`;
const PROBE_RELAXED = `(module (func (export "f") (param v128 v128 v128) (result v128)
  (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2))))`;

/** Assemble WAT text to a wasm binary (SIMD and relaxed SIMD enabled in the assembler). */
export function assembleWat(wabt: Wabt, name: string, text: string): Uint8Array {
  const mod = wabt.parseWat(name, text, { simd: true, relaxed_simd: true });
  try {
    mod.resolveNames();
    mod.validate();
    return mod.toBinary({}).buffer;
  } finally {
    mod.destroy();
  }
}

let featuresPromise: Promise<KernelFeatures> | undefined;

/**
 * Detect SIMD and relaxed SIMD by validating two tiny modules (after enabling V8's relaxed-SIMD
 * flag where that is needed). Cached: the answer cannot change within a process.
 */
export function detectFeatures(): Promise<KernelFeatures> {
  featuresPromise ??= (async () => {
    const wabt = await loadWabt();
    const api = wasmApi();
    const simd = api.validate(assembleWat(wabt, "probe-simd.wat", PROBE_SIMD));
    const relaxedBytes = assembleWat(wabt, "probe-relaxed.wat", PROBE_RELAXED);
    let relaxedSimd = api.validate(relaxedBytes);
    if (!relaxedSimd) {
      await enableRelaxedSimdFlag();
      relaxedSimd = api.validate(relaxedBytes);
    }
    return { simd, relaxedSimd };
  })();
  return featuresPromise;
}

function loadWabt(): Promise<Wabt> {
  wabtPromise ??= wabtInit();
  return wabtPromise;
}

/** Round up to a multiple of `a` (a power of two). */
function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

function formatBytes(b: number): string {
  if (b >= 2 ** 30) return `${(b / 2 ** 30).toFixed(2)} GiB`;
  if (b >= 2 ** 20) return `${(b / 2 ** 20).toFixed(1)} MiB`;
  return `${b} bytes`;
}

/**
 * A bump allocator over the shared memory. Offsets are bytes, 16-byte aligned (so SIMD loads of a
 * buffer's start are aligned). Buffers are never freed one by one: owners allocate their
 * workspaces once and reuse them every step, so the memory stays flat; `mark`/`release` give
 * stack-like scratch for tests and one-off work.
 */
export class Arena {
  private top: number;

  /** @param memory the shared memory; @param base first byte the arena may hand out */
  constructor(
    private readonly memory: WasmMemory,
    base: number,
  ) {
    this.top = alignUp(base, 16);
  }

  /** Bytes handed out so far, counted from address 0 (constant pool included). */
  get used(): number {
    return this.top;
  }

  /**
   * Throw a clear error when `bytes` more would not fit under the 4 GiB wasm32 limit.
   * Call it with the total of a group of buffers before allocating any of them.
   */
  check(bytes: number, what = "kernel buffers"): void {
    const end = alignUp(this.top, 16) + bytes;
    if (!Number.isFinite(bytes) || bytes < 0)
      throw new Error(`kernel arena: invalid request of ${bytes} bytes for ${what}`);
    if (end > MAX_MEMORY_BYTES) {
      throw new Error(
        `kernel arena: ${what} need ${formatBytes(bytes)} (${bytes} bytes), but only ` +
          `${formatBytes(Math.max(0, MAX_MEMORY_BYTES - this.top))} of the 4 GiB WebAssembly ` +
          `memory limit are left (${formatBytes(this.top)} in use); use fewer points or a narrower network`,
      );
    }
  }

  /**
   * Allocate `bytes` (16-byte aligned), growing the memory when needed.
   * @returns the byte offset of the block
   * @throws when the 4 GiB limit would be exceeded or the engine refuses to grow
   */
  alloc(bytes: number, what = "kernel buffer"): number {
    this.check(bytes, what);
    const at = alignUp(this.top, 16);
    const end = at + alignUp(bytes, 16);
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE_BYTES);
      try {
        this.memory.grow(pages);
      } catch (e) {
        throw new Error(
          `kernel arena: could not grow WebAssembly memory to ${formatBytes(have + pages * PAGE_BYTES)} ` +
            `for ${what} (${bytes} bytes): ${(e as Error).message}`,
          { cause: e },
        );
      }
    }
    this.top = end;
    return at;
  }

  /** Allocate `n` float32s; returns the byte offset. */
  allocF32(n: number, what = "kernel buffer"): number {
    return this.alloc(4 * n, what);
  }

  /** Allocate `n` float64s; returns the byte offset. */
  allocF64(n: number, what = "kernel buffer"): number {
    return this.alloc(8 * n, what);
  }

  /** The current top, to hand back to {@link release}. */
  mark(): number {
    return this.top;
  }

  /** Free everything allocated since `mark` (stack discipline; the memory does not shrink). */
  release(mark: number): void {
    if (mark > this.top) throw new Error("kernel arena: release above the current top");
    this.top = mark;
  }
}

/** The exports of an instantiated kernel module: functions taking and returning numbers. */
export type KernelExports = Record<string, (...args: number[]) => number | undefined>;

/**
 * Owner of the shared memory, the arena, the constant pool and the module cache.
 * Create one with {@link KernelRuntime.create}; kernels of every kind are instantiated against it.
 */
export class KernelRuntime {
  /** The one memory every kernel module imports as `env.memory`. */
  readonly memory: WasmMemory;
  readonly arena: Arena;
  readonly features: KernelFeatures;
  /** The variant used when a caller does not ask for one: relaxed where supported. */
  readonly defaultVariant: SimdVariant;
  private readonly wabt: Wabt;
  private readonly modules = new Map<string, KernelExports>();
  private readonly constAddr = new Map<string, number>();
  private constTop = 16; // address 0 stays unused so a zero pointer is never a valid buffer

  private constructor(wabt: Wabt, features: KernelFeatures, initialBytes: number) {
    this.wabt = wabt;
    this.features = features;
    this.defaultVariant = features.relaxedSimd ? "relaxed" : "plain";
    const initial = Math.max(1, Math.ceil(Math.max(initialBytes, CONST_POOL_BYTES) / PAGE_BYTES));
    this.memory = new (wasmApi().Memory)({ initial, maximum: MAX_MEMORY_BYTES / PAGE_BYTES });
    this.arena = new Arena(this.memory, CONST_POOL_BYTES);
  }

  /**
   * Load wabt, detect features and create the memory.
   * @param opts.initialBytes memory to reserve up front (it grows on demand anyway)
   * @throws when the engine lacks 128-bit SIMD
   */
  static async create(opts: { initialBytes?: number } = {}): Promise<KernelRuntime> {
    const features = await detectFeatures();
    if (!features.simd)
      throw new Error("pinnlab kernels: this WebAssembly engine does not support 128-bit SIMD");
    return new KernelRuntime(await loadWabt(), features, opts.initialBytes ?? 16 * 2 ** 20);
  }

  /** Resolve "auto"/undefined to the default variant; reject relaxed where unsupported. */
  variant(v?: SimdVariant | "auto"): SimdVariant {
    if (v === undefined || v === "auto") return this.defaultVariant;
    if (v === "relaxed" && !this.features.relaxedSimd)
      throw new Error("pinnlab kernels: relaxed SIMD is not supported by this engine");
    return v;
  }

  /**
   * Address of a 16-byte vector constant in the pool, deduplicated by bit pattern.
   * @param value a float32 value splat to four lanes
   * @returns byte address (for `v128.load` / `f32.load` from a fixed address)
   */
  vconst(value: number): number {
    const f = new Float32Array([value, value, value, value]);
    return this.vconstLanes(f);
  }

  /** Address of a vector constant given its four lanes as float32 bit patterns. */
  vconstLanes(lanes: Float32Array): number {
    return this.vconstWords(new Uint32Array(lanes.buffer, lanes.byteOffset, 4));
  }

  /**
   * Address of a 16-byte vector constant in the pool holding a float64 value in both lanes.
   * @param value a float64 value splat to two lanes
   */
  vconst64(value: number): number {
    return this.vconstLanes64(new Float64Array([value, value]));
  }

  /** Address of a vector constant given its two lanes as float64 bit patterns. */
  vconstLanes64(lanes: Float64Array): number {
    return this.vconstWords(new Uint32Array(lanes.buffer, lanes.byteOffset, 4));
  }

  /** Address of a 16-byte constant given as four 32-bit words (deduplicated by the words). */
  private vconstWords(words: Uint32Array): number {
    const key = Array.from(words).join(",");
    const have = this.constAddr.get(key);
    if (have !== undefined) return have;
    if (this.constTop + 16 > CONST_POOL_BYTES)
      throw new Error("kernel runtime: the vector constant pool is full");
    const at = this.constTop;
    this.constTop += 16;
    new Uint32Array(this.memory.buffer, at, 4).set(words);
    this.constAddr.set(key, at);
    return at;
  }

  /**
   * Assemble, compile and instantiate a module once per key; later calls return the cached exports.
   * @param key identifies the configuration (kernel kind, variant, layout, ...)
   * @param generate produces the WAT text (called only on a cache miss)
   */
  module(key: string, generate: () => string): KernelExports {
    const have = this.modules.get(key);
    if (have) return have;
    const text = generate();
    let bytes: Uint8Array;
    try {
      bytes = assembleWat(this.wabt, `${key}.wat`, text);
    } catch (e) {
      throw new Error(`kernel ${key}: WAT did not assemble: ${(e as Error).message}`, {
        cause: e,
      });
    }
    const api = wasmApi();
    const inst = new api.Instance(new api.Module(bytes), { env: { memory: this.memory } });
    const exports: KernelExports = {};
    for (const [name, f] of Object.entries(inst.exports)) {
      if (typeof f === "function") exports[name] = f as (...args: number[]) => number | undefined;
    }
    this.modules.set(key, exports);
    return exports;
  }

  /** Number of modules compiled so far (for tests of the cache). */
  get moduleCount(): number {
    return this.modules.size;
  }

  /**
   * A float32 view of `n` elements at byte offset `ptr`. Views are invalidated (detached) when the
   * memory grows, so take a fresh one after any allocation instead of keeping it.
   */
  f32(ptr: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, n);
  }

  /** A float64 view of `n` elements at byte offset `ptr` (detached when the memory grows). */
  f64(ptr: number, n: number): Float64Array {
    return new Float64Array(this.memory.buffer, ptr, n);
  }

  /** A view of `n` elements of the given type at byte offset `ptr`. */
  view(dtype: DType, ptr: number, n: number): Float32Array | Float64Array {
    return dtype === "f64" ? this.f64(ptr, n) : this.f32(ptr, n);
  }

  /** Allocate a float32 buffer and copy `data` into it; returns the byte offset. */
  upload(data: ArrayLike<number>, what = "kernel buffer"): number {
    const p = this.arena.allocF32(data.length, what);
    this.f32(p, data.length).set(data);
    return p;
  }

  /** Allocate a float64 buffer and copy `data` into it; returns the byte offset. */
  upload64(data: ArrayLike<number>, what = "kernel buffer"): number {
    const p = this.arena.allocF64(data.length, what);
    this.f64(p, data.length).set(data);
    return p;
  }
}

/** The `(import "env" "memory" ...)` line every kernel module starts with. */
export const MEMORY_IMPORT = `(import "env" "memory" (memory 1))`;
