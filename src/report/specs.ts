/**
 * The report's plots as Vega-Lite specifications, built from the run's records alone (history,
 * diagnostics, field sample). Each builder returns null when its records are absent, so a plain run
 * gets the solution and loss plots and a run with diagnostics or causal weights gets those too.
 */
import type { TopLevelSpec } from "vega-lite";
import type { FieldSample } from "./field.js";

/** One plot of the report. */
export interface Plot {
  /** Stable id (the figure's data-plot attribute). */
  readonly id: string;
  readonly title: string;
  readonly spec: TopLevelSpec;
}

type Rec = Record<string, unknown>;
type Row = Record<string, number | string>;

const WIDTH = 320;
const HEIGHT = 220;

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

function numbers(v: unknown): number[] | null {
  if (!Array.isArray(v) || v.length === 0) return null;
  return v.every((x) => typeof x === "number") ? (v as number[]) : null;
}

/** A line per series over a quantitative x; log y when every value is positive. */
function lines(
  rows: Row[],
  o: { x: string; xTitle: string; yTitle: string; series: string; log?: boolean },
): TopLevelSpec {
  const positive = rows.every((r) => (r.value as number) > 0);
  return {
    width: WIDTH,
    height: HEIGHT,
    data: { values: rows },
    mark: { type: "line", point: rows.length <= 60 },
    encoding: {
      x: { field: o.x, type: "quantitative", title: o.xTitle },
      y: {
        field: "value",
        type: "quantitative",
        title: o.yTitle,
        scale: { type: positive && o.log !== false ? "log" : "linear" },
      },
      color: { field: o.series, type: "nominal", title: null },
    },
  };
}

/** Per-term (unweighted) losses and the weighted total over the logged steps. */
export function lossPlot(history: readonly Rec[]): Plot | null {
  const rows: Row[] = [];
  for (const h of history) {
    const step = num(h.step);
    if (step === null) continue;
    const total = num(h.loss);
    if (total !== null && total > 0) rows.push({ step, series: "total (weighted)", value: total });
    for (const [term, v] of Object.entries((h.terms as Rec | undefined) ?? {})) {
      const x = num(v);
      if (x !== null && x > 0) rows.push({ step, series: term, value: x });
    }
  }
  if (rows.length === 0) return null;
  return {
    id: "loss",
    title: "Loss per term",
    spec: lines(rows, { x: "step", xTitle: "step", yTitle: "mean-square loss", series: "series" }),
  };
}

/** The loss weight of each term over the logged steps. */
export function weightsPlot(history: readonly Rec[]): Plot | null {
  const rows: Row[] = [];
  for (const h of history) {
    const step = num(h.step);
    if (step === null) continue;
    for (const [term, v] of Object.entries((h.weights as Rec | undefined) ?? {})) {
      const x = num(v);
      if (x !== null) rows.push({ step, series: term, value: x });
    }
  }
  if (rows.length === 0) return null;
  return {
    id: "weights",
    title: "Loss weights",
    spec: lines(rows, { x: "step", xTitle: "step", yTitle: "weight", series: "series" }),
  };
}

/**
 * Rel L2 against the reference over wall time, one series per optimiser phase (records with
 * `rel_l2`, written every `evalEvery` steps): what each phase bought per second.
 */
export function errorPlot(history: readonly Rec[]): Plot | null {
  const rows: Row[] = [];
  for (const h of history) {
    const t = num(h.wall_s);
    const e = num(h.rel_l2);
    if (t !== null && e !== null && e > 0) {
      rows.push({ wall_s: t, series: String(h.phase ?? ""), value: e });
    }
  }
  if (rows.length === 0) return null;
  return {
    id: "error",
    title: "Rel L2 error against wall time",
    spec: lines(rows, { x: "wall_s", xTitle: "wall time (s)", yTitle: "rel L2", series: "series" }),
  };
}

/** The learning rate in force (schedule times rollback factors). */
export function lrPlot(history: readonly Rec[]): Plot | null {
  const rows: Row[] = [];
  for (const h of history) {
    const step = num(h.step);
    const lr = num(h.lr);
    if (step !== null && lr !== null && lr > 0 && h.phase === "adam") {
      rows.push({ step, series: "lr", value: lr });
    }
  }
  if (rows.length === 0) return null;
  return {
    id: "lr",
    title: "Learning rate",
    spec: lines(rows, { x: "step", xTitle: "step", yTitle: "learning rate", series: "series" }),
  };
}

