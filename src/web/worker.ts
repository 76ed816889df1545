/**
 * The playground's training worker: the same core as the CLI (problem zoo, jets, fused WebAssembly
 * kernels, optimisers, weighting, causal training, samplers, time marching), driven by messages.
 * Records stream to the page as they are logged; every `liveEvery` Adam steps the network is
 * evaluated on a coarse display grid (prediction and error beside the reference).
 */
import { startEngine, tree, useDevice, webGpuDeviceStarts } from "../engine/index.js";
import { detectFeatures } from "../kernels/assemble.js";
import { flattenParams, unflattenParams } from "../nets/flat.js";
import { PROBLEMS } from "../problems/index.js";
import type { EvalGrid } from "../problem/problem.js";
import { predictGrid, relativeL2 } from "../train/evaluate.js";
import { resolveRun, type Override } from "../train/resolve.js";
import { trainRun } from "../train/run.js";
import { prepare, train } from "../train/trainer.js";
import type { EngineInfo, FieldGrid, FromWorker, ProblemInfo, ToWorker } from "./protocol.js";

/** At most this many display points per axis. */
const DISPLAY = 64;

const post = (m: FromWorker) =>
  (self as unknown as { postMessage(m: unknown): void }).postMessage(m);

let stopRequested = false;

interface GpuNavigator {
  gpu?: { requestAdapter(): Promise<unknown> };
}

/**
 * Whether jax-js's WebGPU device starts in this browser (`init("webgpu")`), and if not, why. Asked
 * once; where it starts, the page ticks its WebGPU box and training runs the residual algebra
 * there (the network's passes stay in the WebAssembly kernels).
 */
let gpuProbe: Promise<{ webgpu: boolean; webgpuWhy: string }> | undefined;
function probeWebGpu(): Promise<{ webgpu: boolean; webgpuWhy: string }> {
  gpuProbe ??= (async () => {
    const nav = (globalThis as { navigator?: GpuNavigator }).navigator;
    if (!nav?.gpu) return { webgpu: false, webgpuWhy: "this browser offers no navigator.gpu" };
    let adapter: unknown;
    try {
      adapter = await nav.gpu.requestAdapter();
    } catch (e) {
      return { webgpu: false, webgpuWhy: `requestAdapter failed: ${(e as Error).message}` };
    }
    if (!adapter)
      return { webgpu: false, webgpuWhy: "navigator.gpu offers no adapter (no usable GPU)" };
    if (!(await webGpuDeviceStarts().catch(() => false)))
      return { webgpu: false, webgpuWhy: "jax-js could not open a WebGPU device" };
    return {
      webgpu: true,
      webgpuWhy: "jax-js's WebGPU device starts here, but the WebGPU box is unticked",
    };
  })();
  return gpuProbe;
}

async function engineInfo(device: "wasm" | "webgpu" = "wasm"): Promise<EngineInfo> {
  await startEngine();
  const f = await detectFeatures();
  return { device, simd: f.simd, relaxedSimd: f.relaxedSimd, ...(await probeWebGpu()) };
}

function problemList(): ProblemInfo[] {
  return Object.values(PROBLEMS).map((p) => {
    const built = resolveRun(p.name, []).problem;
    const hardable = Object.entries(built.conditions)
      .filter(([, c]) => (c.kind === "initial" && c.derivative === 0) || c.kind === "dirichlet")
      .map(([n]) => n);
    return {
      name: p.name,
      description: p.description,
      inputs: [...built.domain.inputs],
      params: Object.entries(p.params).map(([name, s]) => ({
        name,
        default: s.default,
        doc: s.doc,
      })),
      hardable,
      timeDependent: built.domain.time !== null,
      defaults: { ...p.defaults },
    };
  });
}

/** Every k-th point of each axis, so that no axis has more than DISPLAY points. */
function thin(grid: EvalGrid, fields: readonly string[]): { display: EvalGrid; ref: FieldGrid } {
  const picks = grid.axes.map((a) => {
    const k = Math.max(1, Math.ceil(a.length / DISPLAY));
    const idx: number[] = [];
    for (let i = 0; i < a.length; i += k) idx.push(i);
    if (idx[idx.length - 1] !== a.length - 1) idx.push(a.length - 1);
    return idx;
  });
  const axes = picks.map((idx, d) => Float64Array.from(idx, (i) => grid.axes[d][i]));
  const strides = grid.axes.map((_, d) => grid.axes.slice(d + 1).reduce((s, a) => s * a.length, 1));
  const n = axes.reduce((s, a) => s * a.length, 1);
  const values: Record<string, Float64Array> = {};
  const f0 = fields[0];
  for (const f of fields) {
    const src = grid.values[f];
    const out = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let rem = j;
      let at = 0;
      for (let d = axes.length - 1; d >= 0; d--) {
        const len = axes[d].length;
        at += picks[d][rem % len] * strides[d];
        rem = Math.floor(rem / len);
      }
      out[j] = src[at];
    }
    values[f] = out;
  }
  return {
    display: { axes, values },
    ref: { axes: axes.map((a) => [...a]), values: [...values[f0]] },
  };
}

