/**
 * `KernelMlp`: the jet forward and backward pass of every network of `src/nets/network.ts`, plus
 * Adam, on the fused WebAssembly kernels: the plain MLP and the modified MLP, each with or without
 * the periodic embedding, random Fourier features and random weight factorisation. It computes the
 * same function as `createNetwork(config).applyJet` (same parameters, same embedding, same jet
 * layout) and the parameter gradient of any loss through its output channels.
 *
 * Data layout: a jet over N points of width w is K channel blocks of [N, w] row-major, stacked
 * into one [K * N, w] matrix, so every linear layer is one GEMM over all channels at once
 * (DESIGN.md: "the key to speed"). The bias is added to the value channel (the first N rows) only.
 *
 * Embedding (no parameters, so no backward pass): E0 [K][N, e] holds the normalised non-periodic
 * inputs, then (cos, sin)(2 pi x_i / P) per periodic input, followed by its seam feature
 * sin(pi (x_i - lo_i) / P) when it has one (network.ts's column order), written from the points in
 * JS (the periodic columns' jets are c^m cos^(m), c^m sin^(m) of one angle).
 * With Fourier features, Zf = E0 [B | B] (one GEMM), Zf[0] += [pi/2 .. pi/2, 0 .. 0] and the sin
 * jet rule gives the features [cos z, sin z] in one pass. The body's input F is E0 or that result.
 *
 *   plain, per hidden layer l:  Z_l = H_{l-1} W_l (GEMM nn);  Z_l[0] += b_l;  H_l = f(Z_l) (jet rule)
 *   modified MLP:               U = f(F Wu + bu), V = f(F Wv + bv), D = V - U, and per layer
 *                               A_l = f(H_{l-1} W_l + b_l),  H_l = U + A_l * D  (Leibniz rule)
 *                               which is network.ts's (1 - A) * U + A * V
 *   output:                     Out = H_D W_out;  Out[0] += b_out
 *   backward:                   dW += Hᵀ dZ (GEMM tn), db += colsum(dZ[0]), dH_prev = dZ Wᵀ (GEMM nt),
 *                               dZ = jet-rule adjoint of dH (in place); the modified MLP's gate
 *                               gives dA_l (Leibniz adjoint, in place) and sums dH_l and dD_l over
 *                               the layers: dU = sum dH_l - sum dD_l, dV = sum dD_l.
 *   weight factorisation:       the GEMMs use W = w * exp(s) (per output column), refreshed after
 *                               every parameter change; dw = dW * exp(s), ds = colsum(dW * w) * exp(s).
 *
 * Precision: `config.precision` picks the element type of every buffer and kernel: float32 (f32x4
 * kernels, scalars rounded as jax-js's float32 arrays round them) or float64 (f64x2 kernels with
 * float64 transcendentals, nothing rounded); `loadParams`, `params`, `grad`, `forward` and the
 * Adam state exchange Float32Array or Float64Array accordingly.
 *
 * Memory: parameters, gradient and Adam moments are flat arrays in the tree order of
 * jax-js's `tree.leaves(NetParams)` (object keys in insertion order, checked in the tests):
 * hidden[0], ..., hidden[D-1], out, then encU, encV for the modified MLP, each dense layer w, b and
 * (weight factorisation) s. So `loadParams`/`grad` exchange data with the jax-js side without any
 * reordering. Workspaces (every layer's jets, saved values, adjoint buffers) are allocated once per
 * (slot, layout, N), the effective weights and constants once per network, and reused by every
 * step, so memory stays flat over training.
 */
import type { JetLayout, MultiIndex } from "../jet/multiindex.js";
import { type NetConfig, type NetConstants, embeddingWidth } from "../nets/network.js";
import { type AdamConstants, ADAM_KERNEL_DEFAULTS, AdamKernel } from "./adam.js";
import { KernelRuntime, type SimdVariant } from "./assemble.js";
import { ElementwiseKernels } from "./elementwise.js";
import { Gemm, type GemmConfig } from "./gemm.js";
import { BiasKernels, JetRule, LeibnizRule, layoutKey } from "./jetrule.js";
import { isKernelActivation } from "./activation.js";
import type { DType } from "./wat.js";

/** A flat float array of the network's precision (Float32Array or Float64Array). */
export type KernelArray = Float32Array | Float64Array;

/** Where one dense layer's parameters sit in the flat vector (element offsets). */
export interface DenseSlot {
  /** Offset of w [fanIn, fanOut] (row-major); the weight itself without factorisation. */
  readonly w: number;
  /** Offset of b [fanOut]. */
  readonly b: number;
  /** Offset of the factorisation's s [fanOut] (W = w * exp(s) per column), or -1 without it. */
  readonly s: number;
  readonly fanIn: number;
  readonly fanOut: number;
}

