/**
 * Row-major GEMM (float32 on f32x4, or float64 on f64x2) in the three shapes a training step needs:
 *   forward          C (+)= A · B     A [M, K], B [K, N]
 *   weight gradient  C (+)= Aᵀ · B    A [K, M], B [K, N]
 *   input gradient   C (+)= A · Bᵀ    A [M, K], B [N, K]
 * all with C [M, N] and leading dimensions (row strides, in elements) for each operand.
 *
 * Structure (BLIS / Goto): cache blocks NC x KC of B are packed into NR-wide panels, MC x KC blocks
 * of A into MR-tall panels, and a register-blocked micro-kernel multiplies one A panel by one B
 * panel into an MR x NR tile of C held in MR * NR / lanes vector accumulators (4 lanes of f32x4,
 * 2 of f64x2). Packing turns both
 * transposed operands into the same contiguous panel layout, so one micro-kernel serves all three
 * shapes, and it zero-pads edge panels, so the micro-kernel always runs full tiles; partial tiles
 * at the right and bottom edges go through a small scratch tile (copy in, compute, copy out).
 *
 * Choices measured on V8 11.3 (DESIGN.md, "The fast path", and re-measured for this rewrite):
 * - tile 2x16 for plain SIMD and 4x8 with relaxed FMA. V8 has ~15 usable xmm registers, and its
 *   TurboFan scheduler hoists all of an iteration's A broadcasts above the multiply-adds, so a
 *   tile needs room for MR*NR/4 accumulators + NR/4 B vectors + MR broadcasts at once: 2x16 and
 *   4x8 take 14 registers. The 5x8 and 6x8 tiles DESIGN.md mentions spilled accumulators to the
 *   stack every iteration here (seen in --print-wasm-code) and ran at ~23-26 GFLOP/s against
 *   ~44-46 for 2x16 / 4x8 (interleaved runs, shared machine, sum of the three training shapes at
 *   8192x64x64);
 * - the k loop is *not* unrolled (V8 then hoists the loads of the unrolled copies and spills);
 * - float64: the same structure on f64x2 (half the flops per instruction, so ~half the GFLOP/s);
 *   the register budget gives 4x4 tiles (8 accumulators, 2 B vectors, 4 broadcasts) with and
 *   without FMA, measured fastest among 2x8, 3x4, 2x6, 4x6, 2x4 and 1x8 (`pinnlab bench gemm
 *   --precision float64`, docs/BENCHMARKS.md);
 * - the A element is broadcast with `v128.load32_splat` (`load64_splat` for f64; one instruction);
 * - the whole blocked driver runs inside wasm: a JS call per tile would cost more than the tile;
 * - C with fewer than 4 columns (an output layer with 1-3 fields) takes dedicated dot-product /
 *   axpy kernels instead (see `skinnyKernels`): measured ~0.31 -> ~0.1-0.19 ms at 8192 x 1 x 64.
 */
import { type KernelRuntime, type SimdVariant, MEMORY_IMPORT } from "./assemble.js";
import { type DType, type DTypeInfo, DTYPES, forLoop, get, i32 } from "./wat.js";

/** Register tile and cache blocking of a GEMM build. */
export interface GemmConfig {
  /** Rows of the register tile (A panel height). */
  readonly mr: number;
  /** Columns of the register tile (B panel width); a multiple of the lane count (4 or 2). */
  readonly nr: number;
  /** Use `relaxed_madd` (fused multiply-add where the CPU has it) in the micro-kernel. */
  readonly relaxed: boolean;
  /** Cache block of M (rounded up to a multiple of mr). */
  readonly mc: number;
  /** Cache block of K. */
  readonly kc: number;
  /** Cache block of N (rounded up to a multiple of nr). */
  readonly nc: number;
  /** Element type (default "f32": f32x4; "f64": f64x2). */
  readonly dtype?: DType;
}

/**
 * The default configuration of a variant and element type (see the module comment for why).
 * float64 holds 2 lanes per vector, so a tile of float32's register budget is half as wide: 4x4
 * (8 accumulators, 2 B vectors, 4 broadcasts) was the fastest measured with and without FMA at
 * 8192x64x64 (2x8, 3x4, 2x6 within ~10%; 4x6 spills), see docs/BENCHMARKS.md.
 */
export function defaultGemmConfig(variant: SimdVariant, dtype: DType = "f32"): GemmConfig {
  if (dtype === "f64")
    return { mr: 4, nr: 4, relaxed: variant === "relaxed", mc: 120, kc: 256, nc: 256, dtype };
  return variant === "relaxed"
    ? { mr: 4, nr: 8, relaxed: true, mc: 120, kc: 256, nc: 256 }
    : { mr: 2, nr: 16, relaxed: false, mc: 120, kc: 256, nc: 256 };
}

