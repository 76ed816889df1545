import { readFileSync } from "node:fs";
import { startEngine } from "./src/engine/index.js";
import { resolveRun } from "./src/train/resolve.js";
await startEngine();
const [dir, name, tq] = process.argv.slice(2);
const run = resolveRun(name, []);
const ref = run.problem.reference!() as any;
const rows = readFileSync(`${dir}/prediction.csv`, "utf8").trim().split("\n").slice(1).map((l) => l.split(",").map(Number));
let i = 0;
for (const r of rows) {
  if (Math.abs(r[0] - Number(tq)) < 1e-9 && (i % 16 === 0 || Math.abs(Math.abs(r[1]) - 1) < 0.03)) console.log(r[1].toFixed(4), ref.values.u[i].toFixed(6), (r[2] - ref.values.u[i]).toExponential(2));
  i++;
}