/** The trainable PDE coefficients over the logged steps (inverse problems). */
export function coefficientsPlot(history: readonly Rec[]): Plot | null {
  const rows: Row[] = [];
  for (const h of history) {
    const step = num(h.step);
    if (step === null) continue;
    for (const [name, v] of Object.entries((h.coefs as Rec | undefined) ?? {})) {
      const x = num(v);
      if (x !== null) rows.push({ step, series: name, value: x });
    }
  }
  if (rows.length === 0) return null;
  return {
    id: "coefficients",
    title: "Trainable coefficients",
    spec: lines(rows, { x: "step", xTitle: "step", yTitle: "value", series: "series", log: false }),
  };
}

/** Per-term gradient statistics over all parameters (diagnostics `gradients`, layer "all"). */
export function gradientPlot(diag: readonly Rec[]): Plot | null {
  const rows: Row[] = [];
  for (const d of diag) {
    if (d.kind !== "gradients" || d.layer !== "all") continue;
    const step = num(d.step);
    if (step === null) continue;
    for (const stat of ["meanAbs", "maxAbs"] as const) {
      const v = num(d[stat]);
      if (v !== null && v > 0) rows.push({ step, series: `${String(d.term)} ${stat}`, value: v });
    }
  }
  if (rows.length === 0) return null;
  return {
    id: "gradients",
    title: "Gradient statistics per term",
    spec: lines(rows, { x: "step", xTitle: "step", yTitle: "|grad|", series: "series" }),
  };
}

/** The learning-rate-annealing imbalance max|grad L_res| / mean|grad L_term| per term. */
export function imbalancePlot(diag: readonly Rec[]): Plot | null {
  const rows: Row[] = [];
  for (const d of diag) {
    const step = num(d.step);
    const v = num(d.ratio);
    if (d.kind === "imbalance" && step !== null && v !== null && v > 0) {
      rows.push({ step, series: String(d.term), value: v });
    }
  }
  if (rows.length === 0) return null;
  return {
    id: "imbalance",
    title: "Gradient imbalance (residual max / term mean)",
    spec: lines(rows, { x: "step", xTitle: "step", yTitle: "ratio", series: "series" }),
  };
}

/** The NTK eigenvalues of each term at the last step they were measured. */
export function ntkPlot(diag: readonly Rec[]): Plot | null {
  const last = new Map<string, Rec>();
  for (const d of diag) if (d.kind === "ntk" && numbers(d.eigenvalues)) last.set(String(d.term), d);
  const rows: Row[] = [];
  for (const [term, d] of last) {
    (numbers(d.eigenvalues) ?? []).forEach((v, i) => {
      if (Number.isFinite(v) && v > 0)
        rows.push({ index: i + 1, series: `${term} (step ${String(d.step)})`, value: v });
    });
  }
  if (rows.length === 0) return null;
  return {
    id: "ntk",
    title: "NTK spectra per term",
    spec: lines(rows, {
      x: "index",
      xTitle: "eigenvalue index",
      yTitle: "eigenvalue",
      series: "series",
    }),
  };
}

/**
 * Causal weights per time chunk, from whatever records carry them: any numeric-array field whose
 * name starts with "causal" in a step record, or a diagnostics record of kind "causal" (its
 * `weights` array). One line per logged step, coloured by step.
 */
export function causalPlot(history: readonly Rec[], diag: readonly Rec[]): Plot | null {
  const rows: Row[] = [];
  const add = (step: number, arr: number[]) =>
    arr.forEach((v, chunk) => Number.isFinite(v) && rows.push({ step, chunk, value: v }));
  for (const h of history) {
    const step = num(h.step);
    if (step === null) continue;
    for (const [k, v] of Object.entries(h)) {
      const arr = numbers(v);
      if (k.startsWith("causal") && arr) add(step, arr);
    }
  }
  for (const d of diag) {
    const step = num(d.step);
    const arr = numbers(d.weights) ?? numbers(d.causal_weights);
    if (d.kind === "causal" && step !== null && arr) add(step, arr);
  }
  if (rows.length === 0) return null;
  return {
    id: "causal",
    title: "Causal weights per time chunk",
    spec: {
      width: WIDTH,
      height: HEIGHT,
      data: { values: rows },
      mark: "line",
      encoding: {
        x: { field: "chunk", type: "quantitative", title: "time chunk" },
        y: { field: "value", type: "quantitative", title: "weight" },
        color: { field: "step", type: "quantitative", title: "step", scale: { scheme: "viridis" } },
        detail: { field: "step", type: "nominal" },
      },
    },
  };
}

