/**
 * Fused element-wise jet rules, generated per jet layout: one pass over the elements computes every
 * output channel (forward) or every input adjoint (backward), with the Faa di Bruno / Leibniz
 * tables of the layout unrolled into straight-line SIMD code.
 *
 * Memory layout (shared with the GEMM and the MLP): a jet over E = N * w elements is K channel
 * arrays of E floats (float32, or float64 in the f64 builds), channel c at base + c * E * 4 (or 8)
 * bytes, i.e. the [K * N, w] row-major matrix
 * a linear layer multiplies in one GEMM. The rules are element-wise, so they see each channel as a
 * flat array of E elements (vector body plus scalar tail: any E works).
 *
 * Why fused: jax-js evaluates the rule as one array op per product term (hundreds of passes over
 * memory for a 4th-order layout); here each element's channels are loaded once, the activation's
 * derivatives computed once, and each output stored once.
 *
 * Forward (activation f, pre-activation channels Z, output H):
 *   H_c = sum_{terms t of c} coef_t * f^(o_t)(z0) * prod_{b in t} Z_b
 * Backward (adjoints dH given, dZ wanted): the derivative of every term with respect to each of
 * its channel factors (a factor appearing m times gives m times the product of the others), and
 * with respect to z0 through f^(o_t + 1). Terms are grouped by derivative order so each f^(o) is
 * multiplied once per output, and products of channels are shared between terms.
 */
import type { JetLayout } from "../jet/multiindex.js";
import { miKey } from "../jet/multiindex.js";
import {
  type ConstPool,
  type DType,
  DTYPES,
  type Lane,
  FnBuilder,
  elementwiseLoop,
  get,
  i32,
  scalarLane,
  vectorLane,
} from "./wat.js";
import { type KernelActivation, activationCode, isKernelActivation } from "./activation.js";
import { type KernelRuntime, type SimdVariant, MEMORY_IMPORT } from "./assemble.js";

/** A stable key of a layout (dims and channel multi-indices), for kernel caches. */
export function layoutKey(layout: JetLayout): string {
  return `${layout.dims}:${layout.channels.map((c) => `[${miKey(c)}]`).join("")}`;
}

/**
 * Factor order inside products: channel values first, adjoints ("d...") last, so the prefix
 * products of channel values (memoised) are shared by every adjoint that multiplies them.
 */
function factorOrder(a: string, b: string): number {
  const ra = a.startsWith("d") ? 1 : 0;
  const rb = b.startsWith("d") ? 1 : 0;
  return ra - rb || (a < b ? -1 : a > b ? 1 : 0);
}

/** A monomial: coef * prod(factors), factors named by string keys. */
interface Mono {
  coef: number;
  factors: string[];
}

/**
 * Emits sums of monomials over named factor values, sharing every product of factors between all
 * the sums of one element step (products are memoised by their sorted factor list).
 */
class PolyEmitter {
  private readonly memo = new Map<string, string>();
  constructor(
    private readonly f: FnBuilder,
    private readonly L: Lane,
    private readonly value: (name: string) => string,
  ) {}

  /** Product of factors (sorted key), memoised; null for the empty product. */
  product(factors: string[]): string | null {
    if (factors.length === 0) return null;
    const sorted = [...factors].sort(factorOrder);
    const key = sorted.join("*");
    const have = this.memo.get(key);
    if (have) return have;
    const head = this.product(sorted.slice(0, -1));
    const last = this.value(sorted[sorted.length - 1]);
    const v = head === null ? last : this.f.let(this.L.type, this.L.mul(head, last), "p");
    this.memo.set(key, v);
    return v;
  }