/** The flat parameter layout of a network, in `tree.leaves` order. */
export interface ParamLayout {
  /** Every dense layer in tree order: hidden layers, the output layer, then encU, encV. */
  readonly layers: readonly DenseSlot[];
  readonly hidden: readonly DenseSlot[];
  readonly out: DenseSlot;
  /** The modified MLP's encoders (null for the plain MLP). */
  readonly encU: DenseSlot | null;
  readonly encV: DenseSlot | null;
  /** Total number of parameters. */
  readonly count: number;
}

/**
 * Width of the embedded inputs (normalised inputs, a (cos, sin) pair per periodic input and its
 * seam feature).
 */
export function embedWidth(c: NetConfig): number {
  return embeddingWidth(c);
}

/** Width of the features entering the body (2 * features with Fourier features). */
export function featureWidth(c: NetConfig): number {
  return c.fourier ? 2 * c.fourier.features : embedWidth(c);
}

/**
 * The flat parameter layout of a network in `tree.leaves` order: hidden layers, the output layer,
 * then (modified MLP) the encoders U and V; each dense layer w, b, then s with weight
 * factorisation (network.ts builds `{ w, b, s }` in that order).
 */
export function mlpParamLayout(c: NetConfig): ParamLayout {
  let off = 0;
  const slot = (fanIn: number, fanOut: number): DenseSlot => {
    const w = off;
    const b = w + fanIn * fanOut;
    const s = c.rwf ? b + fanOut : -1;
    off = b + fanOut * (c.rwf ? 2 : 1);
    return { w, b, s, fanIn, fanOut };
  };
  const fw = featureWidth(c);
  const hidden: DenseSlot[] = [];
  for (let l = 0; l < c.depth; l++) hidden.push(slot(l === 0 ? fw : c.width, c.width));
  const out = slot(c.depth > 0 ? c.width : fw, c.outputs);
  const modified = c.arch === "modified-mlp";
  const encU = modified ? slot(fw, c.width) : null;
  const encV = modified ? slot(fw, c.width) : null;
  const layers = [...hidden, out, ...(encU && encV ? [encU, encV] : [])];
  return { layers, hidden, out, encU, encV, count: off };
}

/**
 * Why a configuration cannot run on the kernels, or null when it can: every architecture,
 * embedding and precision (float32, float64) of network.ts is supported; activations without a
 * fused jet rule are not.
 */
export function kernelMlpUnsupported(c: NetConfig): string | null {
  if (!isKernelActivation(c.activation))
    return `activation "${c.activation}" (tanh, sin and gelu have kernels)`;
  if (c.precision !== "float32" && c.precision !== "float64")
    return `precision ${String(c.precision)}`;
  return null;
}

/** Options of a {@link KernelMlp}. */
export interface KernelMlpOptions {
  /** SIMD variant; "auto" (default) picks relaxed SIMD where the engine has it. */
  readonly variant?: SimdVariant | "auto";
  /** Override the GEMM tile and blocking (for experiments). */
  readonly gemm?: GemmConfig;
  /**
   * The network's constants (`createNetwork(...).constants`): required with Fourier features,
   * whose matrix B [embedWidth, features] (row-major) they hold.
   */
  readonly constants?: NetConstants;
  /**
   * Trailing scalar parameters the network itself does not read (default 0): the raw leaves of
   * trainable PDE coefficients, which follow the network's leaves in `tree.leaves` order
   * (src/nets/coefficients.ts). They sit after the network's parameters in the flat parameter,
   * gradient and Adam buffers, so `loadParams`, `params`, `grad`, the Adam step and its state
   * carry them like any other parameter; their gradient comes from outside the network
   * ({@link KernelMlp.setExtraGrad}).
   */
  readonly extra?: number;
}

/** A dense layer as the kernels see it: its slot, the weight the GEMMs read, exp(s). */
interface DenseKernel {
  readonly slot: DenseSlot;
  /** Byte offset of the weight the GEMMs use: w itself, or the effective w * exp(s). */
  readonly weight: number;
  /** exp(s) per output column (in the network's precision); null without factorisation. */
  readonly expS: KernelArray | null;
}

/** A periodic input's columns in the embedding. */
interface PeriodicColumn {
  readonly input: number;
  /** Column of cos; sin is the next one. */
  readonly col: number;
  /** 2 pi / period, rounded to float32 as jax-js rounds the scalar (float64: not rounded). */
  readonly freq: number;
  /**
   * The seam feature sin(seamFreq x + seamShift) in column col + 2 (seamFreq = pi / period,
   * seamShift = -pi lo / period, rounded alike), or null without one.
   */
  readonly seam: { readonly freq: number; readonly shift: number } | null;
}

