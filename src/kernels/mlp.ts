/**
 * `KernelMlp`: the jet forward and backward pass of the plain MLP of `src/nets/network.ts`
 * (arch "mlp"), plus Adam, on the fused WebAssembly kernels. It computes the same function as
 * `createNetwork(config).applyJet` (same parameters, same input normalisation, same jet layout)
 * and the parameter gradient of any loss through its output channels.
 *
 * Data layout: a jet over N points of width w is K channel blocks of [N, w] row-major, stacked
 * into one [K * N, w] matrix, so every linear layer is one GEMM over all channels at once
 * (DESIGN.md: "the key to speed"). The bias is added to the value channel (the first N rows) only.
 *
 *   forward, per hidden layer l:   Z_l = H_{l-1} W_l (GEMM nn);  Z_l[0] += b_l;  H_l = f(Z_l) (jet rule)
 *   output:                        Out = H_D W_out;  Out[0] += b_out
 *   backward:                      dW += Hᵀ dZ (GEMM tn, accumulated straight into the gradient),
 *                                  db += colsum(dZ[0]),  dH_prev = dZ Wᵀ (GEMM nt),
 *                                  dZ = jet-rule adjoint of dH (in place)
 *
 * Memory: parameters, gradient and Adam moments are flat float32 arrays in the tree order of
 * jax-js's `tree.leaves(NetParams)`, i.e. hidden[0].w, hidden[0].b, ..., out.w, out.b (object keys
 * in insertion order, w before b: checked in the tests), so `loadParams`/`grad` exchange data
 * with the jax-js side without any reordering. Workspaces (every layer's Z and H, saved values,
 * adjoint ping-pong buffers) are allocated once per (slot, layout, N) and reused by every step, so
 * memory stays flat over training.
 *
 * Extension points (not implemented yet): Fourier features and the periodic embedding are jets of
 * the input computed before the body (a GEMM by the fixed B plus the sin jet rule on shifted
 * channels) and would fill H0 with more columns; random weight factorisation would keep an
 * effective-weight buffer W = V diag(exp(s)) refreshed after each update and chain dV, ds from dW.
 */
import type { JetLayout } from "../jet/multiindex.js";
import type { NetConfig } from "../nets/network.js";
import { type AdamConstants, ADAM_KERNEL_DEFAULTS, AdamKernel } from "./adam.js";
import { KernelRuntime, type SimdVariant } from "./assemble.js";
import { Gemm, type GemmConfig } from "./gemm.js";
import { BiasKernels, JetRule, layoutKey } from "./jetrule.js";
import { isKernelActivation } from "./activation.js";

/** Where one dense layer's parameters sit in the flat vector (element offsets). */
export interface DenseSlot {
  /** Offset of W [fanIn, fanOut] (row-major). */
  readonly w: number;
  /** Offset of b [fanOut]. */
  readonly b: number;
  readonly fanIn: number;
  readonly fanOut: number;
}

/**
 * The flat parameter layout of a plain MLP in `tree.leaves` order: hidden layers, then the output
 * layer, each W then b.
 */
export function mlpParamLayout(c: NetConfig): { layers: DenseSlot[]; count: number } {
  const layers: DenseSlot[] = [];
  let off = 0;
  let fin = c.inputs;
  for (let l = 0; l <= c.depth; l++) {
    const fout = l < c.depth ? c.width : c.outputs;
    layers.push({ w: off, b: off + fin * fout, fanIn: fin, fanOut: fout });
    off += fin * fout + fout;
    fin = fout;
  }
  return { layers, count: off };
}

/** Why a configuration cannot run on the kernels, or null when it can. */
export function kernelMlpUnsupported(c: NetConfig): string | null {
  if (c.arch !== "mlp") return `arch "${c.arch}" (only "mlp" has kernels so far)`;
  if (!isKernelActivation(c.activation))
    return `activation "${c.activation}" (tanh, sin and gelu have kernels)`;
  if (c.periodic.length > 0) return "the periodic embedding";
  if (c.fourier) return "Fourier features";
  if (c.rwf) return "random weight factorisation";
  if (c.precision !== "float32") return `precision ${c.precision} (the kernels are float32)`;
  return null;
}

/** Options of a {@link KernelMlp}. */
export interface KernelMlpOptions {
  /** SIMD variant; "auto" (default) picks relaxed SIMD where the engine has it. */
  readonly variant?: SimdVariant | "auto";
  /** Override the GEMM tile and blocking (for experiments). */
  readonly gemm?: GemmConfig;
}

