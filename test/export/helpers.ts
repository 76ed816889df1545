// Shared by the export tests: pinnlab's float64 reference prediction.
import { KernelMlp } from "../../src/kernels/mlp.js";
import { jetLayout } from "../../src/jet/multiindex.js";
import type { FieldTransform } from "../../src/nets/constraints.js";
import { flattenParams } from "../../src/nets/flat.js";
import type { NetParams, Network } from "../../src/nets/network.js";
import { numberOps } from "../../src/problem/smooth.js";

/**
 * pinnlab's float64 prediction through the fused kernels (float64 transcendentals a few ulps from
 * Math.*), with the hard-constraint transform evaluated by pinnlab's point algebra. jax-js's
 * float64 tanh, sin and exp are float32-accurate (~1e-7, docs/ARCHITECTURE.md), so `predict`
 * (the jax route) is compared to 1e-6 only.
 */
export async function kernelPredict(
  net: Network,
  params: NetParams,
  X: Float64Array,
): Promise<Float64Array> {
  const c = net.config;
  const km = await KernelMlp.create(c, { constants: net.constants });
  const { flat } = await flattenParams(params);
  km.loadParams(flat.subarray(0, km.paramCount));
  const n = X.length / c.inputs;
  const Y = Float64Array.from(km.forward(jetLayout(c.inputs, []), X, n)[0]);
  const fields: readonly FieldTransform[] = net.transform?.fields ?? [];
  const names: readonly string[] = net.transform?.inputs ?? [];
  if (fields.length > 0) {
    for (let r = 0; r < n; r++) {
      const o = numberOps(Object.fromEntries(names.map((nm, i) => [nm, X[r * c.inputs + i]])));
      for (const f of fields) {
        const k = r * c.outputs + f.field;
        const A: number = f.A(o);
        const B: number = f.B(o);
        Y[k] = A + B * Y[k];
      }
    }
  }
  return Y;
}
