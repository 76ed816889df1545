/**
 * Measuring a network on a batch, shared by the weight controller, the training monitors and
 * `pinnlab diagnose`: per-term gradient statistics (Wang, Teng & Perdikaris 2021) and per-term NTK
 * blocks on equal-sized subsamples (Wang, Yu & Perdikaris 2022).
 */
import {
  type GradientStats,
  type TermGradientFn,
  gradientStats,
  readTermGradients,
} from "../loss/gradients.js";
import { paramLayout } from "../loss/layout.js";
import {
  type NtkReport,
  type TermNtkFn,
  ntkReport,
  readNtkBlocks,
  subsampleBatch,
} from "../loss/ntk.js";
import type { np } from "../engine/index.js";
import type { NetParams } from "../nets/network.js";
import type { Problem } from "../problem/problem.js";
import { type Batches, uploadBatches } from "./backend.js";
import type { TrainConfig } from "./config.js";

/** Points per term in NTK measurements: full spectra stay cheap (dense Jacobi) at this size. */
export const NTK_POINTS = 128;

/** Gradient statistics of every term at `params` (consumed) on `batches`. */
export async function measureGradients(
  problem: Problem,
  fn: TermGradientFn,
  params: NetParams,
  batches: Batches,
  c: TrainConfig,
): Promise<GradientStats> {
  const layout = paramLayout(params);
  const [X, T] = uploadBatches(problem, batches, c);
  const [G, L] = fn(params, X, T);
  const tg = await readTermGradients(problem.termNames, G, L);
  return gradientStats(tg.grads, layout, problem.terms);
}

/** The same number of points of every term (periodic pairs kept together). */
export function subsampleAll(problem: Problem, batches: Batches, maxPoints = NTK_POINTS): Batches {
  const sub: Batches = {};
  for (const term of problem.terms) {
    sub[term.name] = subsampleBatch(problem, term, batches[term.name], maxPoints);
  }
  return sub;
}

/** Per-term NTK blocks, traces and spectra at `params` (consumed) on subsamples of `batches`. */
export async function measureNtk(
  problem: Problem,
  fn: TermNtkFn<Record<string, np.Array>>,
  params: NetParams,
  batches: Batches,
  c: TrainConfig,
): Promise<NtkReport> {
  const [X, T] = uploadBatches(problem, subsampleAll(problem, batches), c);
  return ntkReport(await readNtkBlocks(fn(params, X, T)), problem.terms);
}
