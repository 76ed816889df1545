/**
 * A saved run's network: config.json resolved again, the parameters of checkpoint.bin (written
 * every `checkpointEvery` Adam steps and when Adam ends, so after an L-BFGS phase this is the
 * network L-BFGS started from). Shared by `diagnose --run` and `export`.
 */
import { startEngine, tree } from "../engine/index.js";
import { flattenParams, unflattenParams } from "../nets/flat.js";
import type { NetParams, Network } from "../nets/network.js";
import type { Problem } from "../problem/problem.js";
import { readCheckpoint } from "../store/checkpoint.js";
import type { ResolvedRun } from "../train/resolve.js";
import { prepare } from "../train/trainer.js";
import { UsageError, asUsage, asUsageAsync } from "./errors.js";
import { resolveRunDir } from "./train.js";

/** A run's network at its last checkpoint. */
export interface RunNetwork {
  run: ResolvedRun;
  /** The problem as trained (conditions imposed exactly are no longer terms). */
  problem: Problem;
  net: Network;
  /** Owned by the caller. */
  params: NetParams;
  /** The checkpoint's step. */
  step: number;
}

/**
 * Rebuild a run directory's network from config.json and checkpoint.bin.
 * @param cmd the command, for error messages ("diagnose --run", "export")
 * @throws UsageError when config.json or checkpoint.bin is missing or does not fit
 */
export async function networkFromRun(dir: string, cmd: string): Promise<RunNetwork> {
  const run = await asUsageAsync(() => resolveRunDir(dir));
  const state = asUsage(() => readCheckpoint(dir));
  if (!state) {
    throw new UsageError(
      `${cmd} ${dir}: no checkpoint.bin (runs write one every checkpointEvery Adam steps)`,
    );
  }
  await startEngine();
  const { net, problem } = prepare(run.problem, run.config);
  const init = net.init(run.config.seed);
  const { flat, layout } = await flattenParams(init);
  tree.dispose(init);
  if (state.optimizer.params.length !== flat.length) {
    throw new UsageError(
      `${cmd} ${dir}: checkpoint.bin holds ${state.optimizer.params.length} parameters, the network of config.json has ${flat.length}`,
    );
  }
  const params = unflattenParams(state.optimizer.params, layout, run.config.precision);
  return { run, problem, net, params, step: state.step };
}
