/**
 * `pinnlab runs`, `pinnlab show RUN` and `pinnlab report RUN`: read the run store and the run
 * directories. Every missing, corrupt or foreign file is a one-line error naming it.
 */
import { parseArgs } from "node:util";
import { writeReport } from "../report/index.js";
import { type RunRow, type RunStatus, openStore } from "../store/db.js";
import { locateRun } from "../store/runs.js";
import { UsageError } from "./errors.js";

const STATUSES: readonly RunStatus[] = ["running", "completed", "diverged", "interrupted"];

function fmt(v: number | null, digits = 3): string {
  return v === null ? "n/a" : v.toExponential(digits - 1);
}

/** One table row per run: id, problem, status, steps, rel L2, wall time. */
export function runsTable(rows: readonly RunRow[]): string {
  const head = ["id", "problem", "status", "steps", "rel_l2", "wall_s"];
  const body = rows.map((r) => [
    r.id,
    r.problem,
    r.status,
    String(r.steps),
    fmt(r.rel_l2),
    r.wall_s === null ? "n/a" : r.wall_s.toFixed(1),
  ]);
  const all = [head, ...body];
  const w = head.map((_, j) => Math.max(...all.map((row) => row[j].length)));
  return all
    .map((row) =>
      row
        .map((c, j) => c.padEnd(w[j]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** `pinnlab runs [--problem P] [--status S] [--sweep ID] [--store DIR] [--json]`. */
export function listRuns(args: string[]): number {
  const { values } = parseArgs({
    args,
    options: {
      problem: { type: "string" },
      status: { type: "string" },
      sweep: { type: "string" },
      store: { type: "string", default: "runs" },
      json: { type: "boolean" },
    },
  });
  const status = values.status as RunStatus | undefined;
  if (status !== undefined && !STATUSES.includes(status)) {
    throw new UsageError(`--status ${status}: expected one of ${STATUSES.join(", ")}`);
  }
  const store = openStore(values.store, { create: false });
  try {
    const rows = store.list({ problem: values.problem, status, sweep: values.sweep });
    if (values.json) process.stdout.write(JSON.stringify(rows, null, 2) + "\n");
    else process.stdout.write((rows.length ? runsTable(rows) : "(no runs)") + "\n");
  } finally {
    store.close();
  }
  return 0;
}

function runArg(cmd: string, args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      store: { type: "string", default: "runs" },
      json: { type: "boolean" },
    },
  });
  if (positionals.length !== 1) throw new UsageError(`${cmd}: expected exactly one RUN`);
  const storeDir = values.store;
  const loc = locateRun(positionals[0], storeDir, () => openStore(storeDir, { create: false }));
  return { loc, json: values.json === true };
}

/** `pinnlab show RUN [--store DIR] [--json]`: a run's row, events and last logged records. */
export function showRun(args: string[]): number {
  const { loc, json } = runArg("show", args);
  const store = openStore(loc.storeDir, { create: false });
  try {
    const row = store.get(loc.id);
    if (!row) throw new UsageError(`run ${loc.id}: not recorded in ${store.path}`);
    const steps = store.steps(loc.id);
    const events = store.events(loc.id);
    if (json) {
      process.stdout.write(JSON.stringify({ ...row, events, steps }, null, 2) + "\n");
      return 0;
    }
    const lines = [
      `run       ${row.id}`,
      `dir       ${row.dir}`,
      `problem   ${row.problem}`,
      `status    ${row.status}${row.message ? ` (${row.message})` : ""}`,
      `seed      ${row.seed ?? "n/a"}   backend ${row.backend ?? "n/a"}`,
      `steps     ${row.steps}   checkpoint at ${row.checkpoint_step ?? "none"}`,
      `rel L2    ${fmt(row.rel_l2, 4)}   wall ${row.wall_s === null ? "n/a" : row.wall_s.toFixed(1) + " s"}`,
      `created   ${row.created_at}   updated ${row.updated_at}`,
    ];
    const cfg = row.config as { parameters?: object; config?: object; weights?: object };
    lines.push(`parameters ${JSON.stringify(cfg.parameters ?? {})}`);
    lines.push(`weights    ${JSON.stringify(cfg.weights ?? {})}`);
    lines.push(`config     ${JSON.stringify(cfg.config ?? {})}`);
    for (const e of events) {
      lines.push(
        `event     ${e.at} ${e.kind} at step ${e.step ?? "-"} ${JSON.stringify(e.detail)}`,
      );
    }
    lines.push(`records   ${steps.length} logged steps; last:`);
    for (const s of steps.slice(-3)) lines.push(`  ${JSON.stringify(s)}`);
    process.stdout.write(lines.join("\n") + "\n");
    return 0;
  } finally {
    store.close();
  }
}

/** `pinnlab report RUN [--store DIR]`: regenerate the run's report.html. */
export async function reportRun(args: string[]): Promise<number> {
  const { loc } = runArg("report", args);
  const path = await writeReport(loc.dir);
  process.stdout.write(`${path}\n`);
  return 0;
}