  /** Sum of monomials (merged by factor list first); null when there are none. */
  sum(monos: Mono[]): string | null {
    const merged = new Map<string, Mono>();
    for (const m of monos) {
      const sorted = [...m.factors].sort(factorOrder);
      const key = sorted.join("*");
      const have = merged.get(key);
      if (have) have.coef += m.coef;
      else merged.set(key, { coef: m.coef, factors: sorted });
    }
    const L = this.L;
    let acc: string | null = null;
    for (const m of merged.values()) {
      if (m.coef === 0) continue;
      const p = this.product(m.factors);
      let term: string;
      if (p === null) term = L.c(m.coef);
      else if (m.coef === 1) term = p;
      else if (m.coef === -1) term = L.neg(p);
      else term = L.mul(L.c(m.coef), p);
      acc = acc === null ? term : L.add(acc, term);
    }
    return acc === null ? null : this.f.let(L.type, acc, "s");
  }

  /** sum_g value(g) * inner_g: a two-level sum, each group's inner sum multiplied once. */
  grouped(groups: Map<string, Mono[]>): string | null {
    const L = this.L;
    let acc: string | null = null;
    for (const [g, monos] of groups) {
      const inner = this.sum(monos);
      if (inner === null) continue;
      const term = L.mul(this.value(g), inner);
      acc = acc === null ? term : L.add(acc, term);
    }
    return acc === null ? null : this.f.let(L.type, acc, "g");
  }
}

function pushGroup(groups: Map<string, Mono[]>, g: string, m: Mono): void {
  const list = groups.get(g);
  if (list) list.push(m);
  else groups.set(g, [m]);
}

/** Per-channel base-pointer locals: base + c * E * 4. */
function channelPointers(
  f: FnBuilder,
  base: string,
  count: number,
  stride: string,
  hint: string,
): string[] {
  const out: string[] = [];
  for (let c = 0; c < count; c++) {
    const p = f.local("i32", hint);
    f.emit(`(local.set ${p} (i32.add ${base} (i32.mul ${i32(c)} ${stride})))`);
    out.push(p);
  }
  return out;
}

const at = (p: string, off: string) => `(i32.add (local.get ${p}) ${off})`;

/**
 * WAT of the jet rule of an activation on a layout. Exports
 * - `fwd(Z, H, S, E)`: Z [K][E] -> H [K][E]; S [saves][E] receives what `bwd` needs;
 * - `bwd(dH, Z, H, S, dZ, E)`: dZ [K][E] from dH [K][E] (dZ may alias dH: all loads of an element
 *   happen before its stores).
 * Pointers are byte offsets, E an element count (any value >= 0).
 */