function normalise(c: GemmConfig): GemmConfig {
  if (!Number.isInteger(c.mr) || c.mr < 1 || c.mr > 8)
    throw new Error(`gemm: mr ${c.mr} not in 1..8`);
  const lanes = DTYPES[c.dtype ?? "f32"].lanes;
  if (!Number.isInteger(c.nr) || c.nr < 4 || c.nr > 16 || c.nr % lanes !== 0)
    throw new Error(`gemm: nr ${c.nr} must be a multiple of ${lanes} in 4..16`);
  return {
    ...c,
    mc: Math.ceil(c.mc / c.mr) * c.mr,
    nc: Math.ceil(c.nc / c.nr) * c.nr,
  };
}

/** Bytes of packing workspace a configuration needs (packed A block, packed B block, tile). */
export function gemmWorkBytes(cfg: GemmConfig): number {
  const c = normalise(cfg);
  return DTYPES[c.dtype ?? "f32"].bytes * (c.mc * c.kc + c.kc * c.nc + c.mr * c.nr);
}

/** The register-blocked micro-kernel: C[mr x nr] (+)= Ap[kc][mr] · Bp[kc][nr]. */
function microKernel(c: GemmConfig, t: DTypeInfo): string {
  const { mr, nr } = c;
  const nv = nr / t.lanes;
  const acc = (r: number, j: number) => `$c${r}_${j}`;
  const decl: string[] = ["(local $a v128)", "(local $cr i32)"];
  for (let j = 0; j < nv; j++) decl.push(`(local $b${j} v128)`);
  for (let r = 0; r < mr; r++) for (let j = 0; j < nv; j++) decl.push(`(local ${acc(r, j)} v128)`);
  const loadC: string[] = ["(local.set $cr (local.get $c))"];
  const storeC: string[] = ["(local.set $cr (local.get $c))"];
  for (let r = 0; r < mr; r++) {
    for (let j = 0; j < nv; j++) {
      loadC.push(`(local.set ${acc(r, j)} (v128.load offset=${16 * j} (local.get $cr)))`);
      storeC.push(`(v128.store offset=${16 * j} (local.get $cr) (local.get ${acc(r, j)}))`);
    }
    if (r < mr - 1) {
      loadC.push("(local.set $cr (i32.add (local.get $cr) (local.get $ldc)))");
      storeC.push("(local.set $cr (i32.add (local.get $cr) (local.get $ldc)))");
    }
  }
  const step: string[] = [];
  for (let j = 0; j < nv; j++)
    step.push(`(local.set $b${j} (v128.load offset=${16 * j} (local.get $bp)))`);
  for (let r = 0; r < mr; r++) {
    step.push(
      `(local.set $a (v128.load${8 * t.bytes}_splat offset=${t.bytes * r} (local.get $ap)))`,
    );
    for (let j = 0; j < nv; j++) {
      const a = acc(r, j);
      step.push(
        c.relaxed
          ? `(local.set ${a} (${t.v}.relaxed_madd (local.get $a) (local.get $b${j}) (local.get ${a})))`
          : `(local.set ${a} (${t.v}.add (local.get ${a}) (${t.v}.mul (local.get $a) (local.get $b${j}))))`,
      );
    }
  }
  // Accumulators start at zero (wasm zero-initialises locals) unless C is accumulated into.
  return `(func $micro (param $kc i32) (param $ap i32) (param $bp i32) (param $c i32) (param $ldc i32) (param $acc i32)
  ${decl.join(" ")}
  (if (local.get $acc) (then ${loadC.join("\n")}))
  (loop $k
    ${step.join("\n    ")}
    (local.set $ap (i32.add (local.get $ap) (i32.const ${t.bytes * mr})))
    (local.set $bp (i32.add (local.get $bp) (i32.const ${t.bytes * nr})))
    (br_if $k (local.tee $kc (i32.sub (local.get $kc) (i32.const 1)))))
  ${storeC.join("\n")})`;
}