async function run(m: Extract<ToWorker, { type: "train" }>): Promise<void> {
  stopRequested = false;
  const engine = await engineInfo(m.device);
  await useDevice(m.device);
  const resolved = resolveRun(m.problem, m.overrides as Override[]);
  const { problem, config } = resolved;
  const fullRef = problem.reference?.() ?? null;
  const shown = fullRef ? thin(fullRef, problem.fields) : null;
  const single = config.curriculum === "none" && config.windows <= 1;
  const { net, problem: trained } = prepare(problem, config);
  post({
    type: "start",
    config: { ...config },
    terms: trained.termNames.slice(),
    reference: shown?.ref ?? null,
    engine,
  });
  const stopCheck = () => {
    if (stopRequested) throw new Error("stopped");
  };
  const onRecord = (r: Parameters<NonNullable<Parameters<typeof train>[0]["onRecord"]>>[0]) => {
    post({ type: "record", record: r });
    stopCheck();
  };
  // live predictions: the checkpoint hook hands over the parameters every liveEvery steps
  const { layout } = await flattenParams(net.init(config.seed));
  const live = async (step: number, flat: Float64Array) => {
    if (!shown) return;
    const params = unflattenParams(flat, layout, config.precision);
    const pred = await predictGrid(net, params, shown.display, problem.fields);
    tree.dispose(params);
    const err = relativeL2(pred.values, shown.display.values);
    post({
      type: "field",
      step,
      prediction: { axes: shown.ref.axes, values: [...pred.values[problem.fields[0]]] },
      relL2: Number.isFinite(err) ? err : null,
    });
  };
  const t0 = performance.now();
  try {
    if (single) {
      const result = await train({
        problem,
        config: { ...config, checkpointEvery: m.liveEvery > 0 ? m.liveEvery : 0 },
        weights: resolved.weights,
        onRecord,
        onCheckpoint: async (st) => {
          await live(st.step, st.optimizer.params);
          stopCheck();
        },
      });
      let relL2: number | null = null;
      if (fullRef && result.status === "completed") {
        const pred = await predictGrid(result.net, result.params, fullRef, problem.fields);
        relL2 = relativeL2(pred.values, fullRef.values);
        if (shown) {
          const p = await predictGrid(result.net, result.params, shown.display, problem.fields);
          post({
            type: "field",
            step: result.steps,
            prediction: { axes: shown.ref.axes, values: [...p.values[problem.fields[0]]] },
            relL2: relativeL2(p.values, shown.display.values),
          });
        }
      }
      tree.dispose(result.params);
      post({
        type: "done",
        status: result.status,
        message: result.message,
        relL2,
        steps: result.steps,
        wall_s: (performance.now() - t0) / 1000,
        backend: result.backend,
      });
    } else {
      // curriculum and time marching train several networks: predictions at the end
      const out = await trainRun(resolved, { onRecord });
      let relL2: number | null = null;
      if (fullRef && out.result.status === "completed") {
        relL2 = relativeL2((await out.predictGrid(fullRef)).values, fullRef.values);
        if (shown) {
          const p = await out.predictGrid(shown.display);
          post({
            type: "field",
            step: out.steps,
            prediction: { axes: shown.ref.axes, values: [...p.values[problem.fields[0]]] },
            relL2: relativeL2(p.values, shown.display.values),
          });
        }
      }
      out.dispose();
      post({
        type: "done",
        status: out.result.status,
        message: out.result.message,
        relL2,
        steps: out.steps,
        wall_s: (performance.now() - t0) / 1000,
        backend: out.result.backend,
      });
    }
  } catch (e) {
    if ((e as Error).message !== "stopped") throw e;
    post({
      type: "done",
      status: "stopped",
      message: "stopped by the user",
      relL2: null,
      steps: 0,
      wall_s: (performance.now() - t0) / 1000,
      backend: "",
    });
  }
}

let busy: Promise<void> = Promise.resolve();

self.addEventListener("message", (ev: Event) => {
  const m = (ev as MessageEvent<ToWorker>).data;
  if (m.type === "stop") {
    stopRequested = true;
    return;
  }
  busy = busy.then(async () => {
    try {
      if (m.type === "problems") {
        const engine = await engineInfo();
        post({ type: "problems", problems: problemList(), engine });
      } else {
        await run(m);
      }
    } catch (e) {
      post({ type: "error", message: (e as Error).message });
    }
  });
});