export function jetRuleWat(
  layout: JetLayout,
  activation: KernelActivation,
  relaxed: boolean,
  pool: ConstPool,
  dtype: DType = "f32",
): string {
  const K = layout.channels.length;
  const order = layout.maxOrder;
  const act = activationCode(activation);
  const vec = vectorLane(pool, relaxed, dtype);
  const sca = scalarLane(pool, dtype);

  // forward: H_c = sum_o f_o * sum_t coef prod Z
  const fwdGroups: Map<string, Mono[]>[] = layout.fdb.map((terms) => {
    const g = new Map<string, Mono[]>();
    for (const t of terms)
      pushGroup(g, `f${t.order}`, { coef: t.coef, factors: t.channels.map((b) => `z${b}`) });
    return g;
  });

  // backward: dZ_j = sum_o f_o * sum_c dh_c * (sum coef prod Z)   (j >= 1)
  //           dZ_0 = sum_c dh_c * sum_t coef f_{o_t + 1} prod Z_t
  // stored as groups keyed by f order whose monomials carry the dh factor
  const bwdGroups: Map<string, Mono[]>[] = Array.from({ length: K }, () => new Map());
  layout.fdb.forEach((terms, c) => {
    for (const t of terms) {
      pushGroup(bwdGroups[0], `f${t.order + 1}`, {
        coef: t.coef,
        factors: [`dh${c}`, ...t.channels.map((b) => `z${b}`)],
      });
      // each distinct channel j of the term, with its multiplicity
      const seen = new Set<number>();
      for (const j of t.channels) {
        if (seen.has(j)) continue;
        seen.add(j);
        const mult = t.channels.filter((b) => b === j).length;
        const rest = [...t.channels];
        rest.splice(rest.indexOf(j), 1);
        pushGroup(bwdGroups[j], `f${t.order}`, {
          coef: t.coef * mult,
          factors: [`dh${c}`, ...rest.map((b) => `z${b}`)],
        });
      }
    }
  });

  // ---- fwd
  const ff = new FnBuilder();
  const stride = `(i32.shl (local.get $E) (i32.const ${DTYPES[dtype].shift}))`;
  const zp = channelPointers(ff, get("$Z"), K, stride, "zp");
  const hp = channelPointers(ff, get("$H"), K, stride, "hp");
  const sp = channelPointers(ff, get("$S"), act.saves, stride, "sp");
  const fwdLoop = elementwiseLoop(ff, vec, sca, get("$E"), (L, off) => {
    const z0 = ff.let(L.type, L.load(at(zp[0], off)), "z0_");
    const { derivs, save } = act.forward(ff, L, z0, order);
    const vals = new Map<string, string>();
    derivs.forEach((d, k) => vals.set(`f${k}`, d));
    for (let c = 1; c < K; c++) vals.set(`z${c}`, ff.let(L.type, L.load(at(zp[c], off)), `z${c}_`));
    const em = new PolyEmitter(ff, L, (n) => {
      const v = vals.get(n);
      if (v === undefined) throw new Error(`internal: factor ${n}`);
      return v;
    });
    const outs: string[] = [derivs[0]];
    for (let c = 1; c < K; c++) outs.push(em.grouped(fwdGroups[c]) ?? L.c(0));
    outs.forEach((v, c) => ff.emit(L.store(at(hp[c], off), v)));
    save.forEach((v, s) => ff.emit(L.store(at(sp[s], off), v)));
  });

  // ---- bwd
  const bf = new FnBuilder();
  const dhp = channelPointers(bf, get("$dH"), K, stride, "dhp");
  const bzp = channelPointers(bf, get("$Z"), K, stride, "zp");
  const h0p = channelPointers(bf, get("$H"), 1, stride, "hp");
  const bsp = channelPointers(bf, get("$S"), act.saves, stride, "sp");
  const dzp = channelPointers(bf, get("$dZ"), K, stride, "dzp");
  const bwdLoop = elementwiseLoop(bf, vec, sca, get("$E"), (L, off) => {
    const vals = new Map<string, string>();
    for (let c = 0; c < K; c++)
      vals.set(`dh${c}`, bf.let(L.type, L.load(at(dhp[c], off)), `dh${c}_`));
    for (let c = 1; c < K; c++)
      vals.set(`z${c}`, bf.let(L.type, L.load(at(bzp[c], off)), `z${c}_`));
    const h0 = bf.let(L.type, L.load(at(h0p[0], off)), "h0_");
    const saved = bsp.map((p, s) => bf.let(L.type, L.load(at(p, off)), `sv${s}_`));
    const z0 = act.needsZ0 ? bf.let(L.type, L.load(at(bzp[0], off)), "z0_") : "";
    const derivs = act.fromSaved(bf, L, h0, saved, z0, order + 1);
    derivs.forEach((d, k) => vals.set(`f${k}`, d));
    const em = new PolyEmitter(bf, L, (n) => {
      const v = vals.get(n);
      if (v === undefined) throw new Error(`internal: factor ${n}`);
      return v;
    });
    const outs = bwdGroups.map((g) => em.grouped(g) ?? L.c(0));
    outs.forEach((v, j) => bf.emit(L.store(at(dzp[j], off), v)));
  });

  return `(module
${MEMORY_IMPORT}
(func (export "fwd") (param $Z i32) (param $H i32) (param $S i32) (param $E i32)
  ${ff.locals}
  ${fwdLoop})
(func (export "bwd") (param $dH i32) (param $Z i32) (param $H i32) (param $S i32) (param $dZ i32) (param $E i32)
  ${bf.locals}
  ${bwdLoop}))`;
}

