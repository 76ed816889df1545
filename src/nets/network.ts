/**
 * Networks: plain parameter trees plus a static configuration, built by a factory
 * (equinox's pattern). `applyJet` is the one interface through which problems and losses see a
 * network: jet in, jet out. A faster kernel backend can replace it without touching anything else.
 */
import { np, type Precision, fromData } from "../engine/index.js";
import {
  type Activation,
  type Jet,
  activate,
  concatJets,
  linear,
  mapLinear,
  mulJets,
  rsubScalar,
  addJets,
  refJet,
  disposeJet,
} from "../jet/jet.js";
import { Rng } from "../util/rng.js";
import type { OutputTransform } from "./constraints.js";

/**
 * One input made exactly periodic by the embedding. `seam` adds the feature
 * sin(pi (x - lo) / P), lo the input's lower bound: zero at both ends of the period, so the
 * network's values stay exactly periodic, but its slope may jump there. It lets the network hold
 * an initial state that is smooth inside the period but kinked as a periodic function (Allen-Cahn's
 * x^2 cos(pi x), slopes -2 and +2 meeting at x = +-1), which a smooth periodic embedding cannot.
 */
export interface PeriodicInput {
  readonly input: number;
  readonly period: number;
  readonly seam?: boolean;
}

/** Embedding columns of the periodic inputs: 2 each, 3 with the seam feature. */
export function periodicFeatures(periodic: readonly PeriodicInput[]): number {
  return periodic.reduce((n, p) => n + (p.seam ? 3 : 2), 0);
}

/**
 * Width of the embedded inputs: the kept (non-periodic) inputs, then each periodic input's
 * (cos, sin) pair and its seam feature.
 */
export function embeddingWidth(c: Pick<NetConfig, "inputs" | "periodic">): number {
  return c.inputs - c.periodic.length + periodicFeatures(c.periodic);
}

/** Network architectures. */
export type Arch = "mlp" | "modified-mlp";

/** Static description of a network; everything needed to rebuild it except the parameters. */
export interface NetConfig {
  /** Body: plain MLP or the modified MLP of Wang, Teng & Perdikaris (2021). */
  readonly arch: Arch;
  /** Number of inputs (e.g. 2 for (t, x)). */
  readonly inputs: number;
  /** Number of output fields. */
  readonly outputs: number;
  /** Hidden width. */
  readonly width: number;
  /** Number of hidden layers. */
  readonly depth: number;
  readonly activation: Activation;
  /** Inputs are mapped affinely from [lo, hi] to [-1, 1] before anything else. */
  readonly lo: readonly number[];
  readonly hi: readonly number[];
  /**
   * Exact periodicity in the listed inputs: x -> (cos(2 pi x / P), sin(2 pi x / P)) (Dong & Ni
   * 2021; jaxpi's periodic embedding). Applied to the raw input, before normalisation. With
   * `seam`, a third feature sin(pi (x - lo) / P) follows the pair (`periodicFeatures`).
   */
  readonly periodic: readonly PeriodicInput[];
  /** Random Fourier features [cos(B z), sin(B z)], B ~ N(0, scale^2) (Tancik et al. 2020). */
  readonly fourier: { readonly features: number; readonly scale: number } | null;
  /** Random weight factorisation W = diag(exp(s)) V (Wang et al. 2022), s ~ N(mean, std). */
  readonly rwf: { readonly mean: number; readonly std: number } | null;
  readonly precision: Precision;
  /**
   * Weight initialisation (default "glorot"): "glorot" draws W ~ N(0, 2 / (fan_in + fan_out)) and
   * zero biases (Glorot & Bengio 2010); "ntk" draws W ~ N(0, 1 / fan_in) and b ~ N(0, 1), the
   * function at initialisation of the NTK parameterisation with standard-normal parameters that
   * Wang, Yu & Perdikaris (2022) use (Jacot et al. 2018).
   */
  readonly init?: Init;
}

/** Weight initialisation schemes (see {@link NetConfig.init}). */
export type Init = "glorot" | "ntk";

/** One dense layer: W [in, out], b [out]; with weight factorisation, W_eff = w * exp(s) (s: [out]). */
export type Dense = { w: np.Array; b: np.Array; s?: np.Array };

/** Parameter tree of every built-in network. */
export type NetParams = {
  hidden: Dense[];
  out: Dense;
  /** modified MLP's two encoders */
  encU?: Dense;
  encV?: Dense;
  /** Trainable PDE coefficients (raw scalars, see src/nets/coefficients.ts), last in the tree. */
  coef?: Record<string, np.Array>;
};

/** Non-trained constants a network draws at initialisation (the Fourier matrix B). */
export interface NetConstants {
  readonly fourierB: Float64Array | null;
}