interface Workspace {
  readonly layout: JetLayout;
  readonly K: number;
  readonly N: number;
  readonly rule: JetRule;
  /** The sin rule of the Fourier features (null without them). */
  readonly sinRule: JetRule | null;
  /** The Leibniz rule of the modified MLP's gate (null for the plain MLP). */
  readonly gate: LeibnizRule | null;
  /** Per periodic column: the derivative channels (k >= 1) that differentiate only its input. */
  readonly pure: readonly (readonly { k: number; m: number }[])[];
  /** Embedded inputs E0 [K][N, e]. */
  readonly e0: number;
  /** Fourier pre-activation [K][N, 2F], the sin rule's saves, features [K][N, 2F] (0 without). */
  readonly fz: number;
  readonly fs: number;
  /** The body's input: e0 or the Fourier features. */
  readonly feats: number;
  /** Per hidden layer: Z [K][N, width], activation A [K][N, width], saved values. */
  readonly z: number[];
  readonly a: number[];
  readonly s: number[];
  /** Per hidden layer, modified MLP: the gated H = U + A * D (plain MLP: the same as `a`). */
  readonly h: number[];
  /** Modified MLP: encoder jets and saves, D = V - U (0 for the plain MLP). */
  readonly zu: number;
  readonly u: number;
  readonly su: number;
  readonly zv: number;
  readonly v: number;
  readonly sv: number;
  readonly d: number;
  /** Output jet [K][N, outputs] and its adjoint. */
  readonly out: number;
  readonly dout: number;
  /** Adjoint ping-pong buffers [K][N, width]; modified MLP: the sums of dH and dD. */
  readonly da: number;
  readonly db: number;
  readonly sumH: number;
  readonly sumD: number;
  /** Has a forward pass run since the workspace was made (backward needs one). */
  ran: boolean;
}

/** Adam's state in the kernel network. */
export interface KernelAdamState {
  readonly m: ArrayLike<number>;
  readonly v: ArrayLike<number>;
  readonly count: number;
  readonly b1t: number;
  readonly b2t: number;
}

/**
 * A network on the fused kernels: jet forward, parameter gradient by the hand-derived adjoint,
 * Adam in place.
 * @example
 * const net = createNetwork(config, seed);
 * const km = await KernelMlp.create(config, { constants: net.constants });
 * km.loadParams(flat);                          // tree.leaves order, config.precision
 * const out = km.forward(layout, X, N);         // [K][N * outputs]
 * km.zeroGrad();
 * km.backward(dLoss_dOut);                      // [K][N * outputs]
 * km.adamStep(1e-3);
 */
export class KernelMlp {
  /** The network configuration. */
  readonly config: NetConfig;
  /** Number of parameters: the network's, then the {@link KernelMlpOptions.extra} trailing ones. */
  readonly paramCount: number;
  /** Number of trailing parameters the network does not read (see {@link KernelMlpOptions.extra}). */
  readonly extraCount: number;
  /** Parameter slots of every dense layer in tree order (hidden, output, then encU, encV). */
  readonly layers: readonly DenseSlot[];
  /** The whole parameter layout. */
  readonly paramLayout: ParamLayout;
  /** The SIMD variant in use. */
  readonly variant: SimdVariant;
  /** Element type of every buffer: "f32" or "f64", from `config.precision`. */
  readonly dtype: DType;
  /** Bytes per element (4 or 8). */
  private readonly eb: 4 | 8;
  /** Rounding to the network's precision: Math.fround for float32, the identity for float64. */
  private readonly round: (x: number) => number;
  readonly runtime: KernelRuntime;
  private readonly gemm: Gemm;
  private readonly bias: BiasKernels;
  private readonly ew: ElementwiseKernels;
  private readonly adam: AdamKernel;
  private readonly P: number;
  private readonly G: number;
  private readonly M: number;
  private readonly V: number;
  private readonly hidden: DenseKernel[];
  private readonly outLayer: DenseKernel;
  private readonly encU: DenseKernel | null;
  private readonly encV: DenseKernel | null;
  private readonly dense: DenseKernel[];
  /** Scratch for a factorised layer's dW before it is chained to dw and ds (0 without). */
  private readonly dwScratch: number;
  private readonly colAcc: Float64Array;
  /** The effective weights need recomputing (parameters changed since). */
  private stale = true;
  /** Embedding: kept (non-periodic) inputs in column order, periodic columns, widths. */
  private readonly keep: readonly number[];
  private readonly periodicCols: readonly PeriodicColumn[];
  private readonly e: number;
  private readonly fw: number;
  /** Fourier: [B | B] [e, 2F] and the value-channel shift [2F] (0 without). */
  private readonly fourierB: number;
  private readonly fourierShift: number;
  private readonly workspaces = new Map<string, Workspace>();
  private readonly lastBySlot = new Map<string, Workspace>();
  private lastSlot: string | undefined;
  private count = 0;
  private b1t = 1;
  private b2t = 1;