/**
 * WAT of the Leibniz product rule P = A * B of two jets on a layout. Exports
 * - `fwd(A, B, P, E)`: P_c = sum_t coef_t A_{l_t} B_{r_t};
 * - `bwd(dP, A, B, dA, dB, E)`: dA_l = sum coef dP_c B_r, dB_r = sum coef dP_c A_l (overwrite);
 * - `bwd_acc(...)`: the same, added to dA and dB;
 * - `bwd_acc_b(...)`: dA overwritten, dB added to (the modified MLP's gate: dA feeds the
 *   activation's adjoint, dB sums over the layers).
 * dA and dB may alias dP (all loads of an element precede its stores), not each other.
 */
export function leibnizWat(
  layout: JetLayout,
  relaxed: boolean,
  pool: ConstPool,
  dtype: DType = "f32",
): string {
  const K = layout.channels.length;
  const vec = vectorLane(pool, relaxed, dtype);
  const sca = scalarLane(pool, dtype);
  const stride = `(i32.shl (local.get $E) (i32.const ${DTYPES[dtype].shift}))`;

  const fwd = new FnBuilder();
  const ap = channelPointers(fwd, get("$A"), K, stride, "ap");
  const bp = channelPointers(fwd, get("$B"), K, stride, "bp");
  const pp = channelPointers(fwd, get("$P"), K, stride, "pp");
  const fwdLoop = elementwiseLoop(fwd, vec, sca, get("$E"), (L, off) => {
    const vals = new Map<string, string>();
    for (let c = 0; c < K; c++) {
      vals.set(`a${c}`, fwd.let(L.type, L.load(at(ap[c], off)), "a"));
      vals.set(`b${c}`, fwd.let(L.type, L.load(at(bp[c], off)), "b"));
    }
    const em = new PolyEmitter(fwd, L, (n) => vals.get(n) as string);
    const outs = layout.leibniz.map(
      (terms) =>
        em.sum(terms.map((t) => ({ coef: t.coef, factors: [`a${t.left}`, `b${t.right}`] }))) ??
        L.c(0),
    );
    outs.forEach((v, c) => fwd.emit(L.store(at(pp[c], off), v)));
  });

  const gradA: Mono[][] = Array.from({ length: K }, () => []);
  const gradB: Mono[][] = Array.from({ length: K }, () => []);
  layout.leibniz.forEach((terms, c) => {
    for (const t of terms) {
      gradA[t.left].push({ coef: t.coef, factors: [`dp${c}`, `b${t.right}`] });
      gradB[t.right].push({ coef: t.coef, factors: [`dp${c}`, `a${t.left}`] });
    }
  });
  const bwdFn = (name: string, accA: boolean, accB: boolean): string => {
    const f = new FnBuilder();
    const dpp = channelPointers(f, get("$dP"), K, stride, "dpp");
    const a2 = channelPointers(f, get("$A"), K, stride, "ap");
    const b2 = channelPointers(f, get("$B"), K, stride, "bp");
    const dap = channelPointers(f, get("$dA"), K, stride, "dap");
    const dbp = channelPointers(f, get("$dB"), K, stride, "dbp");
    const loop = elementwiseLoop(f, vec, sca, get("$E"), (L, off) => {
      const vals = new Map<string, string>();
      for (let c = 0; c < K; c++) {
        vals.set(`dp${c}`, f.let(L.type, L.load(at(dpp[c], off)), "dp"));
        vals.set(`a${c}`, f.let(L.type, L.load(at(a2[c], off)), "a"));
        vals.set(`b${c}`, f.let(L.type, L.load(at(b2[c], off)), "b"));
      }
      const em = new PolyEmitter(f, L, (n) => vals.get(n) as string);
      const outA = gradA.map((m) => em.sum(m) ?? L.c(0));
      const outB = gradB.map((m) => em.sum(m) ?? L.c(0));
      // all loads first (aliasing), then read-modify-write of the outputs
      const finalA = outA.map((v, c) =>
        accA ? f.let(L.type, L.add(L.load(at(dap[c], off)), v), "oa") : v,
      );
      const finalB = outB.map((v, c) =>
        accB ? f.let(L.type, L.add(L.load(at(dbp[c], off)), v), "ob") : v,
      );
      finalA.forEach((v, c) => f.emit(L.store(at(dap[c], off), v)));
      finalB.forEach((v, c) => f.emit(L.store(at(dbp[c], off), v)));
    });
    return `(func (export "${name}") (param $dP i32) (param $A i32) (param $B i32) (param $dA i32) (param $dB i32) (param $E i32)
  ${f.locals}
  ${loop})`;
  };

  return `(module
${MEMORY_IMPORT}
(func (export "fwd") (param $A i32) (param $B i32) (param $P i32) (param $E i32)
  ${fwd.locals}
  ${fwdLoop})
${bwdFn("bwd", false, false)}
${bwdFn("bwd_acc", true, true)}
${bwdFn("bwd_acc_b", false, true)})`;
}