/** A partial tile (mr' < MR or nr' < NR): through the scratch tile, so C is never over-written. */
function edgeKernel(c: GemmConfig, t: DTypeInfo): string {
  const { nr } = c;
  const copy = (toTile: boolean) => {
    const src = toTile
      ? `(i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $ldc)) (local.get $j)) (i32.const ${t.shift})))`
      : `(i32.add (local.get $tile) (i32.shl (i32.add (i32.mul (local.get $r) (i32.const ${nr})) (local.get $j)) (i32.const ${t.shift})))`;
    const dst = toTile
      ? `(i32.add (local.get $tile) (i32.shl (i32.add (i32.mul (local.get $r) (i32.const ${nr})) (local.get $j)) (i32.const ${t.shift})))`
      : `(i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $r) (local.get $ldc)) (local.get $j)) (i32.const ${t.shift})))`;
    return forLoop(
      "$r",
      i32(0),
      get("$mr"),
      i32(1),
      forLoop("$j", i32(0), get("$nr"), i32(1), `(${t.s}.store ${dst} (${t.s}.load ${src}))`),
    );
  };
  return `(func $edge (param $kc i32) (param $ap i32) (param $bp i32) (param $c i32) (param $ldc i32) (param $acc i32) (param $mr i32) (param $nr i32) (param $tile i32)
  (local $r i32) (local $j i32)
  (if (local.get $acc) (then ${copy(true)}))
  (call $micro (local.get $kc) (local.get $ap) (local.get $bp) (local.get $tile) (i32.const ${t.bytes * nr}) (local.get $acc))
  ${copy(false)})`;
}

/**
 * Pack rows [i0, i0+mc) x cols [p0, p0+kc) of op(A) into MR-tall panels Ap[panel][k][r],
 * zero-padding the last panel. `t` = 0: op(A) = A (row-major, A[i*lda + k]); `t` = 1: op(A) = Aᵀ
 * (A[k*lda + i]). The same routine packs B's panels with the roles of rows and columns swapped
 * (B panel = op(B)ᵀ panel), so `packA(t)` serves B with `t` flipped.
 */
function packKernel(name: string, w: number, transposed: boolean, t: DTypeInfo): string {
  // Element (row x, depth k) of the operand being packed is at
  //   transposed ? src[k*ld + x] : src[x*ld + k]
  // and goes to dst[panel][k][x % w].
  const full = transposed ? packFullContig(w, t) : packFullGather(w, t);
  const elem = transposed
    ? `(i32.add (local.get $src) (i32.shl (i32.add (i32.mul (i32.add (local.get $p0) (local.get $k)) (local.get $ld)) (i32.add (local.get $x0) (local.get $x))) (i32.const ${t.shift})))`
    : `(i32.add (local.get $src) (i32.shl (i32.add (i32.mul (i32.add (local.get $x0) (local.get $x)) (local.get $ld)) (i32.add (local.get $p0) (local.get $k))) (i32.const ${t.shift})))`;
  const partial = forLoop(
    "$k",
    i32(0),
    get("$kc"),
    i32(1),
    `${forLoop(
      "$x",
      i32(0),
      i32(w),
      i32(1),
      `(${t.s}.store (local.get $dst)
        (if (result ${t.s}) (i32.lt_s (local.get $x) (local.get $rows))
          (then (${t.s}.load ${elem})) (else (${t.s}.const 0))))
       (local.set $dst (i32.add (local.get $dst) (i32.const ${t.bytes})))`,
    )}`,
  );
  const rowPtrDecls = Array.from({ length: w }, (_, r) => `(local $rp${r} i32)`).join(" ");
  return `(func $${name} (param $src i32) (param $ld i32) (param $i0 i32) (param $p0 i32) (param $mc i32) (param $kc i32) (param $dst i32)
  (local $x0 i32) (local $rows i32) (local $k i32) (local $x i32) (local $s i32) ${rowPtrDecls}
  ${forLoop(
    "$x0",
    "(local.get $i0)",
    "(i32.add (local.get $i0) (local.get $mc))",
    i32(w),
    `(local.set $rows (i32.sub (i32.add (local.get $i0) (local.get $mc)) (local.get $x0)))
     (if (i32.ge_s (local.get $rows) (i32.const ${w}))
       (then ${full})
       (else ${partial}))`,
  )})`;
}