  private constructor(rt: KernelRuntime, config: NetConfig, opts: KernelMlpOptions) {
    const why = kernelMlpUnsupported(config);
    if (why) throw new Error(`KernelMlp: unsupported configuration: ${why}`);
    const c = config;
    if (c.arch === "modified-mlp" && c.depth < 1)
      throw new Error("KernelMlp: modified-mlp needs depth >= 1");
    const periodicInputs = c.periodic.map((p) => p.input);
    if (new Set(periodicInputs).size !== periodicInputs.length)
      throw new Error("KernelMlp: an input is listed twice in the periodic embedding");
    for (const i of periodicInputs)
      if (!Number.isInteger(i) || i < 0 || i >= c.inputs)
        throw new Error(`KernelMlp: periodic input ${i} out of range`);
    this.runtime = rt;
    this.config = config;
    this.variant = rt.variant(opts.variant);
    this.dtype = c.precision === "float64" ? "f64" : "f32";
    this.eb = this.dtype === "f64" ? 8 : 4;
    this.round = this.dtype === "f64" ? (x: number) => x : Math.fround;
    const layout = mlpParamLayout(config);
    this.paramLayout = layout;
    this.layers = layout.layers;
    const extra = opts.extra ?? 0;
    if (!Number.isInteger(extra) || extra < 0)
      throw new Error(`KernelMlp: extra must be a non-negative integer, got ${extra}`);
    this.extraCount = extra;
    const count = layout.count + extra;
    this.paramCount = count;
    this.keep = [...Array(c.inputs).keys()].filter((i) => !periodicInputs.includes(i));
    let col = this.keep.length;
    this.periodicCols = c.periodic.map((p) => {
      const at = col;
      col += p.seam ? 3 : 2;
      return {
        input: p.input,
        col: at,
        freq: this.round((2 * Math.PI) / p.period),
        seam: p.seam
          ? {
              freq: this.round(Math.PI / p.period),
              shift: this.round((-Math.PI * c.lo[p.input]) / p.period),
            }
          : null,
      };
    });
    this.e = embedWidth(c);
    this.fw = featureWidth(c);
    let B: Float64Array | null = null;
    if (c.fourier) {
      B = opts.constants?.fourierB ?? null;
      if (!B)
        throw new Error(
          "KernelMlp: Fourier features need the network's constants (KernelMlp.create(config, { constants: net.constants }))",
        );
      if (B.length !== this.e * c.fourier.features)
        throw new Error(
          `KernelMlp: fourierB has ${B.length} values, expected ${this.e}x${c.fourier.features}`,
        );
    }

    const dt = this.dtype;
    this.gemm = Gemm.create(rt, this.variant, opts.gemm, dt);
    this.bias = BiasKernels.create(rt, dt);
    this.ew = ElementwiseKernels.create(rt, dt);
    this.adam = AdamKernel.create(rt, dt);
    const rwfSlots = c.rwf ? layout.layers : [];
    const effFloats = rwfSlots.reduce((n, L) => n + L.fanIn * L.fanOut, 0);
    const scratchFloats = rwfSlots.reduce((n, L) => Math.max(n, L.fanIn * L.fanOut), 0);
    const fourierFloats = B ? 3 * this.fw * this.e : 0;
    rt.arena.check(
      4 * this.eb * count + this.eb * (effFloats + scratchFloats + fourierFloats) + 16 * 8,
      "network parameters, gradient, Adam moments and effective weights",
    );
    this.P = this.alloc(count, "parameters");
    this.G = this.alloc(count, "gradient");
    this.M = this.alloc(count, "Adam first moment");
    this.V = this.alloc(count, "Adam second moment");
    this.dwScratch = scratchFloats > 0 ? this.alloc(scratchFloats, "dW scratch") : 0;
    this.colAcc = new Float64Array(rwfSlots.reduce((n, L) => Math.max(n, L.fanOut), 0));
    const kernelOf = (slot: DenseSlot): DenseKernel =>
      slot.s < 0
        ? { slot, weight: this.P + this.eb * slot.w, expS: null }
        : {
            slot,
            weight: this.alloc(slot.fanIn * slot.fanOut, "effective weights"),
            expS: dt === "f64" ? new Float64Array(slot.fanOut) : new Float32Array(slot.fanOut),
          };
    this.hidden = layout.hidden.map(kernelOf);
    this.outLayer = kernelOf(layout.out);
    this.encU = layout.encU ? kernelOf(layout.encU) : null;
    this.encV = layout.encV ? kernelOf(layout.encV) : null;
    this.dense = [
      ...this.hidden,
      this.outLayer,
      ...(this.encU && this.encV ? [this.encU, this.encV] : []),
    ];
    if (B && c.fourier) {
      const F = c.fourier.features;
      const e = this.e;
      this.fourierB = this.alloc(e * 2 * F, "Fourier matrix [B | B]");
      this.fourierShift = this.alloc(2 * F, "Fourier phase shift");
      const bb = this.view(this.fourierB, e * 2 * F);
      for (let r = 0; r < e; r++)
        for (let j = 0; j < F; j++) {
          bb[r * 2 * F + j] = B[r * F + j];
          bb[r * 2 * F + F + j] = B[r * F + j];
        }
      // cos z = sin(z + pi/2), with pi/2 rounded to float32 as jax-js adds it (float64: not)
      this.view(this.fourierShift, 2 * F)
        .fill(0)
        .fill(this.round(Math.PI / 2), 0, F);
    } else {
      this.fourierB = 0;
      this.fourierShift = 0;
    }
  }

