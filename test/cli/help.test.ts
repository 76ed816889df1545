// `pinnlab --version` and `--help` on every command and subcommand: exit 0, the command's usage on
// stdout, nothing on stderr, nothing run.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { repoRoot, runCli, show } from "./helpers.js";

test("pinnlab --version prints package.json's version", () => {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as {
    version: string;
  };
  for (const flag of ["--version", "-V"]) {
    const r = runCli([flag]);
    assert.equal(r.status, 0, show(r));
    assert.equal(r.stdout, `${pkg.version}\n`);
  }
});

test("--help on every command and subcommand prints its usage", () => {
  const cases: [string[], RegExp][] = [
    [["--help"], /usage:[\s\S]*pinnlab bench suite[\s\S]*pinnlab --version/],
    [["problems", "--help"], /pinnlab problems/],
    [["train", "--help"], /pinnlab train <problem> \[options\][\s\S]*--resume RUN/],
    [["runs", "--help"], /pinnlab runs \[--problem P\]/],
    [["runs", "--status", "completed", "-h"], /pinnlab runs \[--problem P\]/],
    [["show", "--help"], /pinnlab show RUN/],
    [["report", "--help"], /pinnlab report RUN/],
    [["diagnose", "--help"], /pinnlab diagnose <problem>[\s\S]*--run RUN/],
    [["serve", "--help"], /pinnlab serve \[--store DIR\] \[--port N\] \[--host H\]/],
    [["bench", "--help"], /bench step[\s\S]*bench gemm[\s\S]*bench suite/],
    [["bench", "step", "--help"], /pinnlab bench step --problem/],
    [["bench", "gemm", "--help"], /pinnlab bench gemm/],
    [["bench", "suite", "--help"], /pinnlab bench suite \[--problems/],
    [["sweep", "--help"], /pinnlab sweep SPEC\.json[\s\S]*pinnlab sweep status\|results SWEEP/],
    [["worker", "--help"], /pinnlab worker --queue redis:\/\/HOST:PORT/],
  ];
  for (const [args, usage] of cases) {
    const r = runCli(args);
    assert.equal(r.status, 0, `${args.join(" ")}\n${show(r)}`);
    assert.match(r.stdout, usage, args.join(" "));
    assert.equal(r.stderr, "", args.join(" "));
  }
  // the problem-specific listing shows the keys a run without --preset trains with: the zoo's best
  const t = runCli(["train", "poisson1d", "--help"]);
  assert.equal(t.status, 0, show(t));
  assert.match(
    t.stdout,
    /training keys \(as trained without --preset, i\.e\. with --preset best\):/,
  );
  assert.match(t.stdout, /^ {2}precision {10}float64 /m);
  assert.match(t.stdout, /^ {2}bfgsSteps {10}4000 /m);
  // serve refuses a store directory that does not exist, before listening
  const s = runCli(["serve", "--store", "/no/such/dir", "--port", "0"]);
  assert.equal(s.status, 2, show(s));
  assert.match(s.stderr, /^pinnlab: error: --store \/no\/such\/dir: no such directory\n$/);
  // an unknown command stays an error
  const u = runCli(["frobnicate", "--help"]);
  assert.equal(u.status, 2, show(u));
});