/** Full panel, operand stored with the panel's w elements contiguous per k (stride ld per k). */
function packFullContig(w: number, t: DTypeInfo): string {
  // s = &src[p0*ld + x0]; per k copy w elements (16-byte chunks, then 8, then 4), s += ld*bytes
  const copies: string[] = [];
  const bytes = w * t.bytes;
  let o = 0;
  for (; o + 16 <= bytes; o += 16)
    copies.push(`(v128.store offset=${o} (local.get $dst) (v128.load offset=${o} (local.get $s)))`);
  for (; o + 8 <= bytes; o += 8)
    copies.push(`(i64.store offset=${o} (local.get $dst) (i64.load offset=${o} (local.get $s)))`);
  for (; o < bytes; o += 4)
    copies.push(`(f32.store offset=${o} (local.get $dst) (f32.load offset=${o} (local.get $s)))`);
  return `(local.set $s (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (local.get $p0) (local.get $ld)) (local.get $x0)) (i32.const ${t.shift}))))
  ${forLoop(
    "$k",
    i32(0),
    get("$kc"),
    i32(1),
    `${copies.join("\n")}
     (local.set $dst (i32.add (local.get $dst) (i32.const ${t.bytes * w})))
     (local.set $s (i32.add (local.get $s) (i32.shl (local.get $ld) (i32.const ${t.shift}))))`,
  )}`;
}

/** Full panel, operand stored with k contiguous per row: w row pointers, gather one per row. */
function packFullGather(w: number, t: DTypeInfo): string {
  const init: string[] = [];
  const body: string[] = [];
  for (let r = 0; r < w; r++) {
    init.push(
      `(local.set $rp${r} (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (i32.add (local.get $x0) (i32.const ${r})) (local.get $ld)) (local.get $p0)) (i32.const ${t.shift}))))`,
    );
    body.push(
      `(${t.s}.store offset=${t.bytes * r} (local.get $dst) (${t.s}.load (local.get $rp${r})))`,
    );
    body.push(`(local.set $rp${r} (i32.add (local.get $rp${r}) (i32.const ${t.bytes})))`);
  }
  return `${init.join("\n")}
  ${forLoop(
    "$k",
    i32(0),
    get("$kc"),
    i32(1),
    `${body.join("\n")}
     (local.set $dst (i32.add (local.get $dst) (i32.const ${t.bytes * w})))`,
  )}`;
}

/**
 * Skinny products (n < 4 columns of C: a network's output layer with 1-3 fields), where every
 * register tile of the blocked path would be an edge tile wasting 7/8 of its work:
 * - `nn_skinny`: C[i, j] = dot(A[i, :], B[:, j]) with B's columns packed contiguous, four rows at
 *   a time (four independent accumulator chains hide the multiply-add latency);
 * - `tn_skinny`: C[:, j] = sum_k A[k, :] B[k, j], i.e. axpy-like sweeps down A's rows with 8
 *   vector accumulators (32 columns of C) held across the whole k loop.
 * Same arguments as `gemm` (without the transpose flags). The accumulators are reset with
 * `v128.const 0` inside the row loops: zero is the one constant V8 materialises with a single
 * `pxor`, so the load-constants-from-memory rule does not apply to it.
 */