interface Workspace {
  readonly layout: JetLayout;
  readonly K: number;
  readonly N: number;
  readonly rule: JetRule;
  /** Input jet H0 [K][N, inputs]. */
  readonly h0: number;
  /** Per hidden layer: Z [K][N, width], H [K][N, width], saved values [saves][N, width]. */
  readonly z: number[];
  readonly h: number[];
  readonly s: number[];
  /** Output jet [K][N, outputs] and its adjoint. */
  readonly out: number;
  readonly dout: number;
  /** Adjoint ping-pong buffers [K][N, width]. */
  readonly da: number;
  readonly db: number;
  /** Has a forward pass run since the workspace was made (backward needs one). */
  ran: boolean;
}

/**
 * A plain MLP on the fused kernels: jet forward, parameter gradient by the hand-derived adjoint,
 * Adam in place.
 * @example
 * const net = await KernelMlp.create(config);
 * net.loadParams(flat);                         // tree.leaves order, float32
 * const out = net.forward(layout, X, N);        // [K][N * outputs]
 * net.zeroGrad();
 * net.backward(dLoss_dOut);                     // [K][N * outputs]
 * net.adamStep(1e-3);
 */
export class KernelMlp {
  /** The network configuration (arch "mlp"). */
  readonly config: NetConfig;
  /** Number of float32 parameters. */
  readonly paramCount: number;
  /** Parameter slots per layer (hidden layers, then the output layer). */
  readonly layers: readonly DenseSlot[];
  /** The SIMD variant in use. */
  readonly variant: SimdVariant;
  readonly runtime: KernelRuntime;
  private readonly gemm: Gemm;
  private readonly bias: BiasKernels;
  private readonly adam: AdamKernel;
  private readonly P: number;
  private readonly G: number;
  private readonly M: number;
  private readonly V: number;
  private readonly workspaces = new Map<string, Workspace>();
  private readonly lastBySlot = new Map<string, Workspace>();
  private lastSlot: string | undefined;
  private count = 0;
  private b1t = 1;
  private b2t = 1;

  private constructor(rt: KernelRuntime, config: NetConfig, opts: KernelMlpOptions) {
    const why = kernelMlpUnsupported(config);
    if (why) throw new Error(`KernelMlp: unsupported configuration: ${why}`);
    this.runtime = rt;
    this.config = config;
    this.variant = rt.variant(opts.variant);
    const { layers, count } = mlpParamLayout(config);
    this.layers = layers;
    this.paramCount = count;
    this.gemm = Gemm.create(rt, this.variant, opts.gemm);
    this.bias = BiasKernels.create(rt);
    this.adam = AdamKernel.create(rt);
    rt.arena.check(16 * count, "network parameters, gradient and Adam moments");
    this.P = rt.arena.allocF32(count, "parameters");
    this.G = rt.arena.allocF32(count, "gradient");
    this.M = rt.arena.allocF32(count, "Adam first moment");
    this.V = rt.arena.allocF32(count, "Adam second moment");
  }

  /**
   * A kernel MLP with its own runtime (memory, arena, module cache).
   * @throws when the configuration is not supported (see {@link kernelMlpUnsupported})
   */
  static async create(config: NetConfig, opts: KernelMlpOptions = {}): Promise<KernelMlp> {
    return new KernelMlp(await KernelRuntime.create(), config, opts);
  }

  /** A kernel MLP sharing an existing runtime (and its compiled modules). */
  static withRuntime(rt: KernelRuntime, config: NetConfig, opts: KernelMlpOptions = {}): KernelMlp {
    return new KernelMlp(rt, config, opts);
  }

  private view(ptr: number, n: number): Float32Array {
    return this.runtime.f32(ptr, n);
  }

  /** Copy parameters in (flat, tree.leaves order, length {@link paramCount}). */
  loadParams(flat: ArrayLike<number>): void {
    if (flat.length !== this.paramCount)
      throw new Error(
        `KernelMlp.loadParams: expected ${this.paramCount} values, got ${flat.length}`,
      );
    this.view(this.P, this.paramCount).set(flat);
  }

  /** A copy of the parameters (flat, tree.leaves order). */
  params(): Float32Array {
    return Float32Array.from(this.view(this.P, this.paramCount));
  }

  /** A copy of the accumulated gradient (flat, tree.leaves order). */
  grad(): Float32Array {
    return Float32Array.from(this.view(this.G, this.paramCount));
  }

