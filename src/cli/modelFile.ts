/** Node-only: an exported JSON model read from a file (exported as "pinnlab/node"). */
import { readFileSync } from "node:fs";
import { type LoadedModel, loadModel } from "../export/model.js";

/**
 * Read and load a JSON model written by `pinnlab export RUN --format json`.
 * @throws naming the file when it cannot be read or is not a pinnlab model
 * @example
 * import { loadModelFile } from "pinnlab/node";
 * const model = loadModelFile("runs/x/model.json");
 * model.predict(Float64Array.of(0.5, 0.1));
 */
export function loadModelFile(path: string): LoadedModel {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as Error).message})`, { cause: e });
  }
  try {
    return loadModel(text);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`, { cause: e });
  }
}