/** A network: configuration, constants and the jet forward pass. */
export interface Network {
  readonly config: NetConfig;
  readonly constants: NetConstants;
  /** Fresh parameters (see {@link NetConfig.init}). */
  init(seed: number): NetParams;
  /**
   * Push a jet of the inputs through the network.
   * @param params not consumed (the caller owns and disposes them)
   * @param x input jet, channels [N, inputs] (consumed)
   * @returns output jet, channels [N, outputs]
   */
  applyJet(params: NetParams, x: Jet): Jet;
  /**
   * A hard-constraint output transform that `applyJet` already applies (src/nets/constraints.ts);
   * backends that compute the raw network's jets themselves (the fused kernels) apply it after.
   */
  readonly transform?: OutputTransform;
  /**
   * The trainable coefficients' current values from the parameters (fresh scalars owned by the
   * caller; params not consumed); present when the problem has coefficients
   * (src/nets/coefficients.ts).
   */
  coefficients?(params: NetParams): Record<string, np.Array>;
}

/** Width of the feature vector that enters the body. */
function featureWidth(c: NetConfig): number {
  return c.fourier ? 2 * c.fourier.features : embeddingWidth(c);
}

function initStd(init: Init, fanIn: number, fanOut: number): { w: number; b: number } {
  switch (init) {
    case "glorot":
      return { w: Math.sqrt(2 / (fanIn + fanOut)), b: 0 };
    case "ntk":
      return { w: Math.sqrt(1 / fanIn), b: 1 };
    default: {
      const never: never = init;
      throw new Error(`unknown init ${String(never)}`);
    }
  }
}

function denseInit(rng: Rng, fanIn: number, fanOut: number, c: NetConfig): Dense {
  const std = initStd(c.init ?? "glorot", fanIn, fanOut);
  const w = new Float64Array(fanIn * fanOut);
  for (let i = 0; i < w.length; i++) w[i] = std.w * rng.normal();
  const bias = new Float64Array(fanOut);
  // Glorot's zero biases draw nothing, so existing seeds keep their exact initial parameters.
  if (std.b > 0) for (let j = 0; j < fanOut; j++) bias[j] = std.b * rng.normal();
  const b = fromData(bias, [fanOut], c.precision);
  if (!c.rwf) return { w: fromData(w, [fanIn, fanOut], c.precision), b };
  // W = V diag(exp(s)): draw s, then V = W / exp(s) so the initial function is Glorot's.
  const s = new Float64Array(fanOut);
  for (let j = 0; j < fanOut; j++) s[j] = c.rwf.mean + c.rwf.std * rng.normal();
  for (let i = 0; i < fanIn; i++)
    for (let j = 0; j < fanOut; j++) w[i * fanOut + j] /= Math.exp(s[j]);
  return { w: fromData(w, [fanIn, fanOut], c.precision), b, s: fromData(s, [fanOut], c.precision) };
}

/** Effective weight matrix of a dense layer (params not consumed). */
function weight(p: Dense): np.Array {
  return p.s ? p.w.ref.mul(np.exp(p.s.ref)) : p.w.ref;
}

function dense(p: Dense, x: Jet): Jet {
  return linear(x, weight(p), p.b.ref);
}

/** Check a configuration; the error names the offending field. */
export function validateNetConfig(c: NetConfig): void {
  const posInt = (v: number, name: string) => {
    if (!Number.isInteger(v) || v < 1)
      throw new Error(`${name} must be a positive integer, got ${v}`);
  };
  posInt(c.width, "width");
  posInt(c.depth, "depth");
  posInt(c.inputs, "inputs");
  posInt(c.outputs, "outputs");
  if (c.lo.length !== c.inputs || c.hi.length !== c.inputs)
    throw new Error("lo/hi must have one entry per input");
  c.lo.forEach((lo, i) => {
    if (!(c.hi[i] > lo)) throw new Error(`input ${i}: hi must exceed lo`);
  });
  for (const p of c.periodic) {
    if (!(p.period > 0)) throw new Error(`periodic.period must be positive, got ${p.period}`);
    if (p.input < 0 || p.input >= c.inputs)
      throw new Error(`periodic.input ${p.input} out of range`);
  }
  if (c.fourier) {
    posInt(c.fourier.features, "fourier.features");
    if (!(c.fourier.scale > 0)) throw new Error(`fourier.scale must be positive`);
  }
  if (c.arch === "modified-mlp" && c.depth < 1) throw new Error("modified-mlp needs depth >= 1");
}

/**
 * Build a network from its configuration.
 * @example
 * const net = createNetwork({ arch: "mlp", inputs: 2, outputs: 1, width: 20, depth: 4,
 *   activation: "tanh", lo: [0, -1], hi: [1, 1], periodic: [], fourier: null, rwf: null,
 *   precision: "float32" }, 0);
 */
