// The autopilot: detected findings switch on the fix they name (once per key, only where it is not
// already in force), healthy findings switch nothing; `pinnlab train --set auto=true` on a problem
// with a known gradient imbalance probes, switches to grad-norm weights, and records the decision
// in config.json (which --resume replays), the store's events, metrics.json and the report.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { resolveRunDir } from "../../src/cli/train.js";
import { autopilotDecisions } from "../../src/diagnostics/autopilot.js";
import {
  type Finding,
  causalityFinding,
  illConditioningFinding,
  imbalanceFinding,
} from "../../src/diagnostics/doctor.js";
import { openStore } from "../../src/store/db.js";
import { defaultTrainConfig } from "../../src/train/config.js";
import { removeTempDirs, runCli, show, tempDir } from "../cli/helpers.js";

after(removeTempDirs);

const config = defaultTrainConfig() as unknown as Record<string, unknown>;
const imbalance = (ratio: number): Finding =>
  imbalanceFinding([{ term: "bc", ratio, residualMaxAbs: ratio, meanAbs: 1 }]);
const causality = (early: number): Finding =>
  causalityFinding([{ term: "res", t: [0, 0.25, 0.5, 0.75], loss: [early, early, 1, 1] }]);

test("autopilot decisions: the named fix for a pathology, nothing for a healthy run", () => {
  const sick = autopilotDecisions([imbalance(702)], { config, hasTime: false, step: 500 });
  assert.equal(sick.length, 1);
  assert.equal(sick[0].pathology, "gradient-imbalance");
  assert.deepEqual(sick[0].set, { weighting: "gradnorm" });
  assert.equal(sick[0].step, 500);
  assert.match(sick[0].summary, /^step 500: gradient-imbalance .*switched to weighting=gradnorm$/);
  assert.equal((sick[0].evidence as { max_ratio: number }).max_ratio, 702);
  // healthy: the same measurement below the threshold switches nothing
  assert.deepEqual(autopilotDecisions([imbalance(6.6)], { config, hasTime: false, step: 500 }), []);
  // a fix already in force is no decision
  const inForce = { ...config, weighting: "gradnorm" };
  assert.deepEqual(
    autopilotDecisions([imbalance(702)], { config: inForce, hasTime: false, step: 500 }),
    [],
  );
  // causal weights need time; with time they are switched on
  assert.deepEqual(autopilotDecisions([causality(100)], { config, hasTime: false, step: 5 }), []);
  const causal = autopilotDecisions([causality(100)], { config, hasTime: true, step: 5 });
  assert.deepEqual(causal[0].set, { causal: true });
});

test("autopilot decisions: a key is switched once, by the first finding that names it", () => {
  const stall = { fromStep: 50, toStep: 100, points: 25, slope: 0, decrease: 0 };
  const ill = illConditioningFinding(stall, {
    kappa: 1e6,
    lambdaMax: 1e3,
    lambdaEff: 1e-3,
    hessian: { lambdaMin: 0 },
    gaussNewton: { lambdaMax: 1 },
  } as unknown as Parameters<typeof illConditioningFinding>[1]);
  assert.ok(ill.detected, "stalled and stiff");
  const findings: Finding[] = [
    imbalance(702),
    {
      ...imbalance(702),
      pathology: "ntk-spectral-gap",
      fix: { set: { weighting: "ntk" }, why: "" },
    },
    ill,
  ];
  const d = autopilotDecisions(findings, { config, hasTime: false, step: 1 });
  assert.deepEqual(
    d.map((x) => x.pathology),
    ["gradient-imbalance", "ill-conditioning"],
  );
  assert.deepEqual(d[0].set, { weighting: "gradnorm" });
  assert.deepEqual(d[1].set, { optimizer: "adam+ssbroyden", precision: "float64" });
});

test("pinnlab train --set auto=true: helmholtz2d's imbalance switches to grad-norm weights, recorded", () => {
  const dir = tempDir();
  const out = path.join(dir, "runs", "auto");
  const r = runCli([
    "train",
    "helmholtz2d",
    "--preset",
    "plain",
    ...["--set", "auto=true", "--set", "autoSteps=200", "--steps", "30"],
    ...["--set", "bfgsSteps=5", "--set", "checkpointEvery=0", "--out", out],
  ]);
  assert.equal(r.status, 0, show(r));
  assert.match(
    r.stderr,
    /autopilot: step 200: gradient-imbalance .*switched to weighting=gradnorm/,
  );
  const saved = JSON.parse(readFileSync(path.join(out, "config.json"), "utf8")) as {
    config: Record<string, unknown>;
    autopilot: { pathology: string; set: Record<string, unknown> }[];
  };
  assert.equal(saved.config.weighting, "gradnorm", "the run trained with the fix");
  assert.equal(saved.autopilot[0].pathology, "gradient-imbalance");
  const metrics = JSON.parse(readFileSync(path.join(out, "metrics.json"), "utf8")) as {
    autopilot: unknown[];
    final_weights: Record<string, number>;
  };
  assert.deepEqual(metrics.autopilot, saved.autopilot);
  const store = openStore(path.join(dir, "runs"), { create: false });
  try {
    const events = store.events("auto").filter((e) => e.kind === "autopilot");
    assert.equal(events.length, saved.autopilot.length);
  } finally {
    store.close();
  }
  assert.match(readFileSync(path.join(out, "report.html"), "utf8"), /autopilot: step 200/);
  return resolveRunDir(out).then((again) => {
    // --resume resolves config.json again: the decisions are in the configuration, not re-probed
    assert.equal(again.config.weighting, "gradnorm");
    assert.equal(again.config.auto, true);
  });
});
