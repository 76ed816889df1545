// Problems a user brings on the command line: `pinnlab new` writes a starter that trains as
// written; a problem file trains, reports, resumes after SIGKILL bit-exactly, and goes through
// diagnose and bench suite like a built-in; problems without a reference get residual metrics; a
// reference may be a CSV file; bad files get one line and exit status 2.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { asRecord, readJson, removeTempDirs, repoRoot, runCli, show, tempDir } from "./helpers.js";

after(removeTempDirs);

const bin = path.join(repoRoot, "bin", "pinnlab.js");

/** Usage-error shape: status 2, one stderr line mentioning every fragment, nothing written. */
function assertUsage(r: ReturnType<typeof runCli>, ...mentions: string[]): void {
  assert.equal(r.status, 2, show(r));
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line: ${show(r)}`);
  assert.match(lines[0], /^pinnlab: error: /);
  for (const m of mentions) assert.ok(lines[0].includes(m), `mentions ${m}: ${lines[0]}`);
}

const SMALL = ["--set", "width=16", "--set", "depth=2", "--set", "points=128"];
// these tests check what a problem file goes through (store, report, resume, CSV, coefficients)
// at small budgets on the vanilla PINN; the default recipe a file gets without a preset is
// tested in test/problems/recipe.test.ts and test/cli/unseen.test.ts
const PLAIN = ["--preset", "plain"];

test("pinnlab new writes a starter that trains as written (its exact solution checks the error)", () => {
  const dir = tempDir();
  const made = runCli(["new", "myheat"], dir);
  assert.equal(made.status, 0, show(made));
  const file = path.join(dir, "myheat.ts");
  assert.match(readFileSync(file, "utf8"), /from "pinnlab"/);
  assert.equal(runCli(["new", "myheat"], dir).status, 2, "no overwrite without --force");
  const out = path.join(dir, "runs", "a");
  const r = runCli(
    [
      "train",
      "./myheat.ts",
      "--preset",
      "plain",
      "--steps",
      "800",
      "--set",
      "k=0.05",
      "--out",
      out,
    ],
    dir,
  );
  assert.equal(r.status, 0, show(r));
  const m = asRecord(readJson(path.join(out, "metrics.json")), "metrics");
  // measured 2.9e-2 at 800 steps; 1e-1 leaves seed/platform slack
  assert.ok(typeof m.rel_l2 === "number" && m.rel_l2 < 0.1, `rel_l2 ${String(m.rel_l2)}`);
  assert.equal(m.problem, "myheat");
  assert.equal(asRecord(m.parameters, "parameters").k, 0.05);
  assert.equal(m.problem_file, file);
  const cfg = asRecord(readJson(path.join(out, "config.json")), "config");
  assert.equal(cfg.problemFile, file);
  for (const f of ["report.html", "prediction.csv", "field.json", "checkpoint.bin"]) {
    assert.ok(existsSync(path.join(out, f)), f);
  }
  const help = runCli(["train", "./myheat.ts", "--help"], dir);
  assert.equal(help.status, 0, show(help));
  assert.match(help.stdout, /k\s+0\.1\s+diffusivity/);
});

// u'' = -pi^2 sin(pi x) on [0, 1] with u = 0 at both ends (u = sin pi x), no reference given
const NOREF = `import { defineProblem, dirichlet, interval, sin } from "pinnlab";
export default defineProblem({
  name: "noref",
  domain: interval(0, 1),
  fields: ["u"],
  residuals: { res: ({ d, x }) => d("u", "xx").add(sin(x("x").mul(Math.PI)).mul(Math.PI ** 2)) },
  conditions: { bc: dirichlet("u", [{ input: "x", side: "min" }, { input: "x", side: "max" }], 0) },
});
`;

test("a problem without a reference: residual metrics, the solution in the report, --preset plain", () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, "noref.ts"), NOREF);
  const out = path.join(dir, "runs", "n");
  const r = runCli(
    ["train", "./noref.ts", "--preset", "plain", "--steps", "300", ...SMALL, "--out", out],
    dir,
  );
  assert.equal(r.status, 0, show(r));
  assert.match(r.stdout, /residual RMS res \S+ \(no reference\)/);
  const m = asRecord(readJson(path.join(out, "metrics.json")), "metrics");
  assert.equal(m.rel_l2, null);
  const res = asRecord(asRecord(m.residual, "residual").res, "residual.res");
  assert.ok(typeof res.rms === "number" && res.rms > 0 && res.rms < 5, `rms ${String(res.rms)}`);
  assert.ok(typeof res.max === "number" && res.max >= res.rms);
  const field = asRecord(readJson(path.join(out, "field.json")), "field");
  const u = asRecord(asRecord(field.fields, "fields").u, "u");
  assert.ok(Array.isArray(u.pred) && u.ref === undefined);
  assert.match(readFileSync(path.join(out, "report.html"), "utf8"), /Predicted u \(no reference\)/);
  // the best preset is measured for built-in problems only
  assertUsage(runCli(["train", "./noref.ts", "--preset", "best"], dir), "--preset best");
});

test("a reference from a CSV file next to the problem file", () => {
  const dir = tempDir();
  const src = NOREF.replace(`name: "noref",`, `name: "csvref",\n  referenceCsv: "ref.csv",`);
  writeFileSync(path.join(dir, "csvref.ts"), src);
  const rows = ["u,x"];
  for (let i = 0; i <= 200; i++) rows.push(`${Math.sin((Math.PI * i) / 200)},${i / 200}`);
  writeFileSync(path.join(dir, "ref.csv"), rows.join("\n") + "\n");
  const out = path.join(dir, "runs", "c");
  const r = runCli(
    ["train", "./csvref.ts", ...PLAIN, "--steps", "1500", ...SMALL, "--out", out],
    dir,
  );
  assert.equal(r.status, 0, show(r));
  const m = asRecord(readJson(path.join(out, "metrics.json")), "metrics");
  // measured 2.4e-3 after 1,500 steps
  assert.ok(typeof m.rel_l2 === "number" && m.rel_l2 < 5e-2, `rel_l2 ${String(m.rel_l2)}`);
  writeFileSync(path.join(dir, "ref.csv"), rows.slice(0, 100).join("\n") + "\n");
  const bad = runCli(
    ["train", "./csvref.ts", ...PLAIN, "--steps", "5", "--out", path.join(dir, "x")],
    dir,
  );
  assert.equal(bad.status, 0, "a sparse grid is still a tensor grid");
  writeFileSync(path.join(dir, "ref.csv"), "x,u\n0,0\n0.5,nope\n");
  assertUsage(runCli(["train", "./csvref.ts", "--steps", "5"], dir), "ref.csv:3");
});

test("bad problem files: one line naming the file or the field, exit 2, nothing written", () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, "none.ts"), "export const x = 1;\n");
  assertUsage(runCli(["train", "./none.ts"], dir), "none.ts", "default export is not a problem");
  assertUsage(runCli(["train", "./missing.ts"], dir), "missing.ts", "no such problem file");
  writeFileSync(
    path.join(dir, "throws.ts"),
    NOREF.replace(`({ d, x }) => d("u", "xx")`, `({ d, x }) => d("w", "xx")`),
  );
  assertUsage(runCli(["train", "./throws.ts"], dir), "residuals.res", '"w"');
  writeFileSync(
    path.join(dir, "boom.ts"),
    NOREF.replace(
      `res: ({ d, x }) =>`,
      `res: () => { throw new Error("boom"); }, r2: ({ d, x }) =>`,
    ),
  );
  assertUsage(runCli(["train", "./boom.ts"], dir), "residuals.res", "boom");
  assertUsage(runCli(["train", "./none.ts", "--set", "zzz=1"], dir), "none.ts");
  // an unknown boundary piece, a polygon that is not simple, a coefficient named like a field,
  // an observation outside the domain
  const variants: [string, string, string[]][] = [
    [
      "piece.ts",
      NOREF.replace(`dirichlet("u", [`, `dirichlet("u", ["hole", `),
      ["conditions.bc.on", '"hole"'],
    ],
    [
      "bowtie.ts",
      NOREF.replace(`interval(0, 1)`, `polygon([[0, 0], [1, 1], [1, 0], [0, 1]])`).replace(
        `import { defineProblem`,
        `import { polygon, defineProblem`,
      ),
      ["not simple", "edges 0 and 2 cross"],
    ],
    [
      "clash.ts",
      NOREF.replace(`d("u", "xx")`, `d("u", "xx").mul(param("u", { init: 1 }))`).replace(
        `import { defineProblem`,
        `import { param, defineProblem`,
      ),
      ['coefficient "u" has the name of a field'],
    ],
    [
      "outside.ts",
      NOREF.replace(`conditions: {`, `conditions: { obs: data("u", [[2]], [0]),`).replace(
        `import { defineProblem`,
        `import { data, defineProblem`,
      ),
      ["conditions.obs.points[0]", "outside the domain"],
    ],
  ];
  for (const [file, src, mentions] of variants) {
    writeFileSync(path.join(dir, file), src);
    assertUsage(runCli(["train", `./${file}`], dir), ...mentions);
  }
  assert.ok(!existsSync(path.join(dir, "runs")), "nothing written");
});

test("a problem file through diagnose and bench suite", () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, "noref.ts"), NOREF);
  const d = runCli(["diagnose", "./noref.ts", "--steps", "40", ...SMALL, "--json"], dir);
  assert.equal(d.status, 0, show(d));
  assert.ok(Array.isArray(asRecord(JSON.parse(d.stdout), "diagnose").findings), d.stdout);
  const doc = path.join(dir, "B.md");
  const s = runCli(
    [
      "bench",
      "suite",
      "--problems",
      "./noref.ts",
      "--presets",
      "plain",
      "--seeds",
      "1",
      "--steps",
      "30",
      "--store",
      path.join(dir, "suite"),
      "--doc",
      doc,
    ],
    dir,
  );
  assert.equal(s.status, 0, show(s));
  assert.match(readFileSync(doc, "utf8"), /`noref`/);
});

test("a problem file killed with SIGKILL resumes bit-exactly", async () => {
  const dir = tempDir();
  assert.equal(runCli(["new", "heatk"], dir).status, 0);
  const args = [
    "train",
    "./heatk.ts",
    ...PLAIN,
    "--steps",
    "1200",
    "--seed",
    "2",
    ...["--set", "width=8", "--set", "depth=2", "--set", "points=64", "--set", "bcPoints=16"],
    ...["--set", "checkpointEvery=100", "--set", "logEvery=25"],
  ];
  const full = path.join(dir, "runs", "full");
  assert.equal(runCli([...args, "--out", full], dir).status, 0);
  const killed = path.join(dir, "runs", "killed");
  const child = spawn(process.execPath, [bin, ...args, "--out", killed], {
    cwd: dir,
    stdio: "ignore",
  });
  const exited = new Promise<NodeJS.Signals | null>((res) => child.on("exit", (_c, s) => res(s)));
  const ckpt = path.join(killed, "checkpoint.bin");
  const t0 = Date.now();
  while (!existsSync(ckpt) && Date.now() - t0 < 60_000)
    await new Promise((res) => setTimeout(res, 10));
  child.kill("SIGKILL");
  assert.equal(await exited, "SIGKILL", "killed before the end");
  const resumed = runCli(["train", "--resume", "killed", "--store", path.join(dir, "runs")], dir);
  assert.equal(resumed.status, 0, show(resumed));
  const hist = (p: string) =>
    readFileSync(path.join(p, "history.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => {
        const { wall_s: _w, ...rest } = JSON.parse(l) as Record<string, unknown>;
        return rest;
      });
  assert.deepEqual(hist(killed), hist(full), "resumed history equals the uninterrupted one");
  const mk = asRecord(readJson(path.join(killed, "metrics.json")), "metrics");
  const mf = asRecord(readJson(path.join(full, "metrics.json")), "metrics");
  assert.equal(mk.rel_l2, mf.rel_l2);
  assert.ok(typeof mk.resumed_from === "number" && mk.resumed_from > 0);
});

// an inverse problem in a file: observations read through pinnlab/node, a trainable coefficient
const INVERSE = `import { defineProblem, dirichlet, interval, param, sin } from "pinnlab";
import { observations } from "pinnlab/node";
const nu = param("nu", { init: 0.1, positive: true });
export default defineProblem({
  name: "inv",
  domain: interval(0, 1),
  fields: ["u"],
  residuals: {
    res: ({ d, x }) => d("u", "xx").mul(nu).add(sin(x("x").mul(Math.PI)).mul(0.5 * Math.PI ** 2)),
  },
  conditions: {
    bc: dirichlet("u", "boundary", 0),
    obs: observations(new URL("obs.csv", import.meta.url), { inputs: ["x"], field: "u" }),
  },
  exact: (p) => Math.sin(Math.PI * p.x),
});
`;

test("an inverse problem file: the coefficient in history.jsonl, metrics.json and the report", () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, "inv.ts"), INVERSE);
  const rows = ["x,u"];
  for (let i = 0; i < 40; i++)
    rows.push(`${(i + 0.5) / 40},${Math.sin((Math.PI * (i + 0.5)) / 40)}`);
  writeFileSync(path.join(dir, "obs.csv"), rows.join("\n") + "\n");
  const out = path.join(dir, "runs", "i");
  const r = runCli(
    [
      "train",
      "./inv.ts",
      ...PLAIN,
      "--steps",
      "400",
      "--set",
      "coefLr=0.01",
      ...SMALL,
      "--out",
      out,
    ],
    dir,
  );
  assert.equal(r.status, 0, show(r));
  assert.match(r.stdout, /nu = 0\.\d+/);
  const m = asRecord(readJson(path.join(out, "metrics.json")), "metrics");
  const nu = asRecord(m.coefficients, "coefficients").nu;
  // 400 Adam steps move nu from 0.1 towards 0.5 (it overshoots on the way: 0.86 measured);
  // test/problem/inverse.test.ts checks the recovery itself to 0.5%
  assert.ok(typeof nu === "number" && nu > 0.3 && nu < 1, `nu ${String(nu)}`);
  const first = JSON.parse(
    readFileSync(path.join(out, "history.jsonl"), "utf8").split("\n")[0],
  ) as {
    coefs: { nu: number };
  };
  assert.ok(Math.abs(first.coefs.nu - 0.1) < 1e-7);
  assert.match(readFileSync(path.join(out, "report.html"), "utf8"), /Trainable coefficients/);
  // the fused kernels carry the coefficient: no fallback to jax-js
  assert.doesNotMatch(r.stderr, /using jax/);
});