function skinnyKernels(relaxed: boolean, t: DTypeInfo): string {
  const madd = (a: string, b: string, c: string) =>
    relaxed ? `(${t.v}.relaxed_madd ${a} ${b} ${c})` : `(${t.v}.add (${t.v}.mul ${a} ${b}) ${c})`;
  const hsum = (v: string) =>
    t.lanes === 4
      ? `(${t.s}.add (${t.s}.add (${t.v}.extract_lane 0 ${v}) (${t.v}.extract_lane 1 ${v})) (${t.s}.add (${t.v}.extract_lane 2 ${v}) (${t.v}.extract_lane 3 ${v})))`
      : `(${t.s}.add (${t.v}.extract_lane 0 ${v}) (${t.v}.extract_lane 1 ${v}))`;
  // C element store with optional accumulation; select avoids touching NaN garbage when beta = 0
  const storeC = (addr: string, x: string) =>
    `(${t.s}.store ${addr} (${t.s}.add ${x} (select (${t.s}.load ${addr}) (${t.s}.const 0) (local.get $beta))))`;
  const cAddr = (row: string) =>
    `(i32.add (local.get $C) (i32.shl (i32.add (i32.mul ${row} (local.get $ldc)) (local.get $j)) (i32.const ${t.shift})))`;

  // nn: R rows at a time
  const nnRows = (R: number) => {
    const init: string[] = [];
    const zero: string[] = [];
    const vbody: string[] = [
      "(local.set $b (v128.load (i32.add (local.get $bt) (local.get $kk))))",
    ];
    const sbody: string[] = [
      `(local.set $bs (${t.s}.load (i32.add (local.get $bt) (local.get $kk))))`,
    ];
    const fin: string[] = [];
    for (let r = 0; r < R; r++) {
      init.push(
        `(local.set $r${r} (i32.add (local.get $A) (i32.shl (i32.mul (i32.add (local.get $i) (i32.const ${r})) (local.get $lda)) (i32.const ${t.shift}))))`,
      );
      zero.push(`(local.set $a${r} (v128.const i32x4 0 0 0 0))`);
      vbody.push(
        `(local.set $a${r} ${madd(`(v128.load (i32.add (local.get $r${r}) (local.get $kk)))`, "(local.get $b)", `(local.get $a${r})`)})`,
      );
      zero.push(`(local.set $s${r} (${t.s}.const 0))`);
      sbody.push(
        `(local.set $s${r} (${t.s}.add (local.get $s${r}) (${t.s}.mul (${t.s}.load (i32.add (local.get $r${r}) (local.get $kk))) (local.get $bs))))`,
      );
      fin.push(
        storeC(
          cAddr(`(i32.add (local.get $i) (i32.const ${r}))`),
          `(${t.s}.add ${hsum(`(local.get $a${r})`)} (local.get $s${r}))`,
        ),
      );
    }
    return `${init.join("\n")}
      ${forLoop(
        "$j",
        i32(0),
        get("$N"),
        i32(1),
        `(local.set $bt (i32.add (local.get $work) (i32.shl (i32.mul (local.get $j) (local.get $K)) (i32.const ${t.shift}))))
         ${zero.join("\n")}
         ${forLoop("$kk", i32(0), get("$k4"), i32(16), vbody.join("\n"))}
         ${forLoop("$kk", get("$k4"), get("$kb"), i32(t.bytes), sbody.join("\n"))}
         ${fin.join("\n")}`,
      )}`;
  };
  const decls = (n: number, t: string, p: string) =>
    Array.from({ length: n }, (_, r) => `(local $${p}${r} ${t})`).join(" ");
  const nn = `(func (export "nn_skinny") (param $M i32) (param $N i32) (param $K i32) (param $A i32) (param $lda i32)
  (param $B i32) (param $ldb i32) (param $C i32) (param $ldc i32) (param $beta i32) (param $work i32)
  (local $i i32) (local $j i32) (local $k i32) (local $kk i32) (local $k4 i32) (local $kb i32) (local $bt i32)
  (local $b v128) (local $bs ${t.s}) ${decls(4, "i32", "r")} ${decls(4, "v128", "a")} ${decls(4, t.s, "s")}
  ;; Bt[j][k] = B[k, j]
  ${forLoop(
    "$j",
    i32(0),
    get("$N"),
    i32(1),
    forLoop(
      "$k",
      i32(0),
      get("$K"),
      i32(1),
      `(${t.s}.store (i32.add (local.get $work) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $K)) (local.get $k)) (i32.const ${t.shift})))
         (${t.s}.load (i32.add (local.get $B) (i32.shl (i32.add (i32.mul (local.get $k) (local.get $ldb)) (local.get $j)) (i32.const ${t.shift})))))`,
    ),
  )}
  (local.set $k4 (i32.shl (i32.and (local.get $K) (i32.const ${-t.lanes})) (i32.const ${t.shift})))
  (local.set $kb (i32.shl (local.get $K) (i32.const ${t.shift})))
  (local.set $i (i32.const 0))
  (block $d4 (loop $l4
    (br_if $d4 (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $M)))
    ${nnRows(4)}
    (local.set $i (i32.add (local.get $i) (i32.const 4)))
    (br $l4)))
  (block $d1 (loop $l1
    (br_if $d1 (i32.ge_u (local.get $i) (local.get $M)))
    ${nnRows(1)}
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (br $l1))))`;

  // tn: chunks of V vectors of C's column j
  const tnChunk = (V: number) => {
    const zero: string[] = [];
    const body: string[] = [`(local.set $b (v128.load${8 * t.bytes}_splat (local.get $bp)))`];
    const fin: string[] = [];
    for (let q = 0; q < V; q++) {
      zero.push(`(local.set $a${q} (v128.const i32x4 0 0 0 0))`);
      body.push(
        `(local.set $a${q} ${madd(`(v128.load offset=${16 * q} (local.get $ap))`, "(local.get $b)", `(local.get $a${q})`)})`,
      );
      for (let l = 0; l < t.lanes; l++)
        fin.push(
          storeC(
            cAddr(`(i32.add (local.get $i) (i32.const ${t.lanes * q + l}))`),
            `(${t.v}.extract_lane ${l} (local.get $a${q}))`,
          ),
        );
    }
    return `(block $d${V} (loop $l${V}
      (br_if $d${V} (i32.gt_u (i32.add (local.get $i) (i32.const ${t.lanes * V})) (local.get $M)))
      ${zero.join("\n")}
      (local.set $ap (i32.add (local.get $A) (i32.shl (local.get $i) (i32.const ${t.shift}))))
      (local.set $bp (i32.add (local.get $B) (i32.shl (local.get $j) (i32.const ${t.shift}))))
      (local.set $k (local.get $K))
      (loop $k${V}
        ${body.join("\n")}
        (local.set $ap (i32.add (local.get $ap) (local.get $ldab)))
        (local.set $bp (i32.add (local.get $bp) (local.get $ldbb)))
        (br_if $k${V} (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
      ${fin.join("\n")}
      (local.set $i (i32.add (local.get $i) (i32.const ${t.lanes * V})))
      (br $l${V})))`;
  };
  const tn = `(func (export "tn_skinny") (param $M i32) (param $N i32) (param $K i32) (param $A i32) (param $lda i32)
  (param $B i32) (param $ldb i32) (param $C i32) (param $ldc i32) (param $beta i32) (param $work i32)
  (local $i i32) (local $j i32) (local $k i32) (local $ap i32) (local $bp i32) (local $ldab i32) (local $ldbb i32)
  (local $b v128) (local $s ${t.s}) ${decls(8, "v128", "a")}
  (local.set $ldab (i32.shl (local.get $lda) (i32.const ${t.shift})))
  (local.set $ldbb (i32.shl (local.get $ldb) (i32.const ${t.shift})))
  ${forLoop(
    "$j",
    i32(0),
    get("$N"),
    i32(1),
    `(local.set $i (i32.const 0))
     ${tnChunk(8)}
     ${tnChunk(1)}
     (block $d0 (loop $l0
       (br_if $d0 (i32.ge_u (local.get $i) (local.get $M)))
       (local.set $s (${t.s}.const 0))
       (local.set $ap (i32.add (local.get $A) (i32.shl (local.get $i) (i32.const ${t.shift}))))
       (local.set $bp (i32.add (local.get $B) (i32.shl (local.get $j) (i32.const ${t.shift}))))
       (local.set $k (local.get $K))
       (loop $k0
         (local.set $s (${t.s}.add (local.get $s) (${t.s}.mul (${t.s}.load (local.get $ap)) (${t.s}.load (local.get $bp)))))
         (local.set $ap (i32.add (local.get $ap) (local.get $ldab)))
         (local.set $bp (i32.add (local.get $bp) (local.get $ldbb)))
         (br_if $k0 (local.tee $k (i32.sub (local.get $k) (i32.const 1)))))
       ${storeC(cAddr("(local.get $i)"), "(local.get $s)")}
       (local.set $i (i32.add (local.get $i) (i32.const 1)))
       (br $l0)))`,
  )})`;
  return `${nn}\n${tn}`;
}

