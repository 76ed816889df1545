/**
 * `pinnlab bench unseen`: train every problem file of `bench/unseen/` (problems outside the zoo,
 * written through the public API, each with an exact solution) under each named column (`plain`,
 * the vanilla PINN; `default`, the recipe a problem file gets when no preset is named;
 * `autopilot`, that recipe with `auto=true`: probe, the doctor's checks, their fixes), record
 * every run in the store, and write the table of rel L2 error and CPU seconds per problem to
 * stdout and into docs/BENCHMARKS.md (its marked section). CPU time is the process's own
 * (`process.cpuUsage`), so runs sharing the machine with other jobs are still compared fairly.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { type PresetName, PRESETS } from "../problems/presets.js";
import { checkStore } from "../store/db.js";
import { prepareRunDir, writeAtomic } from "../store/rundir.js";
import { alignedTable, replaceSection } from "../suite/table.js";
import { type Override, parseSet, resolveRun } from "../train/resolve.js";
import { asUsage, asUsageAsync, UsageError } from "./errors.js";
import { loadProblemFile } from "./problemFile.js";
import { executeRun, withAutopilot } from "./train.js";

/** The markers around the unseen suite's section in docs/BENCHMARKS.md. */
export const UNSEEN_BEGIN = "<!-- pinnlab bench unseen: begin (generated, do not edit) -->";
export const UNSEEN_END = "<!-- pinnlab bench unseen: end -->";

/** A column of the unseen table: a preset, or the default recipe with the autopilot on. */
export type UnseenColumn = PresetName | "autopilot";

/** The columns, in the table's order. */
export const UNSEEN_COLUMNS: readonly UnseenColumn[] = [...PRESETS, "autopilot"];

/** True when `s` names a column. */
export function isUnseenColumn(s: string): s is UnseenColumn {
  return (UNSEEN_COLUMNS as readonly string[]).includes(s);
}

/** One trained (problem, column) of the unseen suite. */
export interface UnseenRun {
  readonly file: string;
  readonly problem: string;
  readonly preset: UnseenColumn;
  readonly status: string;
  readonly rel_l2: number | null;
  readonly cpu_s: number;
  readonly wall_s: number;
  readonly id: string;
}

/** The unseen suite's problem files in a folder, by name. */
export function unseenFiles(dir: string): string[] {
  if (!existsSync(dir)) throw new UsageError(`--dir ${dir}: no such folder`);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ts"))
    .sort()
    .map((f) => join(dir, f));
}

/** Table cells per problem and column: [rel L2, CPU seconds], as printed. */
export type UnseenCells = Map<string, Map<UnseenColumn, readonly [string, string]>>;

/** The cells of finished runs. */
export function runCells(runs: readonly UnseenRun[]): UnseenCells {
  const cells: UnseenCells = new Map();
  for (const r of runs) {
    const err = r.rel_l2 === null ? r.status : r.rel_l2.toExponential(1);
    const row = cells.get(r.problem) ?? new Map<UnseenColumn, readonly [string, string]>();
    row.set(r.preset, [
      r.status === "completed" ? err : `${err} (${r.status})`,
      r.cpu_s.toFixed(0),
    ]);
    cells.set(r.problem, row);
  }
  return cells;
}

/**
 * The cells and command lines of a section this command wrote before (empty when there is none),
 * so that runs of other presets or problems, measured by another invocation, stay in the table.
 */
export function parseSection(doc: string): { cells: UnseenCells; commands: string[] } {
  const cells: UnseenCells = new Map();
  const commands: string[] = [];
  const a = doc.indexOf(UNSEEN_BEGIN);
  const b = doc.indexOf(UNSEEN_END);
  if (a === -1 || b < a) return { cells, commands };
  const lines = doc.slice(a, b).split("\n");
  for (const l of lines) if (l.startsWith("- `pinnlab bench unseen")) commands.push(l);
  const table = lines.filter((l) => l.startsWith("|"));
  if (table.length < 3) return { cells, commands };
  const split = (l: string) =>
    l
      .split("|")
      .slice(1, -1)
      .map((c) => c.trim());
  const head = split(table[0]);
  for (const line of table.slice(2)) {
    const row = split(line);
    const problem = row[0].replace(/`/g, "");
    const m = new Map<UnseenColumn, readonly [string, string]>();
    for (let j = 1; j + 1 < head.length; j += 2) {
      const column = head[j].split(" ")[0];
      if (isUnseenColumn(column) && row[j] !== "") m.set(column, [row[j], row[j + 1]]);
    }
    cells.set(problem, m);
  }
  return { cells, commands };
}

/**
 * The table: one row per problem (sorted), rel L2 and CPU seconds per column (in UNSEEN_COLUMNS
 * order).
 * @example unseenTable(runCells(runs))
 */
export function unseenTable(cells: UnseenCells): string {
  const problems = [...cells.keys()].sort();
  const presets = UNSEEN_COLUMNS.filter((p) => problems.some((n) => cells.get(n)?.has(p)));
  const head = ["problem", ...presets.flatMap((p) => [`${p} rel L2`, `${p} CPU s`])];
  const body = problems.map((name) => [
    `\`${name}\``,
    ...presets.flatMap((p) => cells.get(name)?.get(p) ?? ["", ""]),
  ]);
  return alignedTable(head, body);
}