  /** Set the accumulated gradient to zero. */
  zeroGrad(): void {
    this.view(this.G, this.paramCount).fill(0);
  }

  /** Adam steps taken since creation or {@link adamReset}. */
  get adamCount(): number {
    return this.count;
  }

  /** Zero Adam's moments and step count. */
  adamReset(): void {
    this.view(this.M, this.paramCount).fill(0);
    this.view(this.V, this.paramCount).fill(0);
    this.count = 0;
    this.b1t = 1;
    this.b2t = 1;
  }

  /**
   * One Adam step with the accumulated gradient, in place, exactly as `adamUpdate` does it
   * (b1^t, b2^t kept as float32 running products like `AdamState`).
   */
  adamStep(lr: number, o: AdamConstants = ADAM_KERNEL_DEFAULTS): void {
    this.count++;
    this.b1t = Math.fround(this.b1t * o.b1);
    this.b2t = Math.fround(this.b2t * o.b2);
    const c1 = Math.fround(1 - this.b1t);
    const c2 = Math.fround(1 - this.b2t);
    this.adam.step(this.P, this.M, this.V, this.G, this.paramCount, lr, c1, c2, o);
  }

  private workspace(layout: JetLayout, N: number, slot: string): Workspace {
    const key = `${slot}|${N}|${layoutKey(layout)}`;
    const have = this.workspaces.get(key);
    if (have) return have;
    const c = this.config;
    if (layout.dims !== c.inputs)
      throw new Error(`KernelMlp.forward: layout has ${layout.dims} inputs, network ${c.inputs}`);
    const rule = JetRule.create(this.runtime, layout, c.activation, this.variant);
    const K = layout.channels.length;
    const W = c.width;
    const chW = K * N * W;
    const floats =
      K * N * c.inputs + c.depth * (2 * chW + rule.saves * N * W) + 2 * K * N * c.outputs + 2 * chW;
    const arena = this.runtime.arena;
    arena.check(4 * floats + 16 * (2 * c.depth + 6), `jet workspace (${K} channels x ${N} points)`);
    const h0 = arena.allocF32(K * N * c.inputs, "input jet");
    const z: number[] = [];
    const h: number[] = [];
    const s: number[] = [];
    for (let l = 0; l < c.depth; l++) {
      z.push(arena.allocF32(chW, "pre-activation jet"));
      h.push(arena.allocF32(chW, "activation jet"));
      s.push(arena.allocF32(Math.max(1, rule.saves * N * W), "saved activation values"));
    }
    const ws: Workspace = {
      layout,
      K,
      N,
      rule,
      h0,
      z,
      h,
      s,
      out: arena.allocF32(K * N * c.outputs, "output jet"),
      dout: arena.allocF32(K * N * c.outputs, "output adjoint"),
      da: arena.allocF32(chW, "adjoint buffer"),
      db: arena.allocF32(chW, "adjoint buffer"),
      ran: false,
    };
    // the input jet's derivative channels are constant: d/dx_i of the normalised input is
    // scale_i e_i, higher derivatives vanish (inputJet + embed of network.ts)
    const d = c.inputs;
    layout.channels.forEach((mi, k) => {
      if (k === 0) return;
      const ch = this.view(h0 + 4 * k * N * d, N * d);
      ch.fill(0);
      if (mi.length === 1) {
        const i = mi[0];
        const scale = Math.fround(2 / (c.hi[i] - c.lo[i]));
        for (let n = 0; n < N; n++) ch[n * d + i] = scale;
      }
    });
    this.workspaces.set(key, ws);
    return ws;
  }

