/**
 * Training monitors: every `diagEvery` Adam steps, the per-term gradient statistics (per layer,
 * with histograms, and the learning-rate-annealing imbalance ratios of Wang, Teng & Perdikaris
 * 2021), and every `ntkEvery` steps the per-term NTK blocks' traces and spectra (Wang, Yu &
 * Perdikaris 2022), measured on the current parameters and batch. Each measurement becomes flat,
 * JSON-ready records (one per term and layer, or per term) that the run directory stores.
 */
import { makeTermGradients } from "../loss/gradients.js";
import { makeTermNtk } from "../loss/ntk.js";
import type { Network } from "../nets/network.js";
import type { Problem } from "../problem/problem.js";
import type { Batches, StepBackend } from "./backend.js";
import type { TrainConfig } from "./config.js";
import { measureGradients, measureNtk } from "./measure.js";

/** One diagnostics record: which measurement, the step, and its flat fields. */
export type DiagnosticRecord =
  | ({ kind: "gradients"; step: number } & Record<string, unknown>)
  | ({ kind: "imbalance"; step: number } & Record<string, unknown>)
  | ({ kind: "ntk"; step: number } & Record<string, unknown>);

/** Eigenvalues kept per NTK record (largest first). */
const NTK_EIGENVALUES = 32;

/** Owns the monitors of one run. */
export interface Monitor {
  /** Measure whatever is due after `step` completed steps. */
  maybeRecord(step: number, backend: StepBackend, batches: Batches): Promise<DiagnosticRecord[]>;
  dispose(): void;
}

/** Build the monitors a configuration asks for (none when diagEvery and ntkEvery are 0). */
export function createMonitor(problem: Problem, net: Network, c: TrainConfig): Monitor {
  const grads = c.diagEvery > 0 ? makeTermGradients(problem, net) : null;
  const ntk = c.ntkEvery > 0 ? makeTermNtk(problem, net) : null;
  return {
    async maybeRecord(step, backend, batches) {
      const out: DiagnosticRecord[] = [];
      if (grads && step % c.diagEvery === 0) {
        const stats = await measureGradients(problem, grads, backend.params(), batches, c);
        for (const r of stats.layers) out.push({ kind: "gradients", step, ...r });
        for (const r of stats.imbalance) out.push({ kind: "imbalance", step, ...r });
      }
      if (ntk && step % c.ntkEvery === 0) {
        const report = await measureNtk(problem, ntk, backend.params(), batches, c);
        for (const r of report.terms) {
          out.push({
            ...r,
            kind: "ntk",
            step,
            termKind: r.kind,
            eigenvalues: r.eigenvalues.slice(0, NTK_EIGENVALUES),
            spread: report.meanDiagSpread,
            traceSpread: report.traceSpread,
          });
        }
      }
      return out;
    },
    dispose() {
      grads?.dispose();
      ntk?.dispose();
    },
  };
}
