// A synthetic run directory with every kind of record the report plots (2-D field, per-term
// losses and weights, gradient statistics, imbalance, NTK spectra, causal weights in step records).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Write the run directory `dir` and return the plot ids its report must show. */
export function writeSyntheticRun(dir: string, dims: 1 | 2 = 2): string[] {
  mkdirSync(dir, { recursive: true });
  const json = (f: string, v: unknown) =>
    writeFileSync(path.join(dir, f), JSON.stringify(v) + "\n");
  json("config.json", {
    problem: "synthetic",
    parameters: { beta: 1 },
    config: { width: 8, steps: 50, lr: 1e-3 },
    weights: { res: 1, ic: 10 },
  });
  json("metrics.json", {
    status: "completed",
    message: "",
    rel_l2: 0.0123,
    steps: 50,
    wall_s: 1.5,
    backend: "kernels",
    final_loss: { res: 1e-3, ic: 2e-4 },
    final_weights: { res: 1, ic: 10 },
    rollbacks: [{ atStep: 20, toStep: 10, reason: "loss became NaN", lrScale: 0.1 }],
  });
  const hist: string[] = [];
  for (let step = 0; step < 50; step += 10) {
    const causal_weights = Array.from({ length: 8 }, (_, i) => Math.exp(-i * (1 - step / 50)));
    hist.push(
      JSON.stringify({
        step,
        phase: "adam",
        loss: 1 / (step + 1),
        terms: { res: 0.5 / (step + 1), ic: 0.05 / (step + 1) },
        lr: 1e-3,
        weights: { res: 1, ic: 10 + step / 10 },
        wall_s: step / 10,
        ...(step % 10 === 0 ? { rel_l2: 0.5 / (step + 1) } : {}),
        causal_weights,
      }),
    );
  }
  writeFileSync(path.join(dir, "history.jsonl"), hist.join("\n") + "\n");
  const diag: string[] = [];
  for (const step of [25, 50]) {
    for (const term of ["res", "ic"]) {
      diag.push(
        JSON.stringify({
          kind: "gradients",
          step,
          term,
          layer: "all",
          size: 100,
          norm: 1,
          maxAbs: 0.5 * step,
          meanAbs: 0.01 * step,
          hist: [],
        }),
      );
      diag.push(
        JSON.stringify({
          kind: "ntk",
          step,
          term,
          termKind: "residual",
          eigenvalues: [100, 10, 1, 0.1],
          spread: 3,
        }),
      );
    }
    diag.push(
      JSON.stringify({
        kind: "imbalance",
        step,
        term: "ic",
        ratio: step,
        residualMaxAbs: 1,
        meanAbs: 1,
      }),
    );
  }
  writeFileSync(path.join(dir, "diagnostics.jsonl"), diag.join("\n") + "\n");
  if (dims === 2) {
    const t = [0, 0.25, 0.5, 0.75, 1];
    const x = [0, 1, 2, 3];
    const ref = t.flatMap((ti) => x.map((xi) => Math.sin(xi - ti)));
    json("field.json", {
      inputs: ["t", "x"],
      axes: [t, x],
      fields: { u: { pred: ref.map((v) => v + 0.01), ref } },
    });
    return [
      "pred-u",
      "ref-u",
      "err-u",
      "loss",
      "error",
      "weights",
      "lr",
      "gradients",
      "imbalance",
      "ntk",
      "causal",
    ];
  }
  const x = [0, 0.25, 0.5, 0.75, 1];
  const ref = x.map((xi) => Math.sin(Math.PI * xi));
  json("field.json", {
    inputs: ["x"],
    axes: [x],
    fields: { u: { pred: ref.map((v) => v * 1.01), ref } },
  });
  return [
    "field-u",
    "err-u",
    "loss",
    "error",
    "weights",
    "lr",
    "gradients",
    "imbalance",
    "ntk",
    "causal",
  ];
}