  /**
   * A kernel network with its own runtime (memory, arena, module cache).
   * @param opts `constants` (the network's) is required with Fourier features
   * @throws when the configuration is not supported (see {@link kernelMlpUnsupported})
   */
  static async create(config: NetConfig, opts: KernelMlpOptions = {}): Promise<KernelMlp> {
    return new KernelMlp(await KernelRuntime.create(), config, opts);
  }

  /** A kernel network sharing an existing runtime (and its compiled modules). */
  static withRuntime(rt: KernelRuntime, config: NetConfig, opts: KernelMlpOptions = {}): KernelMlp {
    return new KernelMlp(rt, config, opts);
  }

  private view(ptr: number, n: number): KernelArray {
    return this.runtime.view(this.dtype, ptr, n);
  }

  /** Allocate `n` elements of the network's precision; returns the byte offset. */
  private alloc(n: number, what: string): number {
    return this.runtime.arena.alloc(this.eb * n, what);
  }

  /** Copy parameters in (flat, tree.leaves order, length {@link paramCount}). */
  loadParams(flat: ArrayLike<number>): void {
    if (flat.length !== this.paramCount)
      throw new Error(
        `KernelMlp.loadParams: expected ${this.paramCount} values, got ${flat.length}`,
      );
    this.view(this.P, this.paramCount).set(flat);
    this.stale = true;
  }

  /** A copy of the parameters (flat, tree.leaves order; Float64Array for float64). */
  params(): KernelArray {
    return this.view(this.P, this.paramCount).slice();
  }

  /** A copy of the accumulated gradient (flat, tree.leaves order; Float64Array for float64). */
  grad(): KernelArray {
    return this.view(this.G, this.paramCount).slice();
  }

  /** A copy of the trailing parameters (see {@link KernelMlpOptions.extra}). */
  extraParams(): KernelArray {
    return this.view(this.P + this.eb * this.paramLayout.count, this.extraCount).slice();
  }

  /**
   * Set the gradient of the trailing parameters (computed outside the network, e.g. a PDE
   * coefficient's by jax-js); {@link zeroGrad} zeroes it with the rest.
   */
  setExtraGrad(g: ArrayLike<number>): void {
    if (g.length !== this.extraCount)
      throw new Error(
        `KernelMlp.setExtraGrad: expected ${this.extraCount} values, got ${g.length}`,
      );
    this.view(this.G + this.eb * this.paramLayout.count, this.extraCount).set(g);
  }

  /** Set the accumulated gradient to zero. */
  zeroGrad(): void {
    this.view(this.G, this.paramCount).fill(0);
  }

  /** Adam steps taken since creation or {@link adamReset}. */
  get adamCount(): number {
    return this.count;
  }

  /** A copy of Adam's state: moments (flat, tree.leaves order), step count, b1^t and b2^t. */
  adamState(): KernelAdamState {
    return {
      m: this.view(this.M, this.paramCount).slice(),
      v: this.view(this.V, this.paramCount).slice(),
      count: this.count,
      b1t: this.b1t,
      b2t: this.b2t,
    };
  }