/** Cell edges around sampled coordinates (midpoints; the ends extend by half a cell). */
function edges(a: readonly number[]): number[] {
  if (a.length === 1) return [a[0] - 0.5, a[0] + 0.5];
  const e = [a[0] - (a[1] - a[0]) / 2];
  for (let i = 0; i + 1 < a.length; i++) e.push((a[i] + a[i + 1]) / 2);
  e.push(a[a.length - 1] + (a[a.length - 1] - a[a.length - 2]) / 2);
  return e;
}

function heatMap(
  f: FieldSample,
  values: readonly number[],
  title: string,
  scheme: "viridis" | "reds",
): TopLevelSpec {
  const [a, b] = f.axes;
  const ea = edges(a);
  const eb = edges(b);
  const rows: Row[] = [];
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) {
      // points outside a non-box domain are null in field.json: no cell
      if (values[i * b.length + j] === null) continue;
      rows.push({
        a0: ea[i],
        a1: ea[i + 1],
        b0: eb[j],
        b1: eb[j + 1],
        v: values[i * b.length + j],
      });
    }
  }
  const axis = (name: string, lo: number, hi: number) => ({
    type: "quantitative" as const,
    title: name,
    scale: { domain: [lo, hi], nice: false, zero: false },
  });
  return {
    width: WIDTH,
    height: HEIGHT,
    data: { values: rows },
    mark: { type: "rect" },
    encoding: {
      x: { field: "a0", ...axis(f.inputs[0], ea[0], ea[ea.length - 1]) },
      x2: { field: "a1" },
      y: { field: "b0", ...axis(f.inputs[1], eb[0], eb[eb.length - 1]) },
      y2: { field: "b1" },
      color: { field: "v", type: "quantitative", title, scale: { scheme } },
    },
  };
}

/**
 * The predicted field, the reference and the absolute error: heat maps for 2-D inputs (first
 * input on the horizontal axis), line plots for 1-D.
 */
export function fieldPlots(f: FieldSample | null): Plot[] {
  if (!f) return [];
  const out: Plot[] = [];
  for (const [name, { pred, ref }] of Object.entries(f.fields)) {
    if (!ref) {
      // no reference: the solution alone
      const xTitle = f.inputs[0];
      out.push({
        id: `pred-${name}`,
        title: `Predicted ${name} (no reference)`,
        spec:
          f.axes.length === 2
            ? heatMap(f, pred, name, "viridis")
            : lines(
                f.axes[0].map((xi, i) => ({ x: xi, series: "predicted", value: pred[i] })),
                { x: "x", xTitle, yTitle: name, series: "series", log: false },
              ),
      });
      continue;
    }
    const err = pred.map((p, i) =>
      p === null ? (null as unknown as number) : Math.abs(p - ref[i]),
    );
    if (f.axes.length === 2) {
      out.push(
        { id: `pred-${name}`, title: `Predicted ${name}`, spec: heatMap(f, pred, name, "viridis") },
        { id: `ref-${name}`, title: `Reference ${name}`, spec: heatMap(f, ref, name, "viridis") },
        {
          id: `err-${name}`,
          title: `|error| of ${name}`,
          spec: heatMap(f, err, "|error|", "reds"),
        },
      );
    } else {
      const x = f.axes[0];
      const rows: Row[] = [];
      x.forEach((xi, i) => {
        rows.push({ x: xi, series: "predicted", value: pred[i] });
        rows.push({ x: xi, series: "reference", value: ref[i] });
      });
      const xTitle = f.inputs[0];
      out.push({
        id: `field-${name}`,
        title: `Predicted and reference ${name}`,
        spec: lines(rows, { x: "x", xTitle, yTitle: name, series: "series", log: false }),
      });
      out.push({
        id: `err-${name}`,
        title: `|error| of ${name}`,
        spec: lines(
          x.map((xi, i) => ({ x: xi, series: "|error|", value: err[i] })),
          { x: "x", xTitle, yTitle: "|error|", series: "series", log: false },
        ),
      });
    }
  }
  return out;
}

/** Every plot the records support, in report order. */
export function reportPlots(d: {
  history: readonly Rec[];
  diagnostics: readonly Rec[];
  field: FieldSample | null;
}): Plot[] {
  return [
    ...fieldPlots(d.field),
    lossPlot(d.history),
    coefficientsPlot(d.history),
    errorPlot(d.history),
    weightsPlot(d.history),
    lrPlot(d.history),
    gradientPlot(d.diagnostics),
    imbalancePlot(d.diagnostics),
    ntkPlot(d.diagnostics),
    causalPlot(d.history, d.diagnostics),
  ].filter((p): p is Plot => p !== null);
}
