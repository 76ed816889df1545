/**
 * The benchmark suite's table: per (problem, preset) the mean and spread of the relative L2 error
 * over seeds, beside the literature's numbers, as Markdown; and the marked section of
 * docs/BENCHMARKS.md that the table replaces.
 */
import type { PresetName } from "../problems/presets.js";
import { meanStd } from "../util/stats.js";
import { literatureFor } from "./literature.js";

/** One finished run of the suite. */
export interface SuiteRun {
  problem: string;
  preset: PresetName;
  seed: number;
  parameters: Readonly<Record<string, number>>;
  status: string;
  rel_l2: number | null;
  steps: number;
  wall_s: number;
  id: string;
}

/** Summary of one (problem, preset) cell over its seeds. */
export interface SuiteRow {
  problem: string;
  preset: PresetName;
  seeds: number;
  /** Runs without a finite error (diverged). */
  failed: number;
  mean: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
  steps: number;
  wall_s: number;
  literature: string;
}

const e = (v: number | null) => (v === null ? "n/a" : v.toExponential(2));

/** Group runs by (problem, preset), in first-seen order. */
export function summarise(runs: readonly SuiteRun[]): SuiteRow[] {
  const groups = new Map<string, SuiteRun[]>();
  for (const r of runs) {
    const k = `${r.problem}\u0000${r.preset}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.values()].map((g) => {
    const errs = g
      .map((r) => r.rel_l2)
      .filter((v): v is number => v !== null && Number.isFinite(v));
    const { n, mean, std } = meanStd(errs);
    const lit = literatureFor(g[0].problem, g[0].preset, g[0].parameters);
    return {
      problem: g[0].problem,
      preset: g[0].preset,
      seeds: g.length,
      failed: g.length - n,
      mean,
      std,
      min: n ? Math.min(...errs) : null,
      max: n ? Math.max(...errs) : null,
      steps: Math.round(g.reduce((a, r) => a + r.steps, 0) / g.length),
      wall_s: g.reduce((a, r) => a + r.wall_s, 0) / g.length,
      literature: lit.length ? lit.map((l) => `${e(l.rel_l2)} (${l.source})`).join("; ") : "",
    };
  });
}

/**
 * A Markdown table with every column padded to its widest cell, the layout Prettier gives, so a
 * generated document passes `prettier --check` unchanged.
 */
export function alignedTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const w = head.map((h, j) => Math.max(3, h.length, ...rows.map((r) => r[j].length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, j) => c.padEnd(w[j])).join(" | ")} |`;
  return [line(head), line(w.map((n) => "-".repeat(n))), ...rows.map(line)].join("\n");
}

/** The Markdown table of summarised rows. */
export function markdownTable(rows: readonly SuiteRow[], runs: readonly SuiteRun[]): string {
  const head = [
    "problem",
    "parameters",
    "preset",
    "seeds",
    "rel L2 mean",
    "std",
    "min .. max",
    "steps",
    "wall (s)",
    "literature",
  ];
  const body = rows.map((r) => {
    const params = runs.find((x) => x.problem === r.problem)?.parameters ?? {};
    const p = Object.entries(params)
      .map(([k, v]) => `${k} = ${Number(v.toPrecision(6))}`)
      .join(", ");
    const seeds = r.failed ? `${r.seeds} (${r.failed} diverged)` : String(r.seeds);
    return [
      `\`${r.problem}\``,
      p,
      r.preset,
      seeds,
      e(r.mean),
      e(r.std),
      `${e(r.min)} .. ${e(r.max)}`,
      String(r.steps),
      r.wall_s.toFixed(0),
      r.literature,
    ];
  });
  return alignedTable(head, body);
}

/** The markers around the suite's section in docs/BENCHMARKS.md. */
export const SECTION_BEGIN = "<!-- pinnlab bench suite: begin (generated, do not edit) -->";
export const SECTION_END = "<!-- pinnlab bench suite: end -->";

/** Which marked section {@link replaceSection} replaces, and its heading when appended. */
export interface SectionMarkers {
  readonly begin: string;
  readonly end: string;
  readonly heading: string;
}

const SUITE_MARKERS: SectionMarkers = {
  begin: SECTION_BEGIN,
  end: SECTION_END,
  heading: "Benchmark suite (`pinnlab bench suite`)",
};

/**
 * Replace the marked section of a Markdown document (or append one with a heading when the
 * markers are absent); everything outside the markers is kept as it was.
 * @param markers the section (default: the bench suite's)
 * @throws when only one marker is present, or the end comes before the begin
 */
export function replaceSection(
  doc: string,
  body: string,
  markers: SectionMarkers = SUITE_MARKERS,
): string {
  const a = doc.indexOf(markers.begin);
  const b = doc.indexOf(markers.end);
  // blank lines around the body: the layout Prettier gives an HTML comment beside Markdown
  const block = `${markers.begin}\n\n${body.trimEnd()}\n\n${markers.end}`;
  if (a === -1 && b === -1) {
    const sep = doc === "" || doc.endsWith("\n\n") ? "" : doc.endsWith("\n") ? "\n" : "\n\n";
    return `${doc}${sep}## ${markers.heading}\n\n${block}\n`;
  }
  if (a === -1 || b === -1 || b < a) {
    throw new Error("the section markers are incomplete or out of order");
  }
  return doc.slice(0, a) + block + doc.slice(b + markers.end.length);
}
