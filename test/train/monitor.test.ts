// Diagnostics records written during training: when they come, and that their numbers are
// consistent with each other and with an independent measurement of the same quantities.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startEngine, tree } from "../../src/engine/index.js";
import type { DiagnosticRecord } from "../../src/train/monitor.js";
import { resolveRun } from "../../src/train/resolve.js";
import { train } from "../../src/train/trainer.js";

await startEngine();

test("diagEvery / ntkEvery: gradient and NTK records at the right steps, internally consistent", async () => {
  const run = resolveRun("helmholtz2d", [
    ["steps", 12],
    ["width", 16],
    ["depth", 2],
    ["points", 64],
    ["bcPoints", 32],
    ["diagEvery", 6],
    ["ntkEvery", 12],
  ]);
  const recs: DiagnosticRecord[] = [];
  const r = await train({
    problem: run.problem,
    config: run.config,
    onDiagnostics: (d) => recs.push(...d),
  });
  tree.dispose(r.params);
  const at = (kind: string) => [...new Set(recs.filter((x) => x.kind === kind).map((x) => x.step))];
  assert.deepEqual(at("gradients"), [6, 12]);
  assert.deepEqual(at("imbalance"), [6, 12]);
  assert.deepEqual(at("ntk"), [12]);
  for (const step of [6, 12]) {
    for (const term of ["res", "bc"]) {
      const g = recs.filter((x) => x.kind === "gradients" && x.step === step && x.term === term);
      const all = g.find((x) => x.layer === "all");
      assert.ok(all);
      // the overall norm is the root sum of squares of the per-layer norms
      const rss = Math.sqrt(
        g.filter((x) => x.layer !== "all").reduce((s, x) => s + (x.norm as number) ** 2, 0),
      );
      assert.ok(Math.abs((all.norm as number) - rss) <= 1e-9 * rss, `${term}@${step}`);
      const hist = all.hist as number[];
      assert.equal(
        hist.reduce((a, b) => a + b, 0),
        all.size,
        "every parameter lands in one bin",
      );
    }
    // lambda_hat = max|grad L_res| / mean|grad L_bc|, from the same step's gradient records
    const imb = recs.find((x) => x.kind === "imbalance" && x.step === step && x.term === "bc");
    const res = recs.find(
      (x) => x.kind === "gradients" && x.step === step && x.term === "res" && x.layer === "all",
    );
    const bc = recs.find(
      (x) => x.kind === "gradients" && x.step === step && x.term === "bc" && x.layer === "all",
    );
    assert.ok(imb && res && bc);
    const want = (res.maxAbs as number) / (bc.meanAbs as number);
    assert.ok(Math.abs((imb.ratio as number) - want) <= 1e-9 * want);
  }
  for (const n of recs.filter((x) => x.kind === "ntk")) {
    // the trace is the sum of all eigenvalues; at most 32 are kept, so they sum to at most it,
    // and to all of it when the block has at most 32 rows (K is formed in float32, whose
    // rounding, ~1e-7 relative, bounds how exactly this holds)
    const eig = n.eigenvalues as number[];
    assert.ok(eig.length > 0 && eig.length <= 32);
    const s = eig.reduce((a, b) => a + b, 0);
    const tr = n.trace as number;
    assert.ok(s <= tr * (1 + 1e-6), `eigenvalue sum ${s} vs trace ${tr}`);
    if ((n.n as number) <= 32) assert.ok(Math.abs(s - tr) <= 1e-6 * tr, `all kept: ${s} vs ${tr}`);
    assert.ok(
      Math.abs((n.meanDiag as number) - (n.trace as number) / (n.n as number)) <
        1e-9 * (n.trace as number),
    );
  }
});