/**
 * WAT of a GEMM module. Export `gemm(M, N, K, A, lda, B, ldb, C, ldc, beta, work, ta, tb)`:
 * C = op(A)·op(B) (beta = 0) or C += op(A)·op(B) (beta = 1), op = transpose where the flag is 1.
 * Pointers are byte offsets into the shared memory, strides are in elements, `work` is a
 * {@link gemmWorkBytes} scratch area. Requires M, N, K >= 1.
 */
export function gemmWat(config: GemmConfig): string {
  const c = normalise(config);
  const t = DTYPES[c.dtype ?? "f32"];
  const { mr, nr, mc, kc, nc } = c;
  const apBytes = t.bytes * mc * kc;
  const bpBytes = t.bytes * kc * nc;
  const min = (a: string, b: string) => `(select ${a} ${b} (i32.lt_s ${a} ${b}))`;
  const tile = `(local.set $cp (i32.add (local.get $C) (i32.shl (i32.add (i32.mul (i32.add (local.get $ic) (local.get $ir)) (local.get $ldc)) (i32.add (local.get $jc) (local.get $jr))) (i32.const ${t.shift}))))
    (local.set $mr ${min(`(i32.const ${mr})`, "(i32.sub (local.get $mc) (local.get $ir))")})
    (if (i32.and (i32.eq (local.get $mr) (i32.const ${mr})) (i32.eq (local.get $nr) (i32.const ${nr})))
      (then (call $micro (local.get $kc) (i32.add (local.get $ap) (i32.shl (i32.mul (local.get $ir) (local.get $kc)) (i32.const ${t.shift})))
        (i32.add (local.get $bp) (i32.shl (i32.mul (local.get $jr) (local.get $kc)) (i32.const ${t.shift})))
        (local.get $cp) (i32.shl (local.get $ldc) (i32.const ${t.shift})) (local.get $acc)))
      (else (call $edge (local.get $kc) (i32.add (local.get $ap) (i32.shl (i32.mul (local.get $ir) (local.get $kc)) (i32.const ${t.shift})))
        (i32.add (local.get $bp) (i32.shl (i32.mul (local.get $jr) (local.get $kc)) (i32.const ${t.shift})))
        (local.get $cp) (local.get $ldc) (local.get $acc) (local.get $mr) (local.get $nr) (local.get $tile))))`;
  const irLoop = forLoop("$ir", i32(0), get("$mc"), i32(mr), tile);
  const jrLoop = forLoop(
    "$jr",
    i32(0),
    get("$nc"),
    i32(nr),
    `(local.set $nr ${min(`(i32.const ${nr})`, "(i32.sub (local.get $nc) (local.get $jr))")})
     ${irLoop}`,
  );
  const icLoop = forLoop(
    "$ic",
    i32(0),
    get("$M"),
    i32(mc),
    `(local.set $mc ${min(`(i32.const ${mc})`, "(i32.sub (local.get $M) (local.get $ic))")})
     (if (local.get $ta)
       (then (call $packA_t (local.get $A) (local.get $lda) (local.get $ic) (local.get $pc) (local.get $mc) (local.get $kc) (local.get $ap)))
       (else (call $packA_n (local.get $A) (local.get $lda) (local.get $ic) (local.get $pc) (local.get $mc) (local.get $kc) (local.get $ap))))
     ${jrLoop}`,
  );
  // B panels: op(B)[k, j] for j in a panel; op(B) = B (tb = 0) stores the panel's j contiguous
  // per k (the "transposed" packing of the A routine), op(B) = Bᵀ stores k contiguous per j.
  const pcLoop = forLoop(
    "$pc",
    i32(0),
    get("$K"),
    i32(kc),
    `(local.set $kc ${min(`(i32.const ${kc})`, "(i32.sub (local.get $K) (local.get $pc))")})
     (if (local.get $tb)
       (then (call $packB_t (local.get $B) (local.get $ldb) (local.get $jc) (local.get $pc) (local.get $nc) (local.get $kc) (local.get $bp)))
       (else (call $packB_n (local.get $B) (local.get $ldb) (local.get $jc) (local.get $pc) (local.get $nc) (local.get $kc) (local.get $bp))))
     (local.set $acc (i32.or (local.get $beta) (i32.gt_s (local.get $pc) (i32.const 0))))
     ${icLoop}`,
  );
  const jcLoop = forLoop(
    "$jc",
    i32(0),
    get("$N"),
    i32(nc),
    `(local.set $nc ${min(`(i32.const ${nc})`, "(i32.sub (local.get $N) (local.get $jc))")})
     ${pcLoop}`,
  );
  return `(module
${MEMORY_IMPORT}
${microKernel(c, t)}
${edgeKernel(c, t)}
${packKernel("packA_n", mr, false, t)}
${packKernel("packA_t", mr, true, t)}
${packKernel("packB_n", nr, true, t)}
${packKernel("packB_t", nr, false, t)}
${skinnyKernels(c.relaxed, t)}
(func (export "gemm") (param $M i32) (param $N i32) (param $K i32) (param $A i32) (param $lda i32)
  (param $B i32) (param $ldb i32) (param $C i32) (param $ldc i32) (param $beta i32) (param $work i32)
  (param $ta i32) (param $tb i32)
  (local $jc i32) (local $nc i32) (local $pc i32) (local $kc i32) (local $ic i32) (local $mc i32)
  (local $jr i32) (local $nr i32) (local $ir i32) (local $mr i32) (local $acc i32)
  (local $ap i32) (local $bp i32) (local $tile i32) (local $cp i32)
  (local.set $ap (local.get $work))
  (local.set $bp (i32.add (local.get $work) (i32.const ${apBytes})))
  (local.set $tile (i32.add (local.get $bp) (i32.const ${bpBytes})))
  ${jcLoop}))`;
}

