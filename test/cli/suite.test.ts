// `pinnlab bench suite` on a tiny matrix: every run stored, the table printed and written into the
// marked section of the given Markdown file (the rest kept), with the literature's numbers beside.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { check } from "prettier";
import { removeTempDirs, runCli, show, tempDir } from "./helpers.js";

after(removeTempDirs);

test("bench suite: 2 seeds of poisson1d, mean and spread, literature beside, doc section replaced", async () => {
  const dir = tempDir();
  const store = path.join(dir, "runs");
  const doc = path.join(dir, "BENCHMARKS.md");
  writeFileSync(doc, "# Benchmarks\n\nhand-written text stays\n");
  const r = runCli([
    "bench",
    "suite",
    "--problems",
    "poisson1d",
    "--presets",
    "plain",
    "--seeds",
    "2",
    "--steps",
    "20",
    "--store",
    store,
    "--doc",
    doc,
  ]);
  assert.equal(r.status, 0, show(r));
  const row = r.stdout.split("\n").find((l) => l.startsWith("| `poisson1d`"));
  assert.ok(row, r.stdout);
  const cells = row.split("|").map((c) => c.trim());
  // | problem | parameters | preset | seeds | mean | std | range | steps | wall | literature |
  assert.equal(cells[3], "plain");
  assert.equal(cells[4], "2");
  const [lo, hi] = cells[7].split(" .. ").map(Number);
  const mean = Number(cells[5]);
  assert.ok(
    lo <= mean && mean <= hi && lo < hi,
    `mean ${mean} within ${lo} .. ${hi} (seeds differ)`,
  );
  assert.ok(Number(cells[6]) > 0, "a spread over seeds");
  assert.equal(cells[8], "20");
  assert.match(cells[10], /2\.40e-1 \(Wang, Yu & Perdikaris 2022\)/);
  const written = readFileSync(doc, "utf8");
  assert.ok(written.startsWith("# Benchmarks\n\nhand-written text stays\n"));
  assert.ok(written.includes(row), "the same table in the doc");
  assert.ok(
    await check(written, { parser: "markdown", printWidth: 100 }),
    "the generated document passes prettier --check as written",
  );

  const runs = runCli(["runs", "--store", store, "--json"]);
  assert.equal(runs.status, 0, show(runs));
  const ids = (JSON.parse(runs.stdout) as { id: string }[]).map((x) => x.id).sort();
  assert.equal(ids.length, 2);
  assert.match(ids[0], /-suite-poisson1d-plain-s0$/);
  assert.match(ids[1], /-suite-poisson1d-plain-s1$/);
});

test("bench suite: an unknown problem or preset, or --artifacts without --queue, is a usage error", () => {
  const r = runCli(["bench", "suite", "--problems", "poisson1d,nope", "--presets", "plain"]);
  assert.equal(r.status, 2, show(r));
  assert.match(r.stderr, /^pinnlab: error: --problems: unknown problem "nope"/);
  // a shared directory only makes sense for queued jobs
  const a = runCli(["bench", "suite", "--problems", "poisson1d", "--artifacts", "/tmp/none"]);
  assert.equal(a.status, 2, show(a));
  assert.match(a.stderr, /^pinnlab: error: bench suite: --artifacts DIR goes with --queue URL/);
});
