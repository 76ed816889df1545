/**
 * The playground page: pick a built-in problem and its parameters, toggle mitigations, train in a
 * Web Worker (the page stays responsive), and watch per-term losses, the prediction beside the
 * reference, the error and the causal weights live.
 */
import type { StepRecord } from "../train/trainer.js";
import type { EngineInfo, FieldGrid, FromWorker, ProblemInfo, ToWorker } from "./protocol.js";
import { drawField, lineChart } from "./plot.js";

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el as T;
};
const input = (id: string) => $<HTMLInputElement>(id);

const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
const send = (m: ToWorker) => worker.postMessage(m);

/** What the page has seen; also read by the browser test. */
const state = {
  problems: [] as ProblemInfo[],
  records: [] as StepRecord[],
  errors: [] as { step: number; relL2: number | null }[],
  reference: null as FieldGrid | null,
  done: null as Extract<FromWorker, { type: "done" }> | null,
  running: false,
  startedAt: 0,
  /** Each ping click's latency, ms: from its input event to the next frame after the handler. */
  pingMs: [] as number[],
  /** The overrides the last training was started with. */
  overrides: [] as [string, string | number | boolean][],
};
(window as unknown as { pinnlab: typeof state }).pinnlab = state;

const current = () => state.problems.find((p) => p.name === $<HTMLSelectElement>("problem").value);

function showProblem(): void {
  const p = current();
  if (!p) return;
  $("description").textContent = p.description;
  const box = $("params");
  box.replaceChildren();
  for (const s of p.params) {
    const label = document.createElement("label");
    label.title = s.doc;
    label.append(`${s.name} `);
    const el = document.createElement("input");
    el.type = "number";
    el.step = "any";
    el.value = String(s.default);
    el.id = `param-${s.name}`;
    el.dataset.param = s.name;
    label.append(el);
    box.append(label);
  }
  for (const k of ["width", "depth", "points", "lr"]) {
    const v = p.defaults[k];
    if (typeof v === "number") input(k).value = String(v);
  }
  input("causal").disabled = !p.timeDependent;
  input("windows").disabled = !p.timeDependent;
  input("hard").disabled = p.hardable.length === 0;
  input("hard").title = p.hardable.length ? `imposes ${p.hardable.join(", ")} exactly` : "";
}

function overrides(p: ProblemInfo): [string, string | number | boolean][] {
  const o: [string, string | number | boolean][] = [];
  for (const el of document.querySelectorAll<HTMLInputElement>("#params input"))
    o.push([el.dataset.param ?? "", Number(el.value)]);
  const num = (id: string) => Number(input(id).value);
  o.push(["optimizer", "adam"]);
  o.push(["weighting", $<HTMLSelectElement>("weighting").value]);
  if (p.timeDependent) o.push(["causal", input("causal").checked]);
  o.push(["fourier", num("fourier")]);
  o.push(["periodicEmbedding", input("periodicEmbedding").checked]);
  if (input("hard").checked && p.hardable.length) o.push(["hard", p.hardable.join(",")]);
  if (p.timeDependent) o.push(["windows", num("windows")]);
  for (const k of ["steps", "width", "depth", "points", "lr", "seed"]) o.push([k, num(k)]);
  o.push(["logEvery", num("every")]);
  return o;
}

function render(): void {
  const recs = state.records;
  const xs = recs.map((r) => r.step);
  const terms = [...new Set(recs.flatMap((r) => Object.keys(r.terms)))];
  lineChart(
    $("loss"),
    [
      { name: "total", xs, ys: recs.map((r) => r.loss) },
      ...terms.map((k) => ({ name: k, xs, ys: recs.map((r) => r.terms[k]) })),
    ],
    { logY: true },
  );
  const c = [...recs].reverse().find((r) => r.causal);
  if (c?.causal) {
    lineChart(
      $("causalPlot"),
      Object.entries(c.causal.chunks).map(([k, v]) => ({
        name: k,
        xs: v.weight.map((_, i) => i),
        ys: v.weight,
      })),
      { xLabel: "time chunk" },
    );
  } else $("causalPlot").textContent = "causal training is off";
  lineChart(
    $("errPlot"),
    [
      {
        name: "rel L2",
        xs: state.errors.map((e) => e.step),
        ys: state.errors.map((e) => e.relL2 ?? undefined),
      },
    ],
    { logY: true },
  );
  const last = recs[recs.length - 1];
  if (last && state.running) {
    const per =
      recs.length > 1 ? ((last.wall_s - recs[0].wall_s) / (last.step - recs[0].step)) * 1000 : NaN;
    $("status").textContent =
      `training: step ${last.step}, loss ${last.loss.toExponential(3)}` +
      (Number.isFinite(per) ? `, ${per.toFixed(1)} ms/step` : "");
  }
}