/** C with fewer columns than this goes through the skinny kernels ("nn" and "tn"). */
export const SKINNY_N = 4;

/** Which operands are transposed: "nn" = A·B, "tn" = Aᵀ·B, "nt" = A·Bᵀ. */
export type GemmShape = "nn" | "tn" | "nt";

/** Operands of one GEMM call: byte offsets into the runtime's memory plus strides (elements). */
export interface GemmArgs {
  /** Rows of C. */
  readonly m: number;
  /** Columns of C. */
  readonly n: number;
  /** The contracted dimension. */
  readonly k: number;
  /** op(A) is [m, k]: A is [m, k] ("nn", "nt") or [k, m] ("tn"). */
  readonly a: number;
  /** Row stride of A as stored (default: its column count). */
  readonly lda?: number;
  /** op(B) is [k, n]: B is [k, n] ("nn", "tn") or [n, k] ("nt"). */
  readonly b: number;
  readonly ldb?: number;
  /** C [m, n]. */
  readonly c: number;
  readonly ldc?: number;
  /** Accumulate into C instead of overwriting it. */
  readonly accumulate?: boolean;
}

/**
 * A compiled GEMM bound to a runtime (its module, its packing workspace).
 * @example
 * const g = Gemm.create(rt, "relaxed");
 * g.run("tn", { m: 64, n: 64, k: 8192, a: H, b: dZ, c: dW, accumulate: true });
 */
