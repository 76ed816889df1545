// The report in Node: every plot the records support is rendered by Vega to an inline SVG with
// axes and marks, the page is self-contained, and missing records leave their plots out.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { buildReport } from "../../src/report/index.js";
import { SECTION_BEGIN, SECTION_END, replaceSection } from "../../src/suite/table.js";
import { writeSyntheticRun } from "./fixtures.js";

const root = mkdtempSync(path.join(os.tmpdir(), "pinnlab-report-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** The figures of a report: id and inline SVG. */
function figures(html: string): { id: string; svg: string }[] {
  const re = /<figure class="plot" data-plot="([^"]+)">([\s\S]*?)<\/figure>/g;
  return [...html.matchAll(re)].map((m) => ({ id: m[1], svg: m[2] }));
}

for (const dims of [2, 1] as const) {
  test(`every recorded quantity becomes an SVG plot with axes and marks (${dims}-D field)`, async () => {
    const dir = path.join(root, `run${dims}`);
    const ids = writeSyntheticRun(dir, dims);
    const html = await buildReport(dir);
    const figs = figures(html);
    assert.deepEqual(
      figs.map((f) => f.id),
      ids,
    );
    for (const f of figs) {
      assert.match(f.svg, /^[\s\S]*<svg[^>]*width="\d+"/, `${f.id}: an svg with a size`);
      assert.ok((f.svg.match(/role-axis"/g) ?? []).length >= 2, `${f.id}: x and y axes`);
      assert.match(f.svg, /role-mark/, `${f.id}: marks`);
    }
    assert.doesNotMatch(
      html,
      /<script|<link|src="http|href="http/,
      "self-contained: no scripts, no links",
    );
    assert.match(html, /rollback: loss became NaN at step 20; back to step 10/);
    assert.match(html, /<th>rel L2<\/th><td>0.01230<\/td>/);
  });
}

test("a run without diagnostics, field or metrics still gets a report of what it has", async () => {
  const dir = path.join(root, "bare");
  writeSyntheticRun(dir, 2);
  for (const f of ["diagnostics.jsonl", "field.json", "metrics.json"]) rmSync(path.join(dir, f));
  // a process killed mid-write leaves a last line without its newline: ignored
  writeFileSync(
    path.join(dir, "history.jsonl"),
    '{"step":0,"phase":"adam","loss":1,"terms":{"res":1},"lr":0.001,"weights":{"res":1}}\n{"step":1,"ph',
  );
  const figs = figures(await buildReport(dir));
  assert.deepEqual(
    figs.map((f) => f.id),
    ["loss", "weights", "lr"],
  );
});

test("the bench suite's section of BENCHMARKS.md is replaced between its markers, the rest kept", () => {
  const doc = `# Bench\n\nintro\n\n${SECTION_BEGIN}\nold table\n${SECTION_END}\n\n## Later\nkeep\n`;
  const out = replaceSection(doc, "| new |");
  assert.equal(
    out,
    `# Bench\n\nintro\n\n${SECTION_BEGIN}\n\n| new |\n\n${SECTION_END}\n\n## Later\nkeep\n`,
  );
  const appended = replaceSection("# Bench\n", "| t |");
  assert.ok(appended.startsWith("# Bench\n\n## Benchmark suite"));
  assert.ok(appended.endsWith(`${SECTION_BEGIN}\n\n| t |\n\n${SECTION_END}\n`));
  assert.throws(() => replaceSection(`${SECTION_END}\n${SECTION_BEGIN}`, "x"), /markers/);
});
