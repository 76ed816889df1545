// The playground's training step time against the CLI's for the same configuration and seed:
// convection (beta = 1, the problem's default network), Adam, the page's defaults otherwise.
// Per-step time from the records' wall_s between the first and the last logged step (start-up and
// tracing excluded), page (headless Chromium, Web Worker) and `pinnlab train` (a child process
// given the page's overrides as --set, its history.jsonl) alternated ROUNDS times.
// Needs `npm run build:web` and Debian's chromium.   npx tsx bench/play_vs_cli.ts [STEPS] [ROUNDS]
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { createServer } from "../src/serve/server.js";
import { resolveRun, type Override } from "../src/train/resolve.js";
import type { StepRecord } from "../src/train/trainer.js";
import { launch } from "../test/serve/chromium.js";

const STEPS = Number(process.argv[2] ?? 1000);
const ROUNDS = Number(process.argv[3] ?? 2);
const EVERY = 100;
const perStep = (r: StepRecord[]) =>
  ((r.at(-1)!.wall_s - r[0].wall_s) / (r.at(-1)!.step - r[0].step)) * 1000;

const tmp = mkdtempSync(path.join(os.tmpdir(), "pinnlab-bench-play-"));
const bin = new URL("../bin/pinnlab.js", import.meta.url).pathname;
const app = await createServer({ store: tmp });
await app.listen({ host: "127.0.0.1", port: 0 });
const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
const browser = await launch();
const page = await browser.context.newPage();
await page.goto(`${origin}/play/`);
await page.waitForFunction("window.pinnlab.problems.length > 0", undefined, { timeout: 60_000 });
await page.fill("#steps", String(STEPS));
await page.fill("#every", String(EVERY));
const rows: string[] = [];
for (let k = 0; k < ROUNDS; k++) {
  await page.click("#train");
  await page.waitForFunction("window.pinnlab.done !== null", undefined, { timeout: 600_000 });
  const s = (await page.evaluate("window.pinnlab")) as {
    records: StepRecord[];
    overrides: Override[];
    done: { backend: string };
  };
  const run = resolveRun("convection", s.overrides);
  // the page's live display evaluates every EVERY steps through the checkpoint hook
  const sets = [...s.overrides, ["checkpointEvery", EVERY] as Override].flatMap(([k, v]) => [
    "--set",
    `${k}=${String(v)}`,
  ]);
  const out = path.join(tmp, `cli-${k}`);
  execFileSync(process.execPath, [bin, "train", "convection", ...sets, "--out", out], {
    cwd: tmp,
    stdio: "ignore",
  });
  const recs = readFileSync(path.join(out, "history.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as StepRecord);
  if (k === 0) console.log(`pinnlab train convection ${sets.join(" ")}`);
  const [p, n] = [perStep(s.records), perStep(recs)];
  rows.push(`| ${k + 1} | ${p.toFixed(2)} | ${n.toFixed(2)} | ${(p / n).toFixed(2)} |`);
  if (k === 0) {
    const c = run.config;
    console.log(
      `convection beta=1, width ${c.width}, depth ${c.depth}, points ${c.points}, ${STEPS} Adam steps, backend ${s.done.backend}`,
    );
  }
}
console.log("| round | page ms/step | CLI ms/step | page/CLI |\n| --- | --- | --- | --- |");
console.log(rows.join("\n"));
await browser.close();
await app.close();
rmSync(tmp, { recursive: true, force: true });