export class Gemm {
  private constructor(
    private readonly rt: KernelRuntime,
    private readonly fn: (...args: number[]) => number | undefined,
    private readonly nnSkinny: (...args: number[]) => number | undefined,
    private readonly tnSkinny: (...args: number[]) => number | undefined,
    private readonly work: number,
    private readonly workFloats: number,
    /** The configuration this build uses. */
    readonly config: GemmConfig,
  ) {}

  /**
   * Build (or fetch from the runtime's cache) the GEMM of a variant or explicit configuration,
   * and allocate its packing workspace.
   */
  static create(
    rt: KernelRuntime,
    variant?: SimdVariant | "auto",
    config?: GemmConfig,
    dtype: DType = "f32",
  ): Gemm {
    const v = rt.variant(variant);
    // an explicit configuration without a dtype takes the one asked for
    const cfg = normalise(
      config ? { ...config, dtype: config.dtype ?? dtype } : defaultGemmConfig(v, dtype),
    );
    if (cfg.relaxed && !rt.features.relaxedSimd)
      throw new Error("gemm: relaxed SIMD is not supported by this engine");
    const dt = cfg.dtype ?? "f32";
    const key = `gemm:${cfg.mr}x${cfg.nr}:${cfg.mc},${cfg.kc},${cfg.nc}:${cfg.relaxed ? "relaxed" : "plain"}${dt === "f64" ? ":f64" : ""}`;
    const mod = rt.module(key, () => gemmWat(cfg));
    const bytes = gemmWorkBytes(cfg);
    const work = rt.arena.alloc(bytes, "gemm packing workspace");
    return new Gemm(
      rt,
      mod.gemm,
      mod.nn_skinny,
      mod.tn_skinny,
      work,
      bytes / DTYPES[dt].bytes,
      cfg,
    );
  }

  /**
   * C (+)= op(A) · op(B) for the shape given.
   * @param shape "nn": C[m,n] (+)= A[m,k]·B[k,n]; "tn": C (+)= Aᵀ·B with A [k,m]; "nt": C (+)= A·Bᵀ
   *   with B [n,k]
   */
  run(shape: GemmShape, g: GemmArgs): void {
    const ta = shape === "tn" ? 1 : 0;
    const tb = shape === "nt" ? 1 : 0;
    const lda = g.lda ?? (ta ? g.m : g.k);
    const ldb = g.ldb ?? (tb ? g.k : g.n);
    const ldc = g.ldc ?? g.n;
    if (g.m <= 0 || g.n <= 0) return;
    if (g.k <= 0) {
      // empty sum: C = 0 (or unchanged when accumulating)
      const dt = this.config.dtype ?? "f32";
      const eb = DTYPES[dt].bytes;
      if (!g.accumulate)
        for (let i = 0; i < g.m; i++) this.rt.view(dt, g.c + eb * i * ldc, g.n).fill(0);
      return;
    }
    const beta = g.accumulate ? 1 : 0;
    if (g.n < SKINNY_N && shape === "tn") {
      this.tnSkinny(g.m, g.n, g.k, g.a, lda, g.b, ldb, g.c, ldc, beta, this.work);
    } else if (g.n < SKINNY_N && shape === "nn" && g.n * g.k <= this.workFloats) {
      this.nnSkinny(g.m, g.n, g.k, g.a, lda, g.b, ldb, g.c, ldc, beta, this.work);
    } else {
      this.fn(g.m, g.n, g.k, g.a, lda, g.b, ldb, g.c, ldc, beta, this.work, ta, tb);
    }
  }
}
