/**
 * The autopilot (`pinnlab train <problem> --set auto=true`): train a probe of `autoSteps`
 * first-order steps with the run's configuration, run the doctor's checks on it (the same
 * measurements as `pinnlab diagnose`), and apply the fix each detected finding names
 * (src/diagnostics/autopilot.ts) before the run trains from its start. The decisions are plain
 * data: config.json keeps them beside the configuration they produced, so `--resume` replays the
 * same run without probing again, and the store's events, metrics.json and the report list them.
 */
import { startEngine } from "../engine/index.js";
import { type AutopilotDecision, autopilotDecisions } from "../diagnostics/autopilot.js";
import { applyOverrides } from "../train/config.js";
import { parsePhases } from "../train/phases.js";
import type { ResolvedRun } from "../train/resolve.js";
import { examine, trainBriefly } from "./diagnose.js";

/** The run as the autopilot leaves it, and why. */
export interface AutopilotOutcome {
  readonly run: ResolvedRun;
  readonly decisions: readonly AutopilotDecision[];
}

/**
 * Probe, examine, decide: the run with every applicable fix applied.
 * @param note one line per decision (the terminal)
 * @example const { run: fixed, decisions } = await autopilot(run);
 */
export async function autopilot(
  run: ResolvedRun,
  note: (m: string) => void = () => {},
): Promise<AutopilotOutcome> {
  await startEngine();
  const c = run.config;
  // the probe: the first-order phase alone, one network (no curriculum, no windows), no records
  const first = parsePhases(c.optimizer).find((k) => k === "adam" || k === "soap") ?? "adam";
  const probe: ResolvedRun = {
    ...run,
    config: {
      ...c,
      optimizer: first,
      steps: c.autoSteps,
      windows: 1,
      curriculum: "none",
      checkpointEvery: 0,
      evalEvery: 0,
    },
  };
  const findings = await examine(await trainBriefly(probe));
  const candidates = autopilotDecisions(findings, {
    config: c as unknown as Record<string, unknown>,
    hasTime: run.problem.domain.time !== null,
    step: c.autoSteps,
  });
  let config = c;
  const decisions: AutopilotDecision[] = [];
  for (const d of candidates) {
    try {
      config = applyOverrides(config, Object.entries(d.set));
    } catch (e) {
      note(`autopilot: ${d.pathology}: fix not applied (${(e as Error).message})`);
      continue;
    }
    decisions.push(d);
    note(`autopilot: ${d.summary}`);
  }
  if (decisions.length === 0) note(`autopilot: step ${c.autoSteps}: no pathology detected`);
  return { run: { ...run, config }, decisions };
}