export function createNetwork(config: NetConfig, seed: number): Network {
  validateNetConfig(config);
  const rng = new Rng(seed ^ 0x5eed);
  const embedWidth = embeddingWidth(config);
  let fourierB: Float64Array | null = null;
  if (config.fourier) {
    fourierB = new Float64Array(embedWidth * config.fourier.features);
    for (let i = 0; i < fourierB.length; i++) fourierB[i] = config.fourier.scale * rng.normal();
  }
  const constants: NetConstants = { fourierB };
  const c = config;

  function embed(x: Jet): Jet {
    // raw periodic inputs first (their period is in raw units), then normalise the rest to [-1, 1]
    const scale = c.lo.map((lo, i) => 2 / (c.hi[i] - lo));
    const shift = c.lo.map((lo, i) => -1 - lo * scale[i]);
    const periodicParts: Jet[] = [];
    for (const p of c.periodic) {
      const col = mapLinear(refJet(x), (ch) =>
        ch.slice([], [p.input, p.input + 1]).mul((2 * Math.PI) / p.period),
      );
      const sinJ = activate(refJet(col), "sin");
      periodicParts.push(activateShifted(col, "cos"), sinJ);
      if (p.seam) {
        // sin(pi (x - lo) / P): the angle's shift sits on the value channel only
        const lo = c.lo[p.input];
        const half = mapLinear(refJet(x), (ch, i) => {
          const a = ch.slice([], [p.input, p.input + 1]).mul(Math.PI / p.period);
          return i === 0 ? a.add((-Math.PI * lo) / p.period) : a;
        });
        periodicParts.push(activate(half, "sin"));
      }
    }
    const sc = fromData(scale, [1, c.inputs], c.precision);
    const sh = fromData(shift, [1, c.inputs], c.precision);
    const normed = mapLinear(x, (ch, i) => (i === 0 ? ch.mul(sc.ref).add(sh.ref) : ch.mul(sc.ref)));
    sc.dispose();
    sh.dispose();
    // a periodic input is replaced by its (cos, sin) pair, not kept beside it
    const keep = [...Array(c.inputs).keys()].filter((i) => !c.periodic.some((p) => p.input === i));
    let feats: Jet;
    if (keep.length === c.inputs) feats = normed;
    else {
      const cols = keep.map((i) => mapLinear(refJet(normed), (ch) => ch.slice([], [i, i + 1])));
      disposeJet(normed);
      feats = concatJets([...cols, ...periodicParts]);
    }
    if (fourierB && c.fourier) {
      const B = fromData(fourierB, [embedWidth, c.fourier.features], c.precision);
      const z = linear(feats, B, null);
      const zs = activate(refJet(z), "sin");
      feats = concatJets([activateShifted(z, "cos"), zs]);
    }
    return feats;
  }

  return {
    config,
    constants,
    init(seed: number): NetParams {
      const r = new Rng(seed);
      const fw = featureWidth(c);
      const hidden: Dense[] = [];
      for (let l = 0; l < c.depth; l++)
        hidden.push(denseInit(r, l === 0 ? fw : c.width, c.width, c));
      const out = denseInit(r, c.width, c.outputs, c);
      if (c.arch === "modified-mlp") {
        return {
          hidden,
          out,
          encU: denseInit(r, fw, c.width, c),
          encV: denseInit(r, fw, c.width, c),
        };
      }
      return { hidden, out };
    },
    applyJet(params: NetParams, x: Jet): Jet {
      const feats = embed(x);
      switch (c.arch) {
        case "mlp": {
          let h = feats;
          for (const layer of params.hidden) h = activate(dense(layer, h), c.activation);
          return dense(params.out, h);
        }
        case "modified-mlp": {
          if (!params.encU || !params.encV) throw new Error("modified-mlp params lack encoders");
          const copy = refJet;
          const U = activate(dense(params.encU, copy(feats)), c.activation);
          const V = activate(dense(params.encV, copy(feats)), c.activation);
          let h = feats;
          for (const layer of params.hidden) {
            const z = activate(dense(layer, h), c.activation);
            // h = (1 - z) * U + z * V
            h = addJets(mulJets(rsubScalar(1, copy(z)), copy(U)), mulJets(z, copy(V)));
          }
          for (const ch of [...U.ch, ...V.ch]) ch?.dispose();
          return dense(params.out, h);
        }
        default: {
          const never: never = c.arch;
          throw new Error(`unknown arch ${String(never)}`);
        }
      }
    },
  };
}

/** cos(x) as a jet: sin(x + pi/2), reusing the sin rule (consumes x). */
function activateShifted(x: Jet, f: "cos" | "sin"): Jet {
  if (f === "sin") return activate(x, "sin");
  const shifted = mapLinear(x, (ch, i) => (i === 0 ? ch.add(Math.PI / 2) : ch));
  return activate(shifted, "sin");
}