  /**
   * Jet forward pass.
   * @param layout the channels wanted (dims = config.inputs)
   * @param X points, row-major [N, inputs]
   * @param N number of points
   * @param slot names the tape this pass is kept in for {@link backward}: passes over different
   *   terms that are all differentiated later need different slots (default "main")
   * @returns output channels in layout order, each a fresh [N, outputs] row-major array
   */
  forward(layout: JetLayout, X: ArrayLike<number>, N: number, slot = "main"): Float32Array[] {
    const c = this.config;
    const d = c.inputs;
    if (X.length !== N * d)
      throw new Error(`KernelMlp.forward: X has ${X.length} values, expected ${N}x${d}`);
    const ws = this.workspace(layout, N, slot);
    const { K } = ws;
    // value channel: x * scale + shift, in float32 operations as embed() does them
    const x0 = this.view(ws.h0, N * d);
    for (let i = 0; i < d; i++) {
      const scale = Math.fround(2 / (c.hi[i] - c.lo[i]));
      const shift = Math.fround(-1 - c.lo[i] * (2 / (c.hi[i] - c.lo[i])));
      for (let n = 0; n < N; n++)
        x0[n * d + i] = Math.fround(Math.fround(X[n * d + i] * scale) + shift);
    }
    let prev = ws.h0;
    for (let l = 0; l < c.depth; l++) {
      const L = this.layers[l];
      this.gemm.run("nn", {
        m: K * N,
        n: L.fanOut,
        k: L.fanIn,
        a: prev,
        b: this.P + 4 * L.w,
        c: ws.z[l],
      });
      this.bias.add(ws.z[l], this.P + 4 * L.b, N, L.fanOut);
      ws.rule.forward(ws.z[l], ws.h[l], ws.s[l], N * L.fanOut);
      prev = ws.h[l];
    }
    const O = this.layers[c.depth];
    this.gemm.run("nn", {
      m: K * N,
      n: O.fanOut,
      k: O.fanIn,
      a: prev,
      b: this.P + 4 * O.w,
      c: ws.out,
    });
    this.bias.add(ws.out, this.P + 4 * O.b, N, O.fanOut);
    ws.ran = true;
    this.lastBySlot.set(slot, ws);
    this.lastSlot = slot;
    const outs: Float32Array[] = [];
    for (let k = 0; k < K; k++)
      outs.push(Float32Array.from(this.view(ws.out + 4 * k * N * O.fanOut, N * O.fanOut)));
    return outs;
  }

  /**
   * Backward pass of the latest forward pass of a slot: adds d(loss)/d(params) to the gradient.
   * @param dOut d(loss)/d(output channel k), one [N, outputs] array per channel of the layout
   * @param slot the tape (default: the slot of the latest forward pass)
   */
  backward(dOut: readonly ArrayLike<number>[], slot?: string): void {
    const s = slot ?? this.lastSlot;
    const ws = s === undefined ? undefined : this.lastBySlot.get(s);
    if (!ws || !ws.ran)
      throw new Error(`KernelMlp.backward: no forward pass in slot "${s ?? "main"}"`);
    const c = this.config;
    const { K, N } = ws;
    const O = this.layers[c.depth];
    if (dOut.length !== K)
      throw new Error(`KernelMlp.backward: ${dOut.length} channels, layout has ${K}`);
    for (let k = 0; k < K; k++) {
      if (dOut[k].length !== N * O.fanOut)
        throw new Error(
          `KernelMlp.backward: channel ${k} has ${dOut[k].length} values, expected ${N * O.fanOut}`,
        );
      this.view(ws.dout + 4 * k * N * O.fanOut, N * O.fanOut).set(dOut[k]);
    }
    const G = this.G;
    const P = this.P;
    const last = c.depth > 0 ? ws.h[c.depth - 1] : ws.h0;
    // output layer
    this.gemm.run("tn", {
      m: O.fanIn,
      n: O.fanOut,
      k: K * N,
      a: last,
      b: ws.dout,
      c: G + 4 * O.w,
      accumulate: true,
    });
    this.bias.grad(ws.dout, G + 4 * O.b, N, O.fanOut);
    if (c.depth === 0) return;
    let da = ws.da;
    let db = ws.db;
    this.gemm.run("nt", { m: K * N, n: O.fanIn, k: O.fanOut, a: ws.dout, b: P + 4 * O.w, c: da });
    for (let l = c.depth - 1; l >= 0; l--) {
      const L = this.layers[l];
      // dH -> dZ in place
      ws.rule.backward(da, ws.z[l], ws.h[l], ws.s[l], da, N * L.fanOut);
      const hin = l > 0 ? ws.h[l - 1] : ws.h0;
      this.gemm.run("tn", {
        m: L.fanIn,
        n: L.fanOut,
        k: K * N,
        a: hin,
        b: da,
        c: G + 4 * L.w,
        accumulate: true,
      });
      this.bias.grad(da, G + 4 * L.b, N, L.fanOut);
      if (l > 0) {
        this.gemm.run("nt", { m: K * N, n: L.fanIn, k: L.fanOut, a: da, b: P + 4 * L.w, c: db });
        [da, db] = [db, da];
      }
    }
  }
}
