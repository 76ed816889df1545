/**
 * Messages between the playground page and its training worker. Plain data only (structured
 * clone): the page never touches the engine, the worker never touches the DOM.
 */
import type { StepRecord } from "../train/trainer.js";

/** A built-in problem as the page lists it. */
export interface ProblemInfo {
  name: string;
  description: string;
  inputs: string[];
  params: { name: string; default: number; doc: string }[];
  /** Condition names that `hard` can impose exactly (initial and Dirichlet data). */
  hardable: string[];
  /** Whether the problem has a time input (causal training and time marching apply). */
  timeDependent: boolean;
  defaults: Record<string, unknown>;
}

/** A grid of values for display: axes per input, values row-major (last input fastest). */
export interface FieldGrid {
  axes: number[][];
  values: number[];
}

/** Page -> worker. */
export type ToWorker =
  | { type: "problems" }
  | {
      type: "train";
      problem: string;
      /** `--set`-style overrides: problem parameters, training keys, `w.<term>` weights. */
      overrides: [string, string | number | boolean][];
      /** Predict on the display grid every this many Adam steps (0: only at the end). */
      liveEvery: number;
      /** jax-js's device for the residual algebra: "webgpu" only where `EngineInfo.webgpu`. */
      device: "wasm" | "webgpu";
    }
  | { type: "stop" };

/** Worker -> page. */
export type FromWorker =
  | { type: "problems"; problems: ProblemInfo[]; engine: EngineInfo }
  | {
      type: "start";
      config: Record<string, unknown>;
      terms: string[];
      reference: FieldGrid | null;
      engine: EngineInfo;
    }
  | { type: "record"; record: StepRecord }
  | { type: "field"; step: number; prediction: FieldGrid; relL2: number | null }
  | {
      type: "done";
      status: string;
      message: string;
      relL2: number | null;
      steps: number;
      wall_s: number;
      backend: string;
    }
  | { type: "error"; message: string };

/** What runs the numbers. */
export interface EngineInfo {
  /** jax-js's device for the residual algebra and evaluation. */
  device: string;
  /** WebAssembly SIMD, and relaxed SIMD (fused multiply-add) for pinnlab's kernels. */
  simd: boolean;
  relaxedSimd: boolean;
  /** Whether jax-js's WebGPU device starts in this browser. */
  webgpu: boolean;
  /** Why WebGPU is not offered here, or what choosing it changes. */
  webgpuWhy: string;
}
