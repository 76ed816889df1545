/**
 * pinnlab's Node-only helpers ("pinnlab/node"): reading observations and reference grids from
 * files, loading an exported model from a file. The core ("pinnlab") reads no files so that it
 * runs in a browser.
 *
 * @example
 * import { observations } from "pinnlab/node";
 * const obs = observations("data.csv", { inputs: ["t", "x"], field: "u", noise: 0.01 });
 */
export { observations, type ObservationOptions } from "./cli/observations.js";
export { readReferenceCsv } from "./cli/problemFile.js";
export { loadModelFile } from "./cli/modelFile.js";
export type { LoadedModel } from "./export/model.js";
