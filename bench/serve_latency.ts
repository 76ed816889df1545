// Dashboard latency with a large store: write N runs (default 1,000; 50 history records each)
// through the store's API, start `pinnlab serve`'s server on a loopback port, and time each page
// and API request R times (sequential, keep-alive off). Prints median and p95 in ms.
//   npx tsx bench/serve_latency.ts [N] [R]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { openStore } from "../src/store/db.js";
import { createServer } from "../src/serve/server.js";

const N = Number(process.argv[2] ?? 1000);
const R = Number(process.argv[3] ?? 100);
const root = mkdtempSync(path.join(os.tmpdir(), "pinnlab-bench-serve-"));
const problems = ["burgers", "convection", "allen-cahn", "helmholtz2d"];
const db = openStore(root, { create: true });
const ids: string[] = [];
for (let i = 0; i < N; i++) {
  const id = `2026-12-01T00-00-${String(i).padStart(4, "0")}-run`;
  ids.push(id);
  const dir = path.join(root, id);
  mkdirSync(dir);
  const problem = problems[i % problems.length];
  db.insertRun({
    id,
    dir,
    problem,
    seed: i % 3,
    config: {
      problem,
      parameters: { beta: 1 },
      config: { steps: 1000 },
      weights: {},
      preset: i % 2 ? "best" : "plain",
    },
  });
  db.updateRun(id, { status: "completed", rel_l2: Math.random(), steps: 1000, wall_s: 10 });
  const recs = Array.from({ length: 50 }, (_, k) =>
    JSON.stringify({
      step: k * 20,
      phase: "adam",
      loss: 1 / (k + 1),
      terms: { res: 1, ic: 1 },
      lr: 1e-3,
      weights: { res: 1, ic: 1 },
      wall_s: k,
    }),
  );
  writeFileSync(path.join(dir, "history.jsonl"), recs.join("\n") + "\n");
}
db.close();

const app = await createServer({ store: root });
await app.listen({ host: "127.0.0.1", port: 0 });
const port = (app.server.address() as AddressInfo).port;
const get = (p: string) =>
  new Promise<number>((ok, fail) => {
    const t0 = performance.now();
    http
      .get({ host: "127.0.0.1", port, path: p, agent: false }, (res) => {
        res.resume();
        res.on("end", () => ok(performance.now() - t0));
      })
      .on("error", fail);
  });
const q = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const mid = ids[Math.floor(N / 2)];
console.log(`store of ${N} runs, ${R} requests each (ms)`);
console.log("| request | median | p95 |\n| --- | --- | --- |");
for (const p of [
  "/",
  "/api/runs",
  "/api/runs?problem=convection&preset=best&sort=error",
  `/runs/${mid}`,
  `/api/runs/${mid}`,
  `/api/runs/${mid}/history`,
  "/api/suite",
]) {
  const ts: number[] = [];
  await get(p);
  for (let i = 0; i < R; i++) ts.push(await get(p));
  console.log(
    `| \`GET ${p.replace(mid, "<id>")}\` | ${q(ts, 0.5).toFixed(1)} | ${q(ts, 0.95).toFixed(1)} |`,
  );
}
await app.close();
rmSync(root, { recursive: true, force: true });
