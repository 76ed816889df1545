// The doctor's findings: thresholds applied to the evidence, and the CLI end to end.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  CAUSALITY_THRESHOLD,
  IMBALANCE_THRESHOLD,
  KAPPA_THRESHOLD,
  STALL_THRESHOLD,
  causalityFinding,
  earlyLateRatio,
  NTK_SPREAD_THRESHOLD,
  imbalanceFinding,
  ntkFinding,
} from "../../src/diagnostics/doctor.js";
import type { NtkReport } from "../../src/loss/ntk.js";
import { exactTerms } from "../../src/cli/diagnose.js";
import { allenCahn } from "../../src/problems/others.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

test("imbalanceFinding flags the worst ratio above the threshold and names its term", () => {
  const rec = (term: string, ratio: number) => ({ term, ratio, residualMaxAbs: ratio, meanAbs: 1 });
  const sick = imbalanceFinding([rec("ic", 3), rec("bc", IMBALANCE_THRESHOLD * 1.01)]);
  assert.equal(sick.detected, true);
  assert.equal(sick.evidence.worst_term, "bc");
  assert.equal(sick.evidence.max_ratio, IMBALANCE_THRESHOLD * 1.01);
  assert.deepEqual(sick.fix.set, { weighting: "gradnorm" });
  const fine = imbalanceFinding([rec("ic", IMBALANCE_THRESHOLD * 0.99)]);
  assert.equal(fine.detected, false);
  assert.equal(imbalanceFinding([]).detected, false, "no condition terms: nothing to balance");
});

test("ntkFinding compares the NTK traces across terms", () => {
  const term = (name: string, meanDiag: number) => ({
    term: name,
    kind: "residual" as const,
    n: 4,
    trace: 4 * meanDiag,
    meanDiag,
    lambdaMax: meanDiag,
    lambdaMin: 0,
    eigenvalues: [meanDiag],
    method: "jacobi" as const,
    traceRatio: 1,
    meanDiagRatio: 1,
  });
  const report = (a: number, b: number): NtkReport => ({
    terms: [term("res", a), term("bc", b)],
    meanDiagSpread: Math.max(a, b) / Math.min(a, b),
    traceSpread: Math.max(a, b) / Math.min(a, b),
    weights: {},
  });
  const sick = ntkFinding(report(NTK_SPREAD_THRESHOLD * 2, 1));
  assert.equal(sick.detected, true);
  assert.match(sick.summary, /"bc" will be learned far more slowly/);
  assert.equal(ntkFinding(report(NTK_SPREAD_THRESHOLD / 2, 1)).detected, false);
});

/** Deep equality with numbers compared to a relative tolerance. */
function assertClose(a: unknown, b: unknown, rel: number, path: string): void {
  if (typeof a === "number" && typeof b === "number") {
    assert.ok(Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b)), `${path}: ${a} vs ${b}`);
  } else if (a && b && typeof a === "object" && typeof b === "object") {
    assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), path);
    for (const k of Object.keys(a))
      assertClose(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        rel,
        `${path}.${k}`,
      );
  } else assert.deepEqual(a, b, path);
}

