// `pinnlab bench unseen`, shortened: two problems nobody tuned (the clamped beam, where
// the vanilla PINN fails, and a solution of order 1e3) under plain and the default recipe, at
// small budgets; the table lands in the document's marked section with both presets' numbers.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import {
  UNSEEN_BEGIN,
  UNSEEN_END,
  type UnseenColumn,
  parseSection,
  runCells,
  unseenTable,
} from "../../src/cli/unseen.js";
import { replaceSection } from "../../src/suite/table.js";
import { removeTempDirs, repoRoot, runCli, show, tempDir } from "./helpers.js";

after(removeTempDirs);

/** The rel L2 cell of a problem's row for a preset column (plain: 1, default: 3). */
function cell(doc: string, problem: string, column: number): number {
  const row = doc.split("\n").find((l) => l.startsWith(`| \`${problem}\``));
  assert.ok(row, `a row for ${problem}`);
  const cells = row.split("|").map((c) => c.trim());
  return Number(cells[1 + column]);
}

test("bench unseen: the default recipe solves the beam and a 1e3 solution where plain fails", () => {
  const dir = tempDir();
  const doc = path.join(dir, "B.md");
  writeFileSync(doc, "# Benchmarks\n\nkept\n");
  const r = runCli(
    [
      "bench",
      "unseen",
      "--dir",
      path.join(repoRoot, "bench", "unseen"),
      "--only",
      "beam,furnace",
      ...["--set", "steps=300", "--set", "bfgsSteps=300", "--set", "points=256"],
      ...["--set", "bfgsPoints=512", "--set", "redrawPool=2048", "--set", "bcPoints=32"],
      ...["--set", "evalEvery=0", "--set", "checkpointEvery=0"],
      ...["--store", path.join(dir, "runs"), "--doc", doc],
    ],
    dir,
  );
  assert.equal(r.status, 0, show(r));
  const text = readFileSync(doc, "utf8");
  assert.ok(text.startsWith("# Benchmarks\n\nkept\n"), "the rest of the document is kept");
  assert.ok(text.includes(UNSEEN_BEGIN) && text.includes(UNSEEN_END));
  // the vanilla PINN (float32 4 x 64, Adam 300 steps) is nowhere near either solution ...
  assert.ok(cell(text, "unseen-beam", 1) > 0.1, text);
  assert.ok(cell(text, "unseen-furnace", 1) > 0.1, text);
  // ... the default recipe at the same tiny budget already is (full budget: docs/BENCHMARKS.md)
  assert.ok(cell(text, "unseen-beam", 3) < 1e-3, text); // measured 1.8e-4 (plain: 3.2)
  assert.ok(cell(text, "unseen-furnace", 3) < 1e-3, text); // measured 2.7e-7 (plain: 0.95)
});

test("bench unseen: a later command's cells merge into the table an earlier one wrote", () => {
  const run = (problem: string, preset: UnseenColumn, rel: number, cpu: number) => ({
    file: `${problem}.ts`,
    problem,
    preset,
    status: "completed",
    rel_l2: rel,
    cpu_s: cpu,
    wall_s: 2 * cpu,
    id: `x-${problem}-${preset}`,
  });
  const markers = { begin: UNSEEN_BEGIN, end: UNSEEN_END, heading: "Unseen" };
  const first = runCells([run("b", "plain", 3.9, 190), run("a", "plain", 0.5, 20)]);
  const doc = replaceSection(
    "# B\n",
    `- \`pinnlab bench unseen x\`\n\n${unseenTable(first)}`,
    markers,
  );
  const parsed = parseSection(doc);
  assert.deepEqual(parsed.commands, ["- `pinnlab bench unseen x`"]);
  assert.deepEqual(parsed.cells, first);
  const merged = new Map(parsed.cells);
  for (const [p, row] of runCells([run("b", "default", 3.7e-6, 120)]))
    merged.set(p, new Map([...(merged.get(p) ?? new Map()), ...row]));
  const table = unseenTable(merged);
  assert.match(table, /\| `a` +\| 5\.0e-1 +\| 20 +\| +\| +\|/);
  assert.match(table, /\| `b` +\| 3\.9e\+0 +\| 190 +\| 3\.7e-6 +\| 120 +\|/);
  // the autopilot column comes after the presets and reads back
  for (const [p, row] of runCells([run("a", "autopilot", 2.5e-5, 31)]))
    merged.set(p, new Map([...(merged.get(p) ?? new Map()), ...row]));
  const withAuto = unseenTable(merged);
  assert.match(withAuto, /\| default CPU s \| autopilot rel L2 \| autopilot CPU s \|/);
  assert.match(withAuto, /\| `a` +\| 5\.0e-1 +\| 20 +\| +\| +\| 2\.5e-5 +\| 31 +\|/);
  assert.deepEqual(parseSection(replaceSection("# B\n", withAuto, markers)).cells, merged);
});