  /**
   * Replace Adam's state (as {@link adamState} returns it); a float32 network rounds float64
   * moments and b^t to float32.
   */
  loadAdamState(s: KernelAdamState): void {
    if (s.m.length !== this.paramCount || s.v.length !== this.paramCount) {
      throw new Error(`KernelMlp.loadAdamState: expected ${this.paramCount} moments`);
    }
    this.view(this.M, this.paramCount).set(s.m);
    this.view(this.V, this.paramCount).set(s.v);
    this.count = s.count;
    this.b1t = this.round(s.b1t);
    this.b2t = this.round(s.b2t);
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
   * (b1^t, b2^t kept as running products in the network's precision like `AdamState`).
   */
  adamStep(lr: number, o: AdamConstants = ADAM_KERNEL_DEFAULTS): void {
    const r = this.round;
    this.count++;
    this.b1t = r(this.b1t * o.b1);
    this.b2t = r(this.b2t * o.b2);
    const c1 = r(1 - this.b1t);
    const c2 = r(1 - this.b2t);
    this.adam.step(this.P, this.M, this.V, this.G, this.paramCount, lr, c1, c2, o);
    this.stale = true;
  }

  /** Recompute the factorised layers' W = w * exp(s) (as jax-js's `weight`) if stale. */
  private refreshWeights(): void {
    if (!this.stale) return;
    this.stale = false;
    for (const D of this.dense) {
      const { slot: L, expS } = D;
      if (!expS) continue;
      const fo = L.fanOut;
      const s = this.view(this.P + this.eb * L.s, fo);
      for (let j = 0; j < fo; j++) expS[j] = Math.exp(s[j]);
      const w = this.view(this.P + this.eb * L.w, L.fanIn * fo);
      const W = this.view(D.weight, L.fanIn * fo);
      for (let i = 0, idx = 0; i < L.fanIn; i++)
        for (let j = 0; j < fo; j++, idx++) W[idx] = w[idx] * expS[j];
    }
  }

  private workspace(layout: JetLayout, N: number, slot: string): Workspace {
    const key = `${slot}|${N}|${layoutKey(layout)}`;
    const have = this.workspaces.get(key);
    if (have) return have;
    const c = this.config;
    if (layout.dims !== c.inputs)
      throw new Error(`KernelMlp.forward: layout has ${layout.dims} inputs, network ${c.inputs}`);
    const rt = this.runtime;
    const rule = JetRule.create(rt, layout, c.activation, this.variant, this.dtype);
    const sinRule = c.fourier ? JetRule.create(rt, layout, "sin", this.variant, this.dtype) : null;
    const K = layout.channels.length;
    const W = c.width;
    const chW = K * N * W;
    const actSave = Math.max(1, rule.saves * N * W);
    const modified = c.arch === "modified-mlp";
    const F2 = this.fw;
    // every buffer, sized first so an impossible request fails before anything is allocated
    const plan: [string, number][] = [["input jet", K * N * this.e]];
    if (sinRule) {
      plan.push(["Fourier pre-activation jet", K * N * F2]);
      plan.push(["Fourier saved values", Math.max(1, sinRule.saves * N * F2)]);
      plan.push(["Fourier feature jet", K * N * F2]);
    }
    for (let l = 0; l < c.depth; l++) {
      plan.push(["pre-activation jet", chW], ["activation jet", chW]);
      plan.push(["saved activation values", actSave]);
      if (modified) plan.push(["gated jet", chW]);
    }
    if (modified) {
      for (const part of ["U", "V"]) {
        plan.push([`encoder ${part} pre-activation jet`, chW], [`encoder ${part} jet`, chW]);
        plan.push([`encoder ${part} saved values`, actSave]);
      }
      plan.push(["V - U jet", chW], ["gate adjoint sum", chW], ["gate adjoint sum", chW]);
    }
    plan.push(["output jet", K * N * c.outputs], ["output adjoint", K * N * c.outputs]);
    plan.push(["adjoint buffer", chW], ["adjoint buffer", chW]);
    const floats = plan.reduce((n, [, f]) => n + f, 0);
    rt.arena.check(
      this.eb * floats + 16 * plan.length,
      `jet workspace (${K} channels x ${N} points)`,
    );
    let next = 0;
    const take = (): number => {
      const [what, n] = plan[next++];
      return this.alloc(n, what);
    };
    const e0 = take();
    const [fz, fs, fFeats] = sinRule ? [take(), take(), take()] : [0, 0, 0];
    const z: number[] = [];
    const a: number[] = [];
    const s: number[] = [];
    const h: number[] = [];
    for (let l = 0; l < c.depth; l++) {
      z.push(take());
      a.push(take());
      s.push(take());
      h.push(modified ? take() : a[l]);
    }
    const [zu, u, su, zv, v, sv, d, sumH, sumD] = modified
      ? [take(), take(), take(), take(), take(), take(), take(), take(), take()]
      : [0, 0, 0, 0, 0, 0, 0, 0, 0];
    const [out, dout, da, db] = [take(), take(), take(), take()];
    const ws: Workspace = {
      layout,
      K,
      N,
      rule,
      sinRule,
      gate: modified ? LeibnizRule.create(rt, layout, this.variant, this.dtype) : null,
      pure: this.periodicCols.map((p) =>
        layout.channels.flatMap((mi: MultiIndex, k) =>
          k > 0 && mi.every((i) => i === p.input) ? [{ k, m: mi.length }] : [],
        ),
      ),
      e0,
      fz,
      fs,
      feats: sinRule ? fFeats : e0,
      z,
      a,
      s,
      h,
      zu,
      u,
      su,
      zv,
      v,
      sv,
      d,
      out,
      dout,
      da,
      db,
      sumH,
      sumD,
      ran: false,
    };
    // the derivative channels of the normalised columns are constant: d/dx_i of the normalised
    // input is scale_i e_i, higher derivatives vanish (inputJet + embed of network.ts); the
    // periodic columns' derivative channels are rewritten by every forward pass (zero elsewhere)
    const e = this.e;
    layout.channels.forEach((mi, k) => {
      if (k === 0) return;
      const ch = this.view(e0 + this.eb * k * N * e, N * e);
      ch.fill(0);
      if (mi.length !== 1) return;
      const col = this.keep.indexOf(mi[0]);
      if (col < 0) return;
      const scale = this.round(2 / (c.hi[mi[0]] - c.lo[mi[0]]));
      for (let n = 0; n < N; n++) ch[n * e + col] = scale;
    });
    this.workspaces.set(key, ws);
    return ws;
  }

  /** The embedded input jet E0 from the points (value channel and periodic columns). */
  private embed(ws: Workspace, X: ArrayLike<number>): void {
    const c = this.config;
    const { N } = ws;
    const d = c.inputs;
    const e = this.e;
    const x0 = this.view(ws.e0, N * e);
    // normalised columns: x * scale + shift, in the operations of the precision as embed() does them
    const r = this.round;
    this.keep.forEach((i, col) => {
      const scale = r(2 / (c.hi[i] - c.lo[i]));
      const shift = r(-1 - c.lo[i] * (2 / (c.hi[i] - c.lo[i])));
      for (let n = 0; n < N; n++) x0[n * e + col] = r(r(X[n * d + i] * scale) + shift);
    });
    // periodic columns, angle a = x * 2 pi / P: d^m/dx^m cos(a) = freq^m cos(a + m pi/2), sin alike
    this.periodicCols.forEach((p, q) => {
      const chans = ws.pure[q].map(({ k, m }) => ({
        ch: this.view(ws.e0 + this.eb * k * N * e, N * e),
        m,
        fm: p.freq ** m,
      }));
      const seam = p.seam;
      const seamChans = seam ? chans.map(({ ch, m }) => ({ ch, m, fm: seam.freq ** m })) : [];
      for (let n = 0; n < N; n++) {
        const ang = r(X[n * d + p.input] * p.freq);
        const cs = Math.cos(ang);
        const sn = Math.sin(ang);
        const at = n * e + p.col;
        x0[at] = cs;
        x0[at + 1] = sn;
        for (const { ch, m, fm } of chans) {
          // cos^(m) = cos, -sin, -cos, sin; sin^(m) = sin, cos, -sin, -cos
          const r = m % 4;
          ch[at] = fm * (r === 0 ? cs : r === 1 ? -sn : r === 2 ? -cs : sn);
          ch[at + 1] = fm * (r === 0 ? sn : r === 1 ? cs : r === 2 ? -sn : -cs);
        }
        if (!seam) continue;
        // seam feature sin(b), b = pi (x - lo) / P, as network.ts forms it (x * freq + shift)
        const b = r(r(X[n * d + p.input] * seam.freq) + seam.shift);
        const sb = Math.sin(b);
        const cb = Math.cos(b);
        x0[at + 2] = sb;
        for (const { ch, m, fm } of seamChans) {
          const r = m % 4;
          ch[at + 2] = fm * (r === 0 ? sb : r === 1 ? cb : r === 2 ? -sb : -cb);
        }
      }
    });
  }

  /** Z = X W (+ b on the value channel) for all K channels at once. */
  private denseForward(D: DenseKernel, x: number, z: number, K: number, N: number): void {
    const L = D.slot;
    this.gemm.run("nn", { m: K * N, n: L.fanOut, k: L.fanIn, a: x, b: D.weight, c: z });
    this.bias.add(z, this.P + this.eb * L.b, N, L.fanOut);
  }

  /** Gradient of a dense layer from its input jet x and output adjoint dz: dW (chained), db. */
  private denseGrad(D: DenseKernel, x: number, dz: number, K: number, N: number): void {
    const L = D.slot;
    const G = this.G;
    if (!D.expS) {
      this.gemm.run("tn", {
        m: L.fanIn,
        n: L.fanOut,
        k: K * N,
        a: x,
        b: dz,
        c: G + this.eb * L.w,
        accumulate: true,
      });
    } else {
      // dW of the effective weight, then dw = dW * exp(s), ds = colsum(dW * w) * exp(s)
      const fi = L.fanIn;
      const fo = L.fanOut;
      this.gemm.run("tn", { m: fi, n: fo, k: K * N, a: x, b: dz, c: this.dwScratch });
      const dW = this.view(this.dwScratch, fi * fo);
      const w = this.view(this.P + this.eb * L.w, fi * fo);
      const gw = this.view(G + this.eb * L.w, fi * fo);
      const gs = this.view(G + this.eb * L.s, fo);
      const ex = D.expS;
      const acc = this.colAcc;
      acc.fill(0, 0, fo);
      for (let i = 0, idx = 0; i < fi; i++)
        for (let j = 0; j < fo; j++, idx++) {
          const g = dW[idx];
          gw[idx] += g * ex[j];
          acc[j] += g * w[idx];
        }
      for (let j = 0; j < fo; j++) gs[j] += acc[j] * ex[j];
    }
    this.bias.grad(dz, G + this.eb * L.b, N, L.fanOut);
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
  forward(layout: JetLayout, X: ArrayLike<number>, N: number, slot = "main"): KernelArray[] {
    const c = this.config;
    const d = c.inputs;
    if (X.length !== N * d)
      throw new Error(`KernelMlp.forward: X has ${X.length} values, expected ${N}x${d}`);
    const ws = this.workspace(layout, N, slot);
    this.refreshWeights();
    const { K } = ws;
    const E = N * c.width;
    this.embed(ws, X);
    if (ws.sinRule) {
      const F2 = this.fw;
      this.gemm.run("nn", { m: K * N, n: F2, k: this.e, a: ws.e0, b: this.fourierB, c: ws.fz });
      this.bias.add(ws.fz, this.fourierShift, N, F2);
      ws.sinRule.forward(ws.fz, ws.feats, ws.fs, N * F2);
    }
    let prev = ws.feats;
    if (ws.gate) {
      const gate = ws.gate;
      const [U, V] = [this.encU, this.encV] as [DenseKernel, DenseKernel];
      this.denseForward(U, ws.feats, ws.zu, K, N);
      ws.rule.forward(ws.zu, ws.u, ws.su, E);
      this.denseForward(V, ws.feats, ws.zv, K, N);
      ws.rule.forward(ws.zv, ws.v, ws.sv, E);
      this.ew.sub(ws.v, ws.u, ws.d, K * E);
      for (let l = 0; l < c.depth; l++) {
        this.denseForward(this.hidden[l], prev, ws.z[l], K, N);
        ws.rule.forward(ws.z[l], ws.a[l], ws.s[l], E);
        gate.forward(ws.a[l], ws.d, ws.h[l], E);
        this.ew.add(ws.h[l], ws.u, ws.h[l], K * E);
        prev = ws.h[l];
      }
    } else {
      for (let l = 0; l < c.depth; l++) {
        this.denseForward(this.hidden[l], prev, ws.z[l], K, N);
        ws.rule.forward(ws.z[l], ws.a[l], ws.s[l], E);
        prev = ws.h[l];
      }
    }
    const O = this.outLayer.slot;
    this.denseForward(this.outLayer, prev, ws.out, K, N);
    ws.ran = true;
    this.lastBySlot.set(slot, ws);
    this.lastSlot = slot;
    const outs: KernelArray[] = [];
    for (let k = 0; k < K; k++)
      outs.push(this.view(ws.out + this.eb * k * N * O.fanOut, N * O.fanOut).slice());
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
    const O = this.outLayer.slot;
    if (dOut.length !== K)
      throw new Error(`KernelMlp.backward: ${dOut.length} channels, layout has ${K}`);
    for (let k = 0; k < K; k++) {
      if (dOut[k].length !== N * O.fanOut)
        throw new Error(
          `KernelMlp.backward: channel ${k} has ${dOut[k].length} values, expected ${N * O.fanOut}`,
        );
      this.view(ws.dout + this.eb * k * N * O.fanOut, N * O.fanOut).set(dOut[k]);
    }
    this.refreshWeights();
    const { gate } = ws;
    const E = N * c.width;
    const last = c.depth > 0 ? ws.h[c.depth - 1] : ws.feats;
    this.denseGrad(this.outLayer, last, ws.dout, K, N);
    if (c.depth === 0) return;
    let da = ws.da;
    let db = ws.db;
    const outW = this.outLayer.weight;
    this.gemm.run("nt", { m: K * N, n: O.fanIn, k: O.fanOut, a: ws.dout, b: outW, c: da });
    if (gate) {
      this.view(ws.sumH, K * E).fill(0);
      this.view(ws.sumD, K * E).fill(0);
    }
    for (let l = c.depth - 1; l >= 0; l--) {
      const D = this.hidden[l];
      if (gate) {
        // H_l = U + A_l * D: dU gets dH_l, then dH_l -> dA_l in place while dD accumulates
        this.ew.add(ws.sumH, da, ws.sumH, K * E);
        gate.backwardAccumulateB(da, ws.a[l], ws.d, da, ws.sumD, E);
      }
      // dA -> dZ in place
      ws.rule.backward(da, ws.z[l], ws.a[l], ws.s[l], da, E);
      this.denseGrad(D, l > 0 ? ws.h[l - 1] : ws.feats, da, K, N);
      if (l > 0) {
        const L = D.slot;
        this.gemm.run("nt", { m: K * N, n: L.fanIn, k: L.fanOut, a: da, b: D.weight, c: db });
        [da, db] = [db, da];
      }
    }
    if (gate) {
      // D = V - U: dV = sum dD, dU = sum dH - sum dD
      const [U, V] = [this.encU, this.encV] as [DenseKernel, DenseKernel];
      this.ew.sub(ws.sumH, ws.sumD, ws.sumH, K * E);
      ws.rule.backward(ws.sumH, ws.zu, ws.u, ws.su, ws.sumH, E);
      this.denseGrad(U, ws.feats, ws.sumH, K, N);
      ws.rule.backward(ws.sumD, ws.zv, ws.v, ws.sv, ws.sumD, E);
      this.denseGrad(V, ws.feats, ws.sumD, K, N);
    }
  }
}