/**
 * WAT of the bias kernels on row-major [N, w] matrices:
 * - `add(Z, b, N, w)`: Z[n, :] += b for every row (the value channel of a linear layer);
 * - `grad(dZ, db, N, w)`: db += column sums of dZ (the bias gradient).
 * The gradient walks blocks of 4 vectors of columns (16 float32 or 8 float64) down all rows with
 * 4 vector accumulators, so each cache line is read once and db is written once per block.
 */
export function biasWat(dtype: DType = "f32"): string {
  const t = DTYPES[dtype];
  return `(module
${MEMORY_IMPORT}
(func (export "add") (param $Z i32) (param $b i32) (param $N i32) (param $w i32)
  (local $row i32) (local $j i32) (local $w4 i32) (local $rp i32)
  (local.set $w4 (i32.and (local.get $w) (i32.const ${-t.lanes})))
  (local.set $rp (local.get $Z))
  (block $rd (loop $rl
    (br_if $rd (i32.ge_u (local.get $row) (local.get $N)))
    (local.set $j (i32.const 0))
    (block $vd (loop $vl
      (br_if $vd (i32.ge_u (local.get $j) (local.get $w4)))
      (v128.store (i32.add (local.get $rp) (i32.shl (local.get $j) (i32.const ${t.shift})))
        (${t.v}.add (v128.load (i32.add (local.get $rp) (i32.shl (local.get $j) (i32.const ${t.shift}))))
                   (v128.load (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const ${t.shift}))))))
      (local.set $j (i32.add (local.get $j) (i32.const ${t.lanes})))
      (br $vl)))
    (block $sd (loop $sl
      (br_if $sd (i32.ge_u (local.get $j) (local.get $w)))
      (${t.s}.store (i32.add (local.get $rp) (i32.shl (local.get $j) (i32.const ${t.shift})))
        (${t.s}.add (${t.s}.load (i32.add (local.get $rp) (i32.shl (local.get $j) (i32.const ${t.shift}))))
                 (${t.s}.load (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const ${t.shift}))))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $sl)))
    (local.set $rp (i32.add (local.get $rp) (i32.shl (local.get $w) (i32.const ${t.shift}))))
    (local.set $row (i32.add (local.get $row) (i32.const 1)))
    (br $rl))))
(func (export "grad") (param $dZ i32) (param $db i32) (param $N i32) (param $w i32)
  (local $row i32) (local $j i32) (local $p i32) (local $ld i32) (local $s ${t.s})
  (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
  (local.set $ld (i32.shl (local.get $w) (i32.const ${t.shift})))
  ;; blocks of 16 columns
  (block $bd (loop $bl
    (br_if $bd (i32.gt_u (i32.add (local.get $j) (i32.const ${4 * t.lanes})) (local.get $w)))
    (local.set $a0 (v128.load (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const ${t.shift})))))
    (local.set $a1 (v128.load offset=16 (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const ${t.shift})))))
    (local.set $a2 (v128.load offset=32 (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const ${t.shift})))))
    (local.set $a3 (v128.load offset=48 (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const ${t.shift})))))
    (local.set $p (i32.add (local.get $dZ) (i32.shl (local.get $j) (i32.const ${t.shift}))))
    (local.set $row (i32.const 0))
    (block $rd (loop $rl
      (br_if $rd (i32.ge_u (local.get $row) (local.get $N)))
      (local.set $a0 (${t.v}.add (local.get $a0) (v128.load (local.get $p))))
      (local.set $a1 (${t.v}.add (local.get $a1) (v128.load offset=16 (local.get $p))))
      (local.set $a2 (${t.v}.add (local.get $a2) (v128.load offset=32 (local.get $p))))
      (local.set $a3 (${t.v}.add (local.get $a3) (v128.load offset=48 (local.get $p))))
      (local.set $p (i32.add (local.get $p) (local.get $ld)))
      (local.set $row (i32.add (local.get $row) (i32.const 1)))
      (br $rl)))
    (v128.store (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const ${t.shift}))) (local.get $a0))
    (v128.store offset=16 (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const ${t.shift}))) (local.get $a1))
    (v128.store offset=32 (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const ${t.shift}))) (local.get $a2))
    (v128.store offset=48 (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const ${t.shift}))) (local.get $a3))
    (local.set $j (i32.add (local.get $j) (i32.const ${4 * t.lanes})))
    (br $bl)))
  ;; blocks of 4 columns
  (block $qd (loop $ql
    (br_if $qd (i32.gt_u (i32.add (local.get $j) (i32.const ${t.lanes})) (local.get $w)))
    (local.set $a0 (v128.load (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const ${t.shift})))))
    (local.set $p (i32.add (local.get $dZ) (i32.shl (local.get $j) (i32.const ${t.shift}))))
    (local.set $row (i32.const 0))
    (block $rd2 (loop $rl2
      (br_if $rd2 (i32.ge_u (local.get $row) (local.get $N)))
      (local.set $a0 (${t.v}.add (local.get $a0) (v128.load (local.get $p))))
      (local.set $p (i32.add (local.get $p) (local.get $ld)))
      (local.set $row (i32.add (local.get $row) (i32.const 1)))
      (br $rl2)))
    (v128.store (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const ${t.shift}))) (local.get $a0))
    (local.set $j (i32.add (local.get $j) (i32.const ${t.lanes})))
    (br $ql)))
  ;; single columns
  (block $cd (loop $cl
    (br_if $cd (i32.ge_u (local.get $j) (local.get $w)))
    (local.set $s (${t.s}.load (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const ${t.shift})))))
    (local.set $p (i32.add (local.get $dZ) (i32.shl (local.get $j) (i32.const ${t.shift}))))
    (local.set $row (i32.const 0))
    (block $rd3 (loop $rl3
      (br_if $rd3 (i32.ge_u (local.get $row) (local.get $N)))
      (local.set $s (${t.s}.add (local.get $s) (${t.s}.load (local.get $p))))
      (local.set $p (i32.add (local.get $p) (local.get $ld)))
      (local.set $row (i32.add (local.get $row) (i32.const 1)))
      (br $rl3)))
    (${t.s}.store (i32.add (local.get $db) (i32.shl (local.get $j) (i32.const ${t.shift}))) (local.get $s))
    (local.set $j (i32.add (local.get $j) (i32.const 1)))
    (br $cl))))
)`;
}

