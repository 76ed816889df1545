/**
 * The autopilot's decisions: from the doctor's findings on a briefly trained network to the
 * configuration changes each finding names (its `fix`), as plain data the run records (store
 * events, config.json, metrics.json) and a resumed run replays.
 *
 * Rules, in the doctor's order of findings (src/diagnostics/doctor.ts):
 * - only detected findings act, and only through the keys their fix names;
 * - a fix already in force (every key at the named value) is no decision;
 * - a key an earlier finding already changed is not changed again (gradient-imbalance and
 *   ntk-spectral-gap both name `weighting`: the first detected wins);
 * - causal training is skipped for a problem without a time input.
 * The fixes are the cures of the papers behind each finding: learning-rate annealing (Wang, Teng
 * & Perdikaris 2021), NTK weights (Wang, Yu & Perdikaris 2022), causal weights (Wang, Sankaran &
 * Perdikaris 2022), self-scaled quasi-Newton in float64 (Urban, Stefanou & Pons 2024).
 */
import type { Finding, PathologyId } from "./doctor.js";

/** One switch the autopilot made. */
export interface AutopilotDecision {
  /** The probe's step count when the finding was measured. */
  readonly step: number;
  readonly pathology: PathologyId;
  /** The finding's evidence, as the doctor measured it. */
  readonly evidence: Readonly<Record<string, unknown>>;
  /** The keys changed, with their new values (a subset of the finding's fix). */
  readonly set: Readonly<Record<string, string | number | boolean>>;
  /** One line for the terminal, the store's event and the report. */
  readonly summary: string;
}

/** What the decisions need to know of the run. */
export interface AutopilotContext {
  /** The configuration in force, key by key (values compared as strings). */
  readonly config: Readonly<Record<string, unknown>>;
  /** The problem has a time input (causal training needs one). */
  readonly hasTime: boolean;
  /** The probe's step count. */
  readonly step: number;
}

/**
 * The decisions for a set of findings.
 * @example autopilotDecisions(findings, { config: run.config, hasTime: true, step: 500 })
 */
export function autopilotDecisions(
  findings: readonly Finding[],
  ctx: AutopilotContext,
): AutopilotDecision[] {
  const changed = new Set<string>();
  const out: AutopilotDecision[] = [];
  for (const f of findings) {
    if (!f.detected) continue;
    if (f.pathology === "causality-violation" && !ctx.hasTime) continue;
    const set: Record<string, string | number | boolean> = {};
    for (const [k, v] of Object.entries(f.fix.set)) {
      if (changed.has(k) || String(ctx.config[k]) === String(v)) continue;
      set[k] = v;
    }
    if (Object.keys(set).length === 0) continue;
    for (const k of Object.keys(set)) changed.add(k);
    const sets = Object.entries(set)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
    out.push({
      step: ctx.step,
      pathology: f.pathology,
      evidence: f.evidence,
      set,
      summary: `step ${ctx.step}: ${f.pathology} (${f.summary}); switched to ${sets}`,
    });
  }
  return out;
}