/** Name the engine: WebAssembly kernels, jax-js's device for the residual algebra, and WebGPU. */
function showEngine(e: EngineInfo): void {
  const kernels =
    `pinnlab's fused WebAssembly kernels (SIMD ${e.simd ? "yes" : "no"}, relaxed SIMD ` +
    `${e.relaxedSimd ? "yes" : "no"})`;
  $("engine").textContent =
    e.device === "webgpu"
      ? `engine: WebGPU — jax-js's webgpu backend for the residual algebra, with ${kernels} ` +
        `for the network's passes (each step uploads their jets and reads the gradient back).`
      : `engine: WebAssembly — ${kernels} with jax-js's ${e.device} backend. Not WebGPU: ` +
        `${e.webgpuWhy}.`;
}

function drawFields(pred: FieldGrid): void {
  const ref = state.reference;
  if (!ref) return;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of ref.values) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  drawField($<HTMLCanvasElement>("ref"), ref.axes, ref.values, [lo, hi]);
  drawField($<HTMLCanvasElement>("pred"), pred.axes, pred.values, [lo, hi]);
  const err = pred.values.map((v, i) => Math.abs(v - ref.values[i]));
  drawField($<HTMLCanvasElement>("err"), pred.axes, err, [0, Math.max(...err) || 1]);
}

worker.addEventListener("message", (ev: MessageEvent<FromWorker>) => {
  const m = ev.data;
  switch (m.type) {
    case "problems": {
      state.problems = m.problems;
      const sel = $<HTMLSelectElement>("problem");
      for (const p of m.problems) sel.add(new Option(p.name, p.name));
      sel.value = m.problems.some((p) => p.name === "convection")
        ? "convection"
        : m.problems[0].name;
      showProblem();
      showEngine(m.engine);
      // WebGPU for the residual algebra wherever jax-js's WebGPU device starts
      input("webgpu").disabled = !m.engine.webgpu;
      input("webgpu").checked = m.engine.webgpu;
      $("train").removeAttribute("disabled");
      break;
    }
    case "start":
      showEngine(m.engine);
      state.reference = m.reference;
      if (m.reference)
        drawField($<HTMLCanvasElement>("ref"), m.reference.axes, m.reference.values, [
          Math.min(...m.reference.values),
          Math.max(...m.reference.values),
        ]);
      break;
    case "record":
      state.records.push(m.record);
      render();
      break;
    case "field":
      state.errors.push({ step: m.step, relL2: m.relL2 });
      drawFields(m.prediction);
      render();
      break;
    case "done":
      state.done = m;
      state.running = false;
      $("status").textContent =
        `${m.status}${m.message ? ` (${m.message})` : ""}: ${m.steps} steps in ${m.wall_s.toFixed(1)} s` +
        (m.relL2 !== null
          ? `, rel L2 ${m.relL2.toExponential(3)} on the full reference grid`
          : "") +
        (m.backend ? `, backend ${m.backend}` : "");
      $("train").removeAttribute("disabled");
      $("stop").setAttribute("disabled", "");
      break;
    case "error":
      state.running = false;
      $("status").textContent = `error: ${m.message}`;
      $("train").removeAttribute("disabled");
      $("stop").setAttribute("disabled", "");
      break;
    default: {
      const never: never = m;
      throw new Error(`unknown message ${JSON.stringify(never)}`);
    }
  }
});

$("problem").addEventListener("change", showProblem);
$("train").setAttribute("disabled", "");
$("train").addEventListener("click", () => {
  const p = current();
  if (!p) return;
  Object.assign(state, {
    records: [],
    errors: [],
    done: null,
    running: true,
    startedAt: performance.now(),
  });
  $("status").textContent = "starting...";
  $("train").setAttribute("disabled", "");
  $("stop").removeAttribute("disabled");
  state.overrides = overrides(p);
  send({
    type: "train",
    problem: p.name,
    overrides: state.overrides,
    liveEvery: Number(input("every").value),
    device: input("webgpu").checked ? "webgpu" : "wasm",
  });
});
$("stop").addEventListener("click", () => send({ type: "stop" }));
// the ping button measures the page's own responsiveness: from the click's input event (its
// timeStamp, taken when the browser received it) to the first frame after the handler ran
$("ping").addEventListener("click", (ev) => {
  const n = $("pings");
  n.textContent = String(Number(n.textContent) + 1);
  requestAnimationFrame(() => {
    const ms = performance.now() - ev.timeStamp;
    state.pingMs.push(ms);
    $("ping").title = `answered in ${ms.toFixed(0)} ms (input to next frame)`;
  });
});
send({ type: "problems" });