type Fn = (...args: number[]) => number | undefined;

/**
 * The compiled jet rule of one activation on one layout.
 * Buffers (byte offsets into the runtime's memory) hold K = layout.channels.length channels of
 * E = N * w float32s each; the save buffer holds `saves` arrays of E float32s.
 */
export class JetRule {
  private constructor(
    private readonly fwdFn: Fn,
    private readonly bwdFn: Fn,
    /** Channels of the layout. */
    readonly channels: number,
    /** Per-element float32 arrays the forward pass saves for the backward pass (0 for tanh). */
    readonly saves: number,
  ) {}

  /** Build (or fetch from the runtime's cache) the rule of `activation` on `layout`. */
  static create(
    rt: KernelRuntime,
    layout: JetLayout,
    activation: string,
    variant?: SimdVariant | "auto",
    dtype: DType = "f32",
  ): JetRule {
    if (!isKernelActivation(activation))
      throw new Error(
        `kernels: activation "${activation}" has no fused jet rule (tanh, sin and gelu do)`,
      );
    const v = rt.variant(variant);
    const key = `jet:${activation}:${v}${dtype === "f64" ? ":f64" : ""}:${layoutKey(layout)}`;
    const mod = rt.module(key, () => jetRuleWat(layout, activation, v === "relaxed", rt, dtype));
    return new JetRule(mod.fwd, mod.bwd, layout.channels.length, activationCode(activation).saves);
  }