function diagnoseJson(args: string[]) {
  const r = spawnSync(process.execPath, ["bin/pinnlab.js", "diagnose", ...args, "--json"], {
    cwd: root,
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as {
    problem: string;
    findings: { pathology: string; detected: boolean; evidence: Record<string, unknown> }[];
  };
}

test("diagnose helmholtz2d --json reports gradient-imbalance with the ratio as evidence", () => {
  const d = diagnoseJson(["helmholtz2d", "--steps", "200"]);
  assert.equal(d.problem, "helmholtz2d");
  const f = d.findings.find((x) => x.pathology === "gradient-imbalance");
  assert.ok(f);
  assert.equal(f.detected, true);
  assert.ok((f.evidence.max_ratio as number) > IMBALANCE_THRESHOLD);
});

test("diagnose convection (beta = 1, trains fine) flags nothing", () => {
  const d = diagnoseJson(["convection", "--set", "beta=1", "--steps", "200"]);
  for (const f of d.findings)
    assert.equal(f.detected, false, `${f.pathology} ${JSON.stringify(f.evidence)}`);
});

test("diagnose poisson1d (k = 4) --json reports ntk-spectral-gap with the trace ratio and ill-conditioning with kappa", () => {
  const d = diagnoseJson(["poisson1d", "--steps", "200"]);
  const f = d.findings.find((x) => x.pathology === "ntk-spectral-gap");
  assert.ok(f);
  assert.equal(f.detected, true, JSON.stringify(f.evidence));
  const terms = f.evidence.terms as Record<string, { trace: number; trace_ratio: number }>;
  // the evidence is self-consistent: the spread is the ratio of the largest to the smallest trace
  assert.ok(
    Math.abs(terms.bc.trace_ratio - terms.res.trace / terms.bc.trace) < 1e-9 * terms.bc.trace_ratio,
  );
  assert.ok(
    Math.abs((f.evidence.trace_spread as number) - terms.bc.trace_ratio) <
      1e-9 * terms.bc.trace_ratio,
  );
  assert.ok(terms.bc.trace_ratio > NTK_SPREAD_THRESHOLD);
  // Adam crawls on the k = 4 operator (the second-order phases fix it: test/train/secondOrder.ts)
  const ic = d.findings.find((x) => x.pathology === "ill-conditioning");
  assert.ok(ic);
  assert.equal(ic.detected, true, JSON.stringify(ic.evidence.stall));
  assert.ok((ic.evidence.loss_decrease_last_half as number) < STALL_THRESHOLD);
  assert.ok((ic.evidence.kappa as number) > KAPPA_THRESHOLD);
  const c = ic.evidence.curvature as {
    kappa: number;
    lambdaMax: number;
    lambdaEff: number;
    backend: string;
  };
  assert.equal(c.backend, "kernels");
  assert.ok(Math.abs(c.kappa - c.lambdaMax / c.lambdaEff) <= 1e-12 * c.kappa);
  assert.deepEqual((ic as unknown as { fix: { set: unknown } }).fix.set, {
    optimizer: "adam+ssbroyden",
    precision: "float64",
  });
});

test("diagnose --run DIR measures the saved run's checkpoint: the same evidence as diagnosing the same training", () => {
  const dir = mkdtempSync(join(tmpdir(), "pinnlab-diag-"));
  const out = join(dir, "run");
  const t = spawnSync(
    process.execPath,
    [
      "bin/pinnlab.js",
      "train",
      "helmholtz2d",
      "--preset",
      "plain",
      "--steps",
      "200",
      "--set",
      "logEvery=10",
      "--out",
      out,
    ],
    { cwd: root, encoding: "utf8" },
  );
  assert.equal(t.status, 0, t.stderr);
  const saved = diagnoseJson(["--run", out]);
  const fresh = diagnoseJson(["helmholtz2d", "--steps", "200"]);
  assert.equal(saved.problem, "helmholtz2d");
  for (const id of ["gradient-imbalance", "ntk-spectral-gap"]) {
    const a = saved.findings.find((f) => f.pathology === id);
    const b = fresh.findings.find((f) => f.pathology === id);
    assert.ok(a && b, id);
    // same parameters and batch; jax-js's float32 measurement may round differently between
    // processes (seen: 3e-7 relative), a wrong or stale checkpoint would differ at O(1)
    assertClose(a.evidence, b.evidence, 1e-5, id);
  }
  // the curvature from the checkpoint's parameters, the stall from history.jsonl
  const a = saved.findings.find((f) => f.pathology === "ill-conditioning");
  const b = fresh.findings.find((f) => f.pathology === "ill-conditioning");
  assert.ok(a && b);
  for (const k of ["kappa", "lambda_max", "lambda_eff"])
    assertClose(a.evidence[k], b.evidence[k], 1e-6, `ill-conditioning ${k}`);
  const stall = a.evidence.stall as { fromStep: number; toStep: number; points: number };
  assert.deepEqual([stall.fromStep, stall.toStep, stall.points], [100, 199, 11]);
  const wrong = spawnSync(
    process.execPath,
    ["bin/pinnlab.js", "diagnose", "poisson1d", "--run", out],
    {
      cwd: root,
      encoding: "utf8",
    },
  );
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /the run trained "helmholtz2d", not "poisson1d"/);
  rmSync(dir, { recursive: true, force: true });
});

test("causalityFinding: early/late residual ratio against the threshold, profile as evidence", () => {
  const prof = (loss: number[]) => [
    { term: "res", t: loss.map((_, i) => (i + 0.5) / loss.length), loss },
  ];
  // first quarter mean 2c, second half mean 0.1 -> ratio 20 c
  const c = CAUSALITY_THRESHOLD;
  const sick = causalityFinding(prof([2 * c, 2 * c, 1, 1, 0.1, 0.1, 0.1, 0.1]));
  assert.equal(sick.detected, true);
  assert.ok(Math.abs((sick.evidence.early_late_ratio as number) - 20 * c) < 1e-9);
  assert.deepEqual(sick.fix.set, { causal: true });
  assert.deepEqual(
    (sick.evidence.profiles as Record<string, { loss: number[] }>).res.loss.length,
    8,
  );
  const fine = causalityFinding(prof([1, 1, 1, 1, 1, 1, 1, 1]));
  assert.equal(fine.detected, false);
  assert.equal(fine.evidence.early_late_ratio, 1);
  assert.equal(earlyLateRatio([0.5 * c, 1, 1, 0.5]), (0.5 * c) / 0.75);
  assert.equal(causalityFinding([]).detected, false, "no time input: not applicable");
});

test("findings judge the loss as configured: term weights scale the ratios, exact terms are left out", () => {
  const rec = (term: string, ratio: number) => ({ term, ratio, residualMaxAbs: ratio, meanAbs: 1 });
  // Allen-Cahn's ic weighted 100 and a periodic bc satisfied exactly by the embedding
  const records = [rec("ic", 715), rec("bc", 1.2e12)];
  assert.equal(imbalanceFinding(records).detected, true);
  const judged = imbalanceFinding(records, { weights: { ic: 100, bc: 1 }, exact: ["bc"] });
  assert.equal(judged.detected, false);
  assert.equal(judged.evidence.max_ratio, 7.15);
  assert.deepEqual(judged.evidence.exact_terms, ["bc"]);
  const term = (name: string, trace: number) => ({
    term: name,
    kind: "residual" as const,
    n: 4,
    trace,
    meanDiag: trace / 4,
    lambdaMax: trace,
    lambdaMin: 0,
    eigenvalues: [trace],
    method: "jacobi" as const,
    traceRatio: 1,
    meanDiagRatio: 1,
  });
  const report: NtkReport = {
    terms: [term("res", 7.1e5), term("ic", 6.6e3), term("bc", 1e-20)],
    meanDiagSpread: 1,
    traceSpread: 7.1e25,
    weights: {},
  };
  assert.equal(ntkFinding(report).detected, true);
  const w = ntkFinding(report, { weights: { ic: 100 }, exact: ["bc"] });
  assert.ok(Math.abs((w.evidence.trace_spread as number) - 7.1e5 / 6.6e5) < 1e-12);
  assert.equal(w.detected, false);
});

test("the periodic condition is exact under the embedding, and a loss term again under the seam feature", () => {
  const problem = allenCahn.build({ eps: 1e-4, gamma: 5, T: 1 });
  assert.deepEqual(
    problem.terms.filter((t) => t.kind === "periodic").map((t) => t.name),
    ["bc"],
  );
  assert.deepEqual(exactTerms(problem, { periodicEmbedding: true, periodicSeam: false }), ["bc"]);
  // the seam feature lets the slope jump across the period: bc's u_x part is a real loss term
  assert.deepEqual(exactTerms(problem, { periodicEmbedding: true, periodicSeam: true }), []);
  assert.deepEqual(exactTerms(problem, { periodicEmbedding: false, periodicSeam: false }), []);
});
