// Sweep specs without training: expansion counts and order, ids that depend on the configuration
// only (not on key order), readable run ids, and the per-configuration statistics.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSpecText } from "../../src/cli/sweep.js";
import { type JobRecord, resultsText, summariseSweep } from "../../src/sweep/aggregate.js";
import { canonicalJson, expandSpec, jobCount, parseSpec } from "../../src/sweep/spec.js";

test("expansion: problems x presets x grid x seeds, stable ids, readable run ids", () => {
  const a = parseSpec(
    {
      name: "scan",
      problems: ["convection", "reaction"],
      presets: ["plain", "best"],
      set: { width: 8, optimizer: "adam" },
      grid: { beta: [10, 20, 30] },
      seeds: 2,
      steps: 40,
    },
    "a.json",
  );
  const sa = expandSpec(a);
  assert.equal(jobCount(a), 2 * 2 * 3 * 2);
  assert.equal(sa.jobs.length, 24);
  assert.equal(new Set(sa.jobs.map((j) => j.id)).size, 24);
  assert.equal(new Set(sa.jobs.map((j) => j.runId)).size, 24);
  assert.equal(sa.jobs[0].runId, `${sa.id}-convection-plain-beta10-s0`);
  assert.equal(sa.jobs[1].runId, `${sa.id}-convection-plain-beta10-s1`);
  assert.equal(sa.jobs[23].runId, `${sa.id}-reaction-best-beta30-s1`);
  assert.match(sa.id, /^scan-[0-9a-f]{8}$/);
  // seeds share their configuration's key; configurations differ
  assert.equal(sa.jobs[0].configKey, sa.jobs[1].configKey);
  assert.equal(new Set(sa.jobs.map((j) => j.configKey)).size, 12);

  // the same spec with its keys in another order: the same ids
  const b = parseSpec(
    {
      steps: 40,
      seeds: [0, 1],
      grid: { beta: [10, 20, 30] },
      set: { optimizer: "adam", width: 8 },
      presets: ["plain", "best"],
      problems: ["convection", "reaction"],
      name: "scan",
    },
    "b.json",
  );
  const sb = expandSpec(b);
  assert.equal(sb.id, sa.id);
  assert.deepEqual(
    sb.jobs.map((j) => j.id),
    sa.jobs.map((j) => j.id),
  );
  // one value changed: every id of the changed configurations and the sweep's id change
  const c = expandSpec(parseSpec({ ...JSON.parse(JSON.stringify(a)), steps: 41 }, "c.json"));
  assert.notEqual(c.id, sa.id);
  assert.equal(c.jobs.filter((j, i) => j.id === sa.jobs[i].id).length, 0);
  assert.equal(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }), '{"a":[2,{"c":4,"d":3}],"b":1}');
});

test("spec errors name the key", () => {
  const bad: [unknown, RegExp][] = [
    [{ problems: ["convection"], gird: {} }, /s\.json: unknown key "gird"/],
    [{ problems: [] }, /problems: expected a non-empty list/],
    [{ problems: ["convection"], grid: { beta: [] } }, /grid\.beta: empty grid/],
    [{ problems: ["convection"], presets: ["fast"] }, /unknown preset "fast"/],
    [{ problems: ["convection"], seeds: 0 }, /seeds: 0/],
    [{ problems: ["convection"], set: { beta: 1 }, grid: { beta: [1, 2] } }, /both in set and/],
    [{ problems: ["convection", "convection"] }, /listed twice/],
  ];
  for (const [spec, re] of bad) assert.throws(() => parseSpec(spec, "s.json"), re);
});

test("YAML specs: the same object and the same checks as JSON; syntax errors in one line", () => {
  const json = `{ "name": "scan", "problems": ["convection", "./heat.ts"], "presets": ["plain", "none"],
    "set": { "width": 8, "hard": "ic,bc", "causal": true }, "grid": { "beta": [10, 2.5e1] },
    "seeds": [0, 3], "steps": 40, "report": false }`;
  const yaml = [
    "# a beta scan",
    "name: scan",
    "problems:",
    "  - convection",
    "  - ./heat.ts",
    "presets: [plain, none]",
    "set: { width: 8, hard: 'ic,bc', causal: true }",
    "grid:",
    "  beta: [10, 2.5e1]",
    "seeds: [0, 3]",
    "steps: 40",
    "report: false",
  ].join("\n");
  const fromYaml = parseSpecText(yaml, "s.yaml");
  assert.deepEqual(fromYaml, parseSpecText(json, "s.json"));
  assert.equal(
    expandSpec(parseSpec(fromYaml, "s.yaml")).id,
    expandSpec(parseSpec(JSON.parse(json), "s.json")).id,
  );
  // the checks are parseSpec's, whatever the syntax
  const bad: [string, RegExp][] = [
    ["problems: [convection]\ngird: {}\n", /s\.yml: unknown key "gird"/],
    ["problems: [convection]\ngrid: { beta: [] }\n", /s\.yml: grid\.beta: empty grid/],
    ["- convection\n", /s\.yml: a sweep spec is an object/],
  ];
  for (const [text, re] of bad)
    assert.throws(() => parseSpec(parseSpecText(text, "s.yml"), "s.yml"), re);
  // syntax errors: one line naming the file (a repeated key is one too)
  for (const text of ["problems: [convection\n", "problems: [a]\nproblems: [b]\n", "a: b: c\n"]) {
    assert.throws(
      () => parseSpecText(text, "s.yaml"),
      (e: Error) => /^s\.yaml: not YAML \(.+\)$/.test(e.message) && !e.message.includes("\n"),
      text,
    );
  }
  assert.throws(() => parseSpecText("{ problems: [] ", "s.json"), /s\.json: not JSON/);
});

test("results per configuration: mean, sample std, range over seeds; failures listed", () => {
  const rec = (seed: number, state: JobRecord["state"], relL2: number | null): JobRecord => ({
    jobId: `j${seed}`,
    runId: `r${seed}`,
    configKey: "k",
    problem: "convection",
    preset: "plain",
    point: { beta: 10 },
    seed,
    state,
    message: state === "diverged" ? "loss became NaN at Adam step 3" : "",
    relL2,
    steps: 40,
    wallS: 2,
  });
  const [row] = summariseSweep([
    rec(0, "completed", 0.1),
    rec(1, "completed", 0.3),
    rec(2, "diverged", null),
  ]);
  assert.equal(row.n, 2);
  assert.ok(Math.abs((row.mean ?? 0) - 0.2) < 1e-15);
  assert.ok(Math.abs((row.std ?? 0) - Math.SQRT2 * 0.1) < 1e-15);
  assert.deepEqual([row.min, row.max, row.states.diverged], [0.1, 0.3, 1]);
  const text = resultsText([row]);
  assert.match(
    text,
    /convection plain beta=10 +2\/3 \(1 failed\) +2\.00e-1 +1\.41e-1 +1\.00e-1 \.\. 3\.00e-1/,
  );
  assert.match(text, /diverged: r2 \(seed 2\): loss became NaN at Adam step 3/);
});