  /**
   * Forward rule: H [K][E] = f(Z [K][E]) by Faa di Bruno; writes the saved values to S [saves][E].
   * H must not alias Z (the backward pass reads both).
   */
  forward(z: number, h: number, s: number, e: number): void {
    this.fwdFn(z, h, s, e);
  }

  /** Backward rule: dZ [K][E] from dH [K][E], reading Z, H and S of the forward pass. dZ may be dH. */
  backward(dh: number, z: number, h: number, s: number, dz: number, e: number): void {
    this.bwdFn(dh, z, h, s, dz, e);
  }
}

/** The compiled Leibniz product rule of one layout: P = A * B for jets of K channels of E floats. */
export class LeibnizRule {
  private constructor(
    private readonly fwdFn: Fn,
    private readonly bwdFn: Fn,
    private readonly bwdAccFn: Fn,
    private readonly bwdAccBFn: Fn,
  ) {}

  /** Build (or fetch from the runtime's cache) the product rule of `layout`. */
  static create(
    rt: KernelRuntime,
    layout: JetLayout,
    variant?: SimdVariant | "auto",
    dtype: DType = "f32",
  ): LeibnizRule {
    const v = rt.variant(variant);
    const mod = rt.module(`leibniz:${v}${dtype === "f64" ? ":f64" : ""}:${layoutKey(layout)}`, () =>
      leibnizWat(layout, v === "relaxed", rt, dtype),
    );
    return new LeibnizRule(mod.fwd, mod.bwd, mod.bwd_acc, mod.bwd_acc_b);
  }

  /** P [K][E] = A [K][E] * B [K][E] (jet product). */
  forward(a: number, b: number, p: number, e: number): void {
    this.fwdFn(a, b, p, e);
  }

  /** dA, dB [K][E] from dP [K][E] (overwritten, or added to when `accumulate`). */
  backward(
    dp: number,
    a: number,
    b: number,
    da: number,
    db: number,
    e: number,
    accumulate = false,
  ): void {
    (accumulate ? this.bwdAccFn : this.bwdFn)(dp, a, b, da, db, e);
  }

  /**
   * dA [K][E] overwritten and dB [K][E] added to, from dP [K][E]. dA may be dP (the adjoint is
   * then replaced in place); dB must be a third buffer.
   */
  backwardAccumulateB(dp: number, a: number, b: number, da: number, db: number, e: number): void {
    this.bwdAccBFn(dp, a, b, da, db, e);
  }
}

/** Bias kernels on row-major [N, w] matrices (the value channel of a linear layer). */
export class BiasKernels {
  private constructor(
    private readonly addFn: Fn,
    private readonly gradFn: Fn,
  ) {}

  /** Build (or fetch from the runtime's cache) the bias kernels. */
  static create(rt: KernelRuntime, dtype: DType = "f32"): BiasKernels {
    const mod = rt.module(dtype === "f64" ? "bias:f64" : "bias", () => biasWat(dtype));
    return new BiasKernels(mod.add, mod.grad);
  }

  /** Z [N, w] += b [w] on every row. */
  add(z: number, b: number, n: number, w: number): void {
    this.addFn(z, b, n, w);
  }

  /** db [w] += column sums of dZ [N, w]. */
  grad(dz: number, db: number, n: number, w: number): void {
    this.gradFn(dz, db, n, w);
  }
}
