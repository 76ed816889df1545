/**
 * `pinnlab export RUN --format onnx|json [--out FILE] [--store DIR]`: the network of a run's last
 * checkpoint as a self-contained model file (src/export/). Every refusal (unknown run, bad
 * format, a network the format cannot express, an unwritable path) is one line and exit 2, with
 * nothing written.
 */
import { existsSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { tree } from "../engine/index.js";
import { ExportError, exportModel } from "../export/build.js";
import { modelToOnnx } from "../export/onnx.js";
import { openStore } from "../store/db.js";
import { locateRun } from "../store/runs.js";
import { UsageError } from "./errors.js";
import { networkFromRun } from "./runNetwork.js";

const FORMATS = ["onnx", "json"] as const;

/** Parse, rebuild the run's network, write the model; prints the file's path. */
export async function exportRun(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: "string" },
      out: { type: "string" },
      store: { type: "string", default: "runs" },
    },
  });
  if (positionals.length !== 1) throw new UsageError("export: expected exactly one RUN");
  const format = values.format as (typeof FORMATS)[number] | undefined;
  if (format === undefined) throw new UsageError("export: --format onnx|json is required");
  if (!FORMATS.includes(format))
    throw new UsageError(`--format ${format}: expected one of ${FORMATS.join(", ")}`);
  if (values.out !== undefined) {
    const parent = dirname(resolve(values.out));
    if (!existsSync(parent) || !statSync(parent).isDirectory())
      throw new UsageError(`--out ${values.out}: no directory ${parent}`);
    if (existsSync(values.out) && statSync(values.out).isDirectory())
      throw new UsageError(`--out ${values.out}: is a directory`);
  }
  const storeDir = values.store;
  const loc = locateRun(positionals[0], storeDir, () => openStore(storeDir, { create: false }));
  const { run, net, params, step } = await networkFromRun(loc.dir, "export");
  if (run.config.windows > 1) {
    tree.dispose(params);
    throw new UsageError(
      `export ${loc.id}: a time-marching run (windows=${run.config.windows}) has one network per window; export supports single-network runs`,
    );
  }
  let bytes: Uint8Array;
  try {
    const model = await exportModel(net, params, {
      inputs: run.problem.domain.inputs,
      outputs: run.problem.fields,
      problem: run.problem.name,
      run: loc.id,
      step,
    });
    bytes =
      format === "onnx"
        ? modelToOnnx(model)
        : new TextEncoder().encode(JSON.stringify(model) + "\n");
  } catch (e) {
    if (e instanceof ExportError) throw new UsageError(`export ${loc.id}: ${e.message}`);
    throw e;
  } finally {
    tree.dispose(params);
  }
  const out = values.out ?? join(loc.dir, `model.${format}`);
  // temporary file + rename: a reader never sees half a model
  const tmp = `${out}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, out);
  process.stdout.write(`${out}\n`);
  return 0;
}
