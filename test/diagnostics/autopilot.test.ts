// The autopilot: detected findings switch on the fix they name (once per key, only where it is not
// already in force), healthy findings switch nothing; `pinnlab train --set auto=true` on a problem
// with a known gradient imbalance probes, switches to grad-norm weights, and records the decision
// in config.json (which --resume replays without probing again, bit for bit), the store's events,
// metrics.json and the report.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
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
import { removeTempDirs, repoRoot, runCli, show, tempDir } from "../cli/helpers.js";

after(removeTempDirs);

const bin = path.join(repoRoot, "bin", "pinnlab.js");

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

test("pinnlab train --set auto=true: helmholtz2d's imbalance switches to grad-norm weights, recorded; a killed run resumes bit for bit without probing again", async () => {
  const dir = tempDir();
  const args = (out: string) => [
    "train",
    "helmholtz2d",
    "--preset",
    "plain",
    ...["--set", "auto=true", "--set", "autoSteps=200", "--steps", "400", "--set", "bfgsSteps=5"],
    ...["--set", "width=16", "--set", "points=256", "--set", "checkpointEvery=50"],
    ...["--set", "logEvery=25", "--out", out],
  ];
  const out = path.join(dir, "runs", "auto");
  const r = runCli(args(out));
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
    rel_l2: number;
  };
  assert.deepEqual(metrics.autopilot, saved.autopilot);
  const autopilotEvents = (id: string) => {
    const store = openStore(path.join(dir, "runs"), { create: false });
    try {
      return store.events(id).filter((e) => e.kind === "autopilot");
    } finally {
      store.close();
    }
  };
  assert.equal(autopilotEvents("auto").length, saved.autopilot.length);
  assert.match(readFileSync(path.join(out, "report.html"), "utf8"), /autopilot: step 200/);
  const again = await resolveRunDir(out);
  // --resume resolves config.json again: the decisions are in the configuration, not re-probed
  assert.equal(again.config.weighting, "gradnorm");
  assert.equal(again.config.auto, true);

  // the same run killed after its first checkpoint, then resumed: the uninterrupted run's records
  const killed = path.join(dir, "runs", "killed");
  const child = spawn(process.execPath, [bin, ...args(killed)], { cwd: repoRoot, stdio: "ignore" });
  const exited = new Promise<NodeJS.Signals | null>((res) => child.on("exit", (_c, s) => res(s)));
  const t0 = Date.now();
  while (!existsSync(path.join(killed, "checkpoint.bin")) && Date.now() - t0 < 120_000)
    await new Promise((res) => setTimeout(res, 10));
  child.kill("SIGKILL");
  assert.equal(await exited, "SIGKILL", "killed, not finished");
  const resumed = runCli(["train", "--resume", "killed", "--store", path.join(dir, "runs")]);
  assert.equal(resumed.status, 0, show(resumed));
  assert.match(resumed.stderr, /resuming killed from its checkpoint at step \d+/);
  assert.doesNotMatch(resumed.stderr, /autopilot: step/, "no second probe");
  // every record but its wall time
  const history = (d: string) =>
    readFileSync(path.join(d, "history.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => {
        const { wall_s: _w, ...rest } = JSON.parse(l) as Record<string, unknown>;
        return rest;
      });
  assert.ok(history(out).length > 15);
  assert.deepEqual(
    history(killed),
    history(out),
    "the resumed history equals the uninterrupted one",
  );
  const mk = JSON.parse(readFileSync(path.join(killed, "metrics.json"), "utf8")) as {
    autopilot: unknown[];
    rel_l2: number;
  };
  assert.equal(mk.rel_l2, metrics.rel_l2, "the same final model");
  // the same decisions (their evidence carries the probe's own timings)
  const what = (ds: unknown[]) =>
    (ds as { step: number; pathology: string; set: unknown }[]).map((d) => [
      d.step,
      d.pathology,
      d.set,
    ]);
  assert.deepEqual(what(mk.autopilot), what(saved.autopilot), "the same decisions");
  const killedSaved = JSON.parse(readFileSync(path.join(killed, "config.json"), "utf8")) as {
    autopilot: unknown[];
  };
  assert.deepEqual(mk.autopilot, killedSaved.autopilot, "the resumed run replays its own record");
  assert.equal(autopilotEvents("killed").length, saved.autopilot.length, "recorded once");
});
