/**
 * A sweep's results per configuration: mean, sample standard deviation and range of the relative
 * L2 error over seeds, with the jobs that failed or diverged and their messages. Pure: it reads
 * job records, never the store.
 */
import type { SweepJobState } from "../store/db.js";
import { meanStd } from "../util/stats.js";
import type { SetValue } from "./spec.js";

/** Where a job stands: the store's job states. */
export type JobState = SweepJobState;

/** One job's record, as `pinnlab sweep status|results` reads it from the store. */
export interface JobRecord {
  readonly jobId: string;
  readonly runId: string;
  readonly configKey: string;
  readonly problem: string;
  readonly preset: string;
  /** The grid point of the job's configuration (the keys the sweep varies). */
  readonly point: Readonly<Record<string, SetValue>>;
  readonly seed: number;
  readonly state: JobState;
  readonly message: string;
  /** The run's error (null when it has none: not finished, diverged, no reference). */
  readonly relL2: number | null;
  readonly steps: number | null;
  readonly wallS: number | null;
}

/** One configuration's summary over its seeds. */
export interface ConfigSummary {
  readonly configKey: string;
  readonly problem: string;
  readonly preset: string;
  readonly point: Readonly<Record<string, SetValue>>;
  readonly jobs: number;
  /** Jobs per state. */
  readonly states: Readonly<Record<JobState, number>>;
  /** Over the completed runs with a finite error. */
  readonly n: number;
  readonly mean: number | null;
  readonly std: number | null;
  readonly min: number | null;
  readonly max: number | null;
  /** Mean wall time of the runs that ended (seconds). */
  readonly wallS: number | null;
  /** Failed or diverged jobs with their messages. */
  readonly failures: readonly { runId: string; seed: number; state: JobState; message: string }[];
}

/** Zero counts for every state. */
export function emptyCounts(): Record<JobState, number> {
  return { queued: 0, running: 0, completed: 0, diverged: 0, failed: 0 };
}

/**
 * Group jobs by configuration (in first-seen order) and summarise each over its seeds.
 * @example summariseSweep(records).map((c) => [c.problem, c.mean, c.std]);
 */
export function summariseSweep(jobs: readonly JobRecord[]): ConfigSummary[] {
  const groups = new Map<string, JobRecord[]>();
  for (const j of jobs) groups.set(j.configKey, [...(groups.get(j.configKey) ?? []), j]);
  return [...groups.values()].map((g) => {
    const states = emptyCounts();
    for (const j of g) states[j.state]++;
    const errs = g
      .filter((j) => j.state === "completed")
      .map((j) => j.relL2)
      .filter((v): v is number => v !== null && Number.isFinite(v));
    const { n, mean, std } = meanStd(errs);
    const walls = g.map((j) => j.wallS).filter((v): v is number => v !== null);
    return {
      configKey: g[0].configKey,
      problem: g[0].problem,
      preset: g[0].preset,
      point: g[0].point,
      jobs: g.length,
      states,
      n,
      mean,
      std,
      min: n ? Math.min(...errs) : null,
      max: n ? Math.max(...errs) : null,
      wallS: walls.length ? walls.reduce((a, b) => a + b, 0) / walls.length : null,
      failures: g
        .filter((j) => j.state === "failed" || j.state === "diverged")
        .map((j) => ({ runId: j.runId, seed: j.seed, state: j.state, message: j.message })),
    };
  });
}

const e = (v: number | null) => (v === null ? "n/a" : v.toExponential(2));

/** A configuration's label: problem, preset (unless none) and its grid point. */
export function configLabel(c: Pick<ConfigSummary, "problem" | "preset" | "point">): string {
  const parts = [c.problem];
  if (c.preset !== "none") parts.push(c.preset);
  for (const [k, v] of Object.entries(c.point)) parts.push(`${k}=${String(v)}`);
  return parts.join(" ");
}

/**
 * The results as text: one line per configuration (mean, std, range over seeds, counts), then one
 * line per failure with its message.
 */
export function resultsText(rows: readonly ConfigSummary[]): string {
  const head = ["configuration", "seeds", "rel L2 mean", "std", "min .. max", "wall (s)"];
  const body = rows.map((c) => {
    const bad = c.states.failed + c.states.diverged;
    const pending = c.jobs - c.states.completed - bad;
    const notes = [bad ? `${bad} failed` : "", pending ? `${pending} not done` : ""].filter(
      Boolean,
    );
    return [
      configLabel(c),
      `${c.n}/${c.jobs}${notes.length ? ` (${notes.join(", ")})` : ""}`,
      e(c.mean),
      e(c.std),
      `${e(c.min)} .. ${e(c.max)}`,
      c.wallS === null ? "n/a" : c.wallS.toFixed(1),
    ];
  });
  const w = head.map((h, j) => Math.max(h.length, ...body.map((r) => r[j].length)));
  const line = (cells: readonly string[]) => cells.map((c, j) => c.padEnd(w[j])).join("  ");
  const out = [line(head), ...body.map(line)];
  for (const c of rows) {
    for (const f of c.failures) {
      out.push(`${f.state}: ${f.runId} (seed ${f.seed}): ${f.message || "(no message)"}`);
    }
  }
  return out.map((l) => l.trimEnd()).join("\n");
}
