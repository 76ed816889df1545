/**
 * The fused-kernel backend: the network's jet forward and backward pass and the Adam update run in
 * pinnlab's own WebAssembly SIMD kernels (src/kernels); jax-js keeps the residual algebra. One
 * step is: kernel forward per term -> jax-js loss and dL/d(output jets) (one jit, one sync) ->
 * kernel backward per term (gradients accumulate) -> kernel Adam.
 *
 * Precision follows the network: with `precision=float64` the kernels are the float64 (f64x2)
 * builds, the output jets, points and targets enter jax-js as float64 arrays, and parameters,
 * gradients and Adam state travel as Float64Array without any rounding to float32.
 *
 * Trainable PDE coefficients (inverse problems): their raw leaves, last in `tree.leaves` order,
 * sit after the network's parameters in the kernels' flat buffers (`KernelMlp`'s `extra`), so the
 * kernel Adam step moves them with the same learning rate as the jax-js backend's Adam does (their
 * own rate comes from the raw-leaf scale coefLr / lr, src/nets/coefficients.ts), and snapshots,
 * L-BFGS's flat vector and checkpoints carry them. Each evaluation hands the raw values to jax-js
 * with the output jets; jax-js returns their gradient after the output jets'.
 */
import { dtypeOf, fromData, np, tree } from "../engine/index.js";
import { KernelMlp, kernelMlpUnsupported } from "../kernels/mlp.js";
import { flattenParams, unflattenParams } from "../nets/flat.js";
import type { NetParams, Network } from "../nets/network.js";
import type { Problem } from "../problem/problem.js";
import { type Batches, type StepBackend, weightArrays } from "./backend.js";
import type { TrainConfig } from "./config.js";
import type { PointsByTerm, TargetsByTerm } from "../loss/loss.js";
import { type OutputJets, type RawCoefficients, makeOutputGrad } from "./outputGrad.js";

/** Why the kernels cannot run this configuration, or null when they can. */
export function kernelUnsupported(net: Network): string | null {
  return kernelMlpUnsupported(net.config);
}

/**
 * Build the kernel backend, starting from `init` (consumed).
 * @throws when the configuration is unsupported (check {@link kernelUnsupported} first)
 */
export async function kernelBackend(
  problem: Problem,
  net: Network,
  c: TrainConfig,
  init: NetParams,
): Promise<StepBackend> {
  const why = kernelUnsupported(net);
  if (why) throw new Error(`backend=kernels does not support ${why}`);
  const coefs = problem.coefficients ?? [];
  if (coefs.length > 0 && !net.coefficients) {
    throw new Error("kernelBackend: the problem has coefficients but the network does not");
  }
  const mlp = await KernelMlp.create(net.config, {
    constants: net.constants,
    extra: net.coefficients ? coefs.length : 0,
  });
  const { flat, layout } = await flattenParams(init);
  tree.dispose(init);
  if (flat.length !== mlp.paramCount) {
    throw new Error(`kernel parameter count ${mlp.paramCount} != ${flat.length}`);
  }
  // float32: loadParams rounds into the float32 buffer; float64: stored as they are
  mlp.loadParams(flat);
  const lossGrad = makeOutputGrad(problem, net.transform, c.coefLr / c.lr);
  const dims = problem.domain.inputs.length;
  const m = net.config.outputs;
  const precision = net.config.precision;
  const dtype = dtypeOf(precision);
  /** Kernel forward of every term, jax-js loss and dL/d(outputs), kernel backward; no update. */
  const lossAndGrad = async (
    batches: Batches,
    weights: Readonly<Record<string, number>>,
    causalEps: number | null = null,
  ) => {
    mlp.zeroGrad();
    const outs: OutputJets = {};
    const X: PointsByTerm = {};
    const T: TargetsByTerm = {};
    for (const term of problem.terms) {
      const b = batches[term.name];
      const ch = mlp.forward(term.layout, b.X, b.rows, term.name);
      // the kernels' fresh copies go to jax-js as they are (Float32Array or Float64Array)
      outs[term.name] = ch.map((a) =>
        np.array(a as Float32Array<ArrayBuffer> | Float64Array<ArrayBuffer>, {
          shape: [b.rows, m],
          dtype,
        }),
      );
      X[term.name] = fromData(b.X, [b.rows, dims], precision);
      if (b.target) T[term.name] = fromData(b.target, [b.target.length], precision);
    }
    // the coefficients' raw leaves (problem.coefficients order), as the network's tree holds them
    const raw: RawCoefficients = {};
    const rv = mlp.extraParams();
    coefs.forEach((k, i) => (raw[k.name] = fromData([rv[i]], [], precision)));
    const W = weightArrays(problem, weights, c, batches, causalEps);
    const [stats, g] = lossGrad(outs, X, T, W, raw);
    const grads = await g.data();
    const s = Float64Array.from(await stats.data());
    if (Number.isFinite(s[0])) {
      let o = 0;
      for (const term of problem.terms) {
        const size = batches[term.name].rows * m;
        const dOut = term.layout.channels.map((_, k) =>
          grads.subarray(o + k * size, o + (k + 1) * size),
        );
        o += term.layout.channels.length * size;
        mlp.backward(dOut, term.name);
      }
      if (coefs.length) mlp.setExtraGrad(grads.subarray(o, o + coefs.length));
    }
    return s;
  };
  return {
    kind: "kernels",
    async step(batches, weights, lr, causalEps = null) {
      const s = await lossAndGrad(batches, weights, causalEps);
      if (Number.isFinite(s[0])) mlp.adamStep(lr);
      return s;
    },
    async gradient(batches, weights, causalEps = null) {
      const stats = await lossAndGrad(batches, weights, causalEps);
      // a non-finite loss skips the backward pass: the gradient is then whatever zeroGrad left
      return { stats, g: Float64Array.from(mlp.grad()) };
    },
    flatParams: () => Promise.resolve(Float64Array.from(mlp.params())),
    setParams(x) {
      // float32: rounded into the kernels' buffer; float64: stored as they are
      mlp.loadParams(x);
      return Promise.resolve();
    },
    objective(batches, weights) {
      return async (x) => {
        // L-BFGS's Float64Array: rounded by a float32 network's buffer, kept by a float64 one
        mlp.loadParams(x);
        const stats = await lossAndGrad(batches, weights);
        return { stats, g: Float64Array.from(mlp.grad()) };
      };
    },
    params: () => unflattenParams(mlp.params(), layout, precision),
    snapshot() {
      const a = mlp.adamState();
      return Promise.resolve({
        params: Float64Array.from(mlp.params()),
        mu: Float64Array.from(a.m),
        nu: Float64Array.from(a.v),
        count: a.count,
        b1t: a.b1t,
        b2t: a.b2t,
      });
    },
    restore(s) {
      mlp.loadParams(s.params);
      mlp.loadAdamState({ m: s.mu, v: s.nu, count: s.count, b1t: s.b1t, b2t: s.b2t });
      return Promise.resolve();
    },
    dispose() {
      lossGrad.dispose();
    },
  };
}
