/**
 * Choosing the step backend: `backend=kernels` runs the fused WebAssembly kernels, `jax` the
 * all-jax-js jitted step, `auto` (the default) the kernels wherever they support the network and
 * jax otherwise, saying why in a note.
 */
import type { NetParams, Network } from "../nets/network.js";
import type { Problem } from "../problem/problem.js";
import { type StepBackend, jaxBackend } from "./backend.js";
import type { TrainConfig } from "./config.js";
import { kernelBackend, kernelUnsupported } from "./kernelBackend.js";

/**
 * The backend a configuration asks for, starting from `init` (consumed).
 * @param note receives a one-line explanation when `auto` falls back to jax
 * @throws when `backend=kernels` is asked for a network the kernels do not support
 */
export async function createBackend(
  problem: Problem,
  net: Network,
  c: TrainConfig,
  init: NetParams,
  note: (msg: string) => void = () => {},
): Promise<StepBackend> {
  switch (c.backend) {
    case "jax":
      return jaxBackend(problem, net, c, init);
    case "kernels":
      return kernelBackend(problem, net, c, init);
    case "auto": {
      const why = kernelUnsupported(net);
      if (why === null) return kernelBackend(problem, net, c, init);
      note(`backend: the fused kernels do not support ${why} yet; using jax`);
      return jaxBackend(problem, net, c, init);
    }
    default: {
      const never: never = c.backend;
      throw new Error(`unknown backend ${String(never)}`);
    }
  }
}
