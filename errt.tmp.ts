// per-time relative error of a run's prediction.csv against the problem's reference
import { readFileSync } from "node:fs";
import { startEngine } from "./src/engine/index.js";
import { resolveRun } from "./src/train/resolve.js";
await startEngine();
const [dir, name, ...sets] = process.argv.slice(2);
const run = resolveRun(name, sets.map((s) => s.split("=") as [string, string]));
const ref = run.problem.reference!() as any;
const rows = readFileSync(`${dir}/prediction.csv`, "utf8").trim().split("\n").slice(1).map((l) => l.split(",").map(Number));
const [ta, xa] = ref.axes;
const u = ref.values.u;
const num = new Map<number, number>(), den = new Map<number, number>(), mx = new Map<number, number>();
let i = 0;
for (const r of rows) {
  const t = r[0];
  const e = r[2] - u[i];
  const k = Math.round(t * 20) / 20;
  num.set(k, (num.get(k) ?? 0) + e * e);
  den.set(k, (den.get(k) ?? 0) + u[i] * u[i]);
  mx.set(k, Math.max(mx.get(k) ?? 0, Math.abs(e)));
  i++;
}
let N = 0, D = 0;
for (const k of num.keys()) { N += num.get(k)!; D += den.get(k)!; }
console.log("rows", rows.length, "ref", u.length, ta.length, xa.length, "total", Math.sqrt(N / D).toExponential(2));
for (const k of [...num.keys()].sort((a, b) => a - b)) console.log(k.toFixed(2), Math.sqrt(num.get(k)! / den.get(k)!).toExponential(2), mx.get(k)!.toExponential(2));
