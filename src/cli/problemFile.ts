/**
 * Problem files: `pinnlab train ./heat.ts` imports the module (TypeScript or JavaScript; tsx is
 * registered by bin/pinnlab.js), takes its default export (a problem or a `problemFactory`) and
 * hands it to the same resolution as a built-in problem. The import "pinnlab" inside a problem
 * file always resolves to this installation (a module-resolution hook), so the file's values,
 * arrays and problems are the CLI's own classes wherever the file lives. A problem's
 * `referenceCsv` is read here (file reading stays in the CLI layer).
 */
import { existsSync, readFileSync } from "node:fs";
import { register } from "node:module";
import { dirname, isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { EvalGrid, Problem } from "../problem/problem.js";
import { asBuiltin } from "../problems/factory.js";
import { getProblem, type BuiltinProblem } from "../problems/index.js";

/** True when a problem argument names a file rather than a built-in problem. */
export function isProblemFile(s: string): boolean {
  return s.includes("/") || s.includes("\\") || /\.(ts|mts|js|mjs)$/.test(s);
}

let hooked = false;
let tsxRegistered = false;
const MARK = "?pinnlab-problem";

/** True when this module runs from TypeScript sources (tsx), false from the compiled dist/. */
const fromSources = import.meta.url.endsWith(".ts");

/**
 * Resolve the bare specifiers "pinnlab" and "pinnlab/node" to this installation's entry points
 * (once per process); a TypeScript problem file under the compiled CLI also needs tsx's loader.
 */
async function hookPinnlab(file: string): Promise<void> {
  if (!fromSources && /\.[mc]?ts$/.test(file) && !tsxRegistered) {
    try {
      const { register: registerTsx } = (await import("tsx/esm/api")) as {
        register: () => unknown;
      };
      registerTsx();
      tsxRegistered = true;
    } catch {
      throw new Error(
        `${file}: a TypeScript problem file needs the tsx loader (npm install tsx), or write it as .mjs`,
      );
    }
  }
  if (hooked) return;
  hooked = true;
  const ext = fromSources ? "ts" : "js";
  const entry = new URL(`../index.${ext}`, import.meta.url).href;
  const nodeEntry = new URL(`../node.${ext}`, import.meta.url).href;
  // a problem file is an ES module wherever it lives (a .ts file outside a "type": "module"
  // package would otherwise load as CommonJS): its import URL carries a marker
  const hook =
    "export async function resolve(specifier, context, next) {" +
    ` if (specifier === "pinnlab") return next(${JSON.stringify(entry)}, context);` +
    ` if (specifier === "pinnlab/node") return next(${JSON.stringify(nodeEntry)}, context);` +
    " const r = await next(specifier, context);" +
    ` return r.url.endsWith("${MARK}") ? { ...r, format: "module" } : r; }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
}

const loaded = new Map<string, BuiltinProblem & { source: string }>();

/**
 * Load a problem file as a problem the CLI can train.
 * @param file path (relative to the working directory)
 * @throws Error naming the file when it is missing, fails to import, or exports no problem
 * @example const p = await loadProblemFile("./heat.ts"); resolveRun(p, []);
 */
export async function loadProblemFile(file: string): Promise<BuiltinProblem & { source: string }> {
  const abs = isAbsolute(file) ? file : resolve(file);
  const hit = loaded.get(abs);
  if (hit) return hit;
  if (!existsSync(abs)) throw new Error(`${file}: no such problem file`);
  await hookPinnlab(file);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(abs).href + MARK)) as { default?: unknown };
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message.split("\n")[0]}`, { cause: e });
  }
  let b: BuiltinProblem & { source: string };
  try {
    b = asBuiltin(mod.default, abs);
  } catch (e) {
    // defineProblem's and the factory's own errors name the field; prefix the file
    const msg = (e as Error).message;
    throw new Error(msg.startsWith(abs) ? msg.replace(abs, file) : `${file}: ${msg}`, {
      cause: e,
    });
  }
  const withCsv: BuiltinProblem & { source: string } = {
    ...b,
    build: (p) => attachCsv(b.build(p), abs),
  };
  loaded.set(abs, withCsv);
  return withCsv;
}

/** A built-in problem by name, or a problem file by path. */
export async function loadProblem(nameOrFile: string): Promise<BuiltinProblem> {
  return isProblemFile(nameOrFile) ? loadProblemFile(nameOrFile) : getProblem(nameOrFile);
}

/** The problem with its referenceCsv (relative to the problem file) read into `reference`. */
function attachCsv(p: Problem, problemFile: string): Problem {
  if (p.referenceCsv === undefined || p.reference) return p;
  const csv = resolve(dirname(problemFile), p.referenceCsv);
  if (!existsSync(csv)) throw new Error(`${p.name}: referenceCsv: no file ${csv}`);
  const grid = readReferenceCsv(csv, p.domain.inputs, p.fields);
  return { ...p, reference: () => grid };
}

/**
 * Read a reference CSV: a header naming every input and field (any order), one row per point of
 * a full tensor grid (any row order).
 * @returns the grid, row-major in the domain's input order
 * @throws naming the file and what is wrong (missing column, not a number, not a tensor grid)
 * @example readReferenceCsv("heat_ref.csv", ["t", "x"], ["u"])
 */
export function readReferenceCsv(
  file: string,
  inputs: readonly string[],
  fields: readonly string[],
): EvalGrid {
  const lines = readFileSync(file, "utf8")
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "");
  if (lines.length < 2) throw new Error(`${file}: expected a header and at least one row`);
  const header = lines[0].split(",").map((h) => h.trim());
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${file}: no column "${name}" (header: ${header.join(",")})`);
    return i;
  };
  const ic = inputs.map(col);
  const fc = fields.map(col);
  const rows = lines.slice(1).map((l, r) => {
    const v = l.split(",").map(Number);
    if (v.length !== header.length || v.some((x) => !Number.isFinite(x))) {
      throw new Error(`${file}:${r + 2}: expected ${header.length} finite numbers`);
    }
    return v;
  });
  const axes = ic.map((c) => Float64Array.from(new Set(rows.map((r) => r[c]))).sort());
  const total = axes.reduce((p, a) => p * a.length, 1);
  if (total !== rows.length) {
    throw new Error(
      `${file}: ${rows.length} rows do not form a tensor grid (${axes.map((a) => a.length).join(" x ")} = ${total} points)`,
    );
  }
  const index = axes.map((a) => new Map(Array.from(a, (v, i) => [v, i])));
  const values: Record<string, Float64Array> = {};
  for (const f of fields) values[f] = new Float64Array(total).fill(NaN);
  for (const r of rows) {
    let flat = 0;
    ic.forEach((c, k) => (flat = flat * axes[k].length + (index[k].get(r[c]) as number)));
    fields.forEach((f, j) => (values[f][flat] = r[fc[j]]));
  }
  for (const f of fields) {
    if (values[f].some((v) => Number.isNaN(v))) throw new Error(`${file}: duplicate grid points`);
  }
  return { axes, values };
}
