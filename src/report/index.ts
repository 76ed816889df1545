/**
 * `report.html` of a run directory, from its files only (config.json, metrics.json,
 * history.jsonl, diagnostics.jsonl, field.json): training writes it at the end and
 * `pinnlab report RUN` regenerates it. A missing file leaves its plots out; a corrupt one is a
 * StoreError naming it.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { writeAtomic } from "../store/rundir.js";
import { readJsonl, readRunJson } from "../store/runs.js";
import type { FieldSample } from "./field.js";
import { type ReportPage, reportHtml } from "./html.js";
import { reportPlots } from "./specs.js";

export { fieldSample, type FieldSample } from "./field.js";

function fmt(v: unknown): string {
  if (v === null || v === undefined) return "n/a";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toPrecision(4);
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** Build the report page of a run directory. */
export async function buildReport(dir: string): Promise<string> {
  const config = readRunJson(dir, "config.json");
  const metrics = existsSync(join(dir, "metrics.json")) ? readRunJson(dir, "metrics.json") : null;
  const field = existsSync(join(dir, "field.json"))
    ? (readRunJson(dir, "field.json") as unknown as FieldSample)
    : null;
  const history = readJsonl(join(dir, "history.jsonl"));
  const diagnostics = readJsonl(join(dir, "diagnostics.jsonl"));
  // vega takes a second or two to load: only when a report is built
  const { renderSvg } = await import("./render.js");
  const plots = [];
  for (const p of reportPlots({ history, diagnostics, field })) {
    plots.push({ id: p.id, title: p.title, svg: await renderSvg(p.spec) });
  }
  const facts: [string, string][] = [];
  if (metrics) {
    facts.push(["rel L2", fmt(metrics.rel_l2)], ["steps", fmt(metrics.steps)]);
    facts.push(["wall time (s)", fmt(metrics.wall_s)], ["backend", fmt(metrics.backend)]);
    for (const [k, v] of Object.entries((metrics.coefficients as Record<string, unknown>) ?? {})) {
      facts.push([`coefficient ${k}`, fmt(v)]);
    }
    for (const [k, v] of Object.entries((metrics.final_loss as Record<string, unknown>) ?? {})) {
      facts.push([`final loss ${k}`, fmt(v)]);
    }
    for (const [k, v] of Object.entries((metrics.final_weights as Record<string, unknown>) ?? {})) {
      facts.push([`final weight ${k}`, fmt(v)]);
    }
  } else {
    facts.push(["status", "no metrics.json: the run has not finished (or was interrupted)"]);
  }
  const rollbacks = (metrics?.rollbacks as Record<string, unknown>[] | undefined) ?? [];
  const autopilot = (metrics?.autopilot as Record<string, unknown>[] | undefined) ?? [];
  const events = [
    ...autopilot.map((d) => `autopilot: ${fmt(d.summary)}`),
    ...rollbacks.map(
      (r) =>
        `rollback: ${fmt(r.reason)} at step ${fmt(r.atStep)}; back to step ${fmt(r.toStep)}, ` +
        `learning rate x${fmt(r.lrScale)} from then on`,
    ),
  ];
  const status = metrics
    ? `${fmt(metrics.status)}${metrics.message ? `: ${fmt(metrics.message)}` : ""}`
    : "unfinished";
  const page: ReportPage = {
    title: `pinnlab run ${fmt(config.problem)} (${dir.split("/").filter(Boolean).pop() ?? dir})`,
    status,
    facts,
    events,
    plots,
    config: [
      ["problem parameters", (config.parameters as Record<string, unknown>) ?? {}],
      ["term weights", (config.weights as Record<string, unknown>) ?? {}],
      ["training", (config.config as Record<string, unknown>) ?? {}],
    ],
  };
  return reportHtml(page);
}

/**
 * Write (or rewrite) `report.html` in a run directory.
 * @returns the report's path
 * @example
 * await writeReport("runs/2026-11-27T10-00-00-000Z-burgers");
 */
export async function writeReport(dir: string): Promise<string> {
  const path = join(dir, "report.html");
  writeAtomic(path, await buildReport(dir));
  return path;
}
