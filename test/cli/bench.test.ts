// `pinnlab bench step --json`: one JSON object on stdout with the timing and the echoed setup.
import assert from "node:assert/strict";
import { test } from "node:test";
import { asRecord, runCli, show } from "./helpers.js";

test("bench step --json prints one JSON object with a positive ms_per_step", () => {
  const r = runCli([
    "bench",
    "step",
    "--problem",
    "burgers",
    "--width",
    "8",
    "--depth",
    "2",
    "--points",
    "128",
    "--steps",
    "3",
    "--json",
  ]);
  assert.equal(r.status, 0, show(r));
  const lines = r.stdout.split("\n");
  assert.equal(lines.pop(), "", "stdout ends with a newline");
  assert.equal(lines.length, 1, `exactly one line on stdout\n${show(r)}`);
  const o = asRecord(JSON.parse(lines[0]), "bench output");
  assert.equal(o.problem, "burgers");
  assert.equal(o.width, 8);
  assert.equal(o.depth, 2);
  assert.equal(o.points, 128);
  assert.equal(o.steps, 3);
  const ms = o.ms_per_step;
  assert.ok(typeof ms === "number" && Number.isFinite(ms) && ms > 0, `ms_per_step ${String(ms)}`);
  const lo = o.ms_min;
  const hi = o.ms_max;
  assert.ok(typeof lo === "number" && typeof hi === "number" && lo <= ms && ms <= hi);
});

test("bench step --compare times both backends interleaved and reports their ratio", () => {
  const args = ["bench", "step", "--width", "8", "--depth", "2", "--points", "128", "--steps", "3"];
  const r = runCli([...args, "--compare", "--json"]);
  assert.equal(r.status, 0, show(r));
  const o = asRecord(JSON.parse(r.stdout), "bench output");
  assert.equal(o.backend, "kernels");
  const runs = o.compare;
  assert.ok(Array.isArray(runs) && runs.length === 2, show(r));
  const [jax, kernels] = runs.map((x: unknown) => asRecord(x, "compare entry"));
  assert.equal(jax.backend, "jax");
  assert.equal(kernels.backend, "kernels");
  const jm = jax.ms_per_step as number;
  const km = kernels.ms_per_step as number;
  assert.ok(jm > 0 && km > 0);
  assert.equal(o.ms_per_step_jax, jm);
  assert.ok(Math.abs((o.speedup as number) - jm / km) < 1e-12, "speedup = jax / kernels");
  const bad = runCli([...args, "--compare", "--backend", "jax"]);
  assert.equal(bad.status, 2, show(bad));
  assert.match(bad.stderr, /^pinnlab: error: --compare/);
});

test("bench gemm --json reports GFLOP/s per tile and shape beside the register-only ceiling", () => {
  const args = ["bench", "gemm", "--m", "64", "--n", "16", "--k", "32", "--rounds", "1"];
  const r = runCli([...args, "--tiles", "4x8,2x16", "--json"]);
  assert.equal(r.status, 0, show(r));
  const o = asRecord(JSON.parse(r.stdout), "bench gemm output");
  assert.deepEqual([o.m, o.n, o.k], [64, 16, 32]);
  const rows = o.gflops as Record<string, unknown>[];
  assert.deepEqual(
    rows.map((x) => x.tile),
    ["4x8", "2x16"],
  );
  for (const row of rows)
    for (const s of ["nn", "tn", "nt"])
      assert.ok(Number(row[s]) > 0 && Number.isFinite(Number(row[s])), `${String(row.tile)} ${s}`);
  assert.ok(Number(o.peak_gflops) > 0);
  const bad = runCli([...args, "--tiles", "4by8"]);
  assert.equal(bad.status, 2, show(bad));
  assert.match(bad.stderr, /--tiles 4by8: expected e\.g\. 4x8,2x16/);
});