/**
 * `pinnlab bench unseen [--dir bench/unseen] [--only a,b] [--presets plain,default,autopilot] ...`
 */
export async function benchUnseen(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      dir: { type: "string", default: "bench/unseen" },
      only: { type: "string" },
      presets: { type: "string", default: "plain,default" },
      set: { type: "string", multiple: true },
      store: { type: "string", default: "runs" },
      doc: { type: "string", default: "docs/BENCHMARKS.md" },
    },
  });
  let files = unseenFiles(values.dir);
  if (values.only !== undefined) {
    const want = values.only.split(",").map((s) => s.trim());
    for (const w of want) {
      if (!files.some((f) => basename(f, ".ts") === w))
        throw new UsageError(`--only: no problem file ${w}.ts in ${values.dir}`);
    }
    files = files.filter((f) => want.includes(basename(f, ".ts")));
  }
  const presets = values.presets.split(",").map((p): UnseenColumn => {
    if (!isUnseenColumn(p.trim()))
      throw new UsageError(
        `--presets: unknown preset "${p}" (known: ${UNSEEN_COLUMNS.join(", ")})`,
      );
    return p.trim() as UnseenColumn;
  });
  const sets: Override[] = asUsage(() => (values.set ?? []).map(parseSet));
  // resolve everything before training anything, so a bad file or override fails at once
  const matrix = [];
  for (const file of files) {
    const source = await asUsageAsync(() => loadProblemFile(file));
    for (const preset of presets) {
      // the autopilot column: the default recipe with auto=true (the user's --set still wins)
      const run = asUsage(() =>
        preset === "autopilot"
          ? resolveRun(source, [["auto", true], ...sets], "default")
          : resolveRun(source, sets, preset),
      );
      matrix.push({ file, preset, run });
    }
  }
  checkStore(values.store);
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const cmd = `pinnlab bench unseen ${args.join(" ")}`.trim();
  const runs: UnseenRun[] = [];
  // the table is rewritten after every run, so an interrupted suite still leaves what it measured
  const doc0 =
    values.doc === "-" || !existsSync(values.doc) ? "" : readFileSync(values.doc, "utf8");
  const before = parseSection(doc0);
  const line = `- \`${cmd}\` (${new Date().toISOString().slice(0, 10)}; runs stored as \`${values.store}/${stamp}-unseen-*\`)`;
  const write = (final: boolean) => {
    const cells: UnseenCells = new Map(before.cells);
    for (const [problem, row] of runCells(runs)) {
      cells.set(problem, new Map([...(cells.get(problem) ?? new Map()), ...row]));
    }
    const body = [
      "Relative L2 error against each problem's exact solution on its evaluation grid (seed 0); " +
        "CPU seconds of the whole run (training, evaluation, report; user + system), which other " +
        "jobs sharing the machine do not inflate. Each command below filled the cells of its " +
        "problems and presets; the others come from earlier commands.",
      "",
      ...before.commands,
      final ? line : `${line} (incomplete)`,
      "",
      unseenTable(cells),
    ].join("\n");
    if (final) process.stdout.write(body + "\n");
    if (values.doc === "-") return;
    const old = existsSync(values.doc) ? readFileSync(values.doc, "utf8") : "";
    writeAtomic(
      values.doc,
      asUsage(() => {
        try {
          return replaceSection(old, body, {
            begin: UNSEEN_BEGIN,
            end: UNSEEN_END,
            heading: "Problems nobody tuned (`pinnlab bench unseen`)",
          });
        } catch (e) {
          throw new Error(`${values.doc}: ${(e as Error).message}`, { cause: e });
        }
      }),
    );
  };
  for (const m of matrix) {
    const id = `${stamp}-unseen-${basename(m.file, ".ts")}-${m.preset}`;
    const dir = join(values.store, id);
    asUsage(() => prepareRunDir(dir));
    const c0 = process.cpuUsage();
    // the autopilot's probe counts in the run's CPU time, as it does for `pinnlab train`
    const tag = basename(m.file, ".ts");
    const a = await withAutopilot(m.run, (s) => process.stderr.write(`pinnlab: ${tag}: ${s}\n`));
    const preset: PresetName = m.preset === "autopilot" ? "default" : m.preset;
    const metrics = await executeRun(a.run, dir, {
      preset,
      ...(a.decisions ? { autopilot: a.decisions } : {}),
    });
    const cpu = process.cpuUsage(c0);
    runs.push({
      file: m.file,
      problem: m.run.problem.name,
      preset: m.preset,
      status: metrics.status,
      rel_l2: metrics.rel_l2,
      cpu_s: (cpu.user + cpu.system) / 1e6,
      wall_s: metrics.wall_s,
      id,
    });
    write(false);
  }
  write(true);
  if (values.doc !== "-") process.stderr.write(`pinnlab: table written to ${values.doc}\n`);
  return runs.every((r) => r.status === "completed") ? 0 : 1;
}
