// The playground (`npm run build:web`, served by `pinnlab serve` at /play/) in headless Chromium:
// train convection (beta = 1) in the page's Web Worker; the loss falls at least 10x, the displayed
// error falls, the heat maps are drawn, a click is answered within 200 ms while training runs, no
// request leaves the page's origin, and Node training the same configuration and seed gives the
// same losses (same kernels).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { startEngine, tree } from "../../src/engine/index.js";
import { createServer, DEFAULT_WEB_DIR } from "../../src/serve/server.js";
import { resolveRun, type Override } from "../../src/train/resolve.js";
import { type StepRecord, train } from "../../src/train/trainer.js";
import { repoRoot } from "../cli/helpers.js";
import { chromiumMissing, launch } from "../serve/chromium.js";

const STEPS = 500;
const EVERY = 50;

interface PageState {
  records: StepRecord[];
  errors: { step: number; relL2: number | null }[];
  done: { status: string; steps: number; wall_s: number; backend: string } | null;
  overrides: Override[];
}

test("the playground trains convection in a Web Worker", async (t) => {
  const missing = chromiumMissing();
  if (missing) {
    t.skip(missing);
    return;
  }
  // the static build is quick (~2 s): make sure it matches the sources
  execFileSync("npx", ["vite", "build"], { cwd: repoRoot, stdio: "ignore" });
  assert.ok(existsSync(path.join(DEFAULT_WEB_DIR, "index.html")), "dist/web/index.html built");

  const app = await createServer({ store: os.tmpdir() });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    const foreign: string[] = [];
    page.on("request", (q) => {
      if (!q.url().startsWith(origin)) foreign.push(q.url());
    });
    await page.goto(`${origin}/play/`);
    await page.waitForFunction("window.pinnlab.problems.length > 0", undefined, {
      timeout: 60_000,
    });
    assert.equal(await page.inputValue("#problem"), "convection");
    await page.fill("#param-beta", "1");
    await page.fill("#steps", String(STEPS));
    await page.fill("#every", String(EVERY));
    await page.fill("#lr", "0.005");
    const engine = await page.textContent("#engine");
    assert.match(engine ?? "", /WebAssembly/);
    t.diagnostic(engine ?? "");
    await page.click("#train");

    // while it trains, a click on the page is answered within 200 ms
    await page.waitForFunction("window.pinnlab.records.length >= 2", undefined, {
      timeout: 60_000,
    });
    const latencies: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = Number(await page.textContent("#pings"));
      const t0 = performance.now();
      await page.click("#ping");
      await page.waitForFunction(
        `Number(document.getElementById("pings").textContent) > ${before}`,
      );
      latencies.push(performance.now() - t0);
    }
    t.diagnostic(`click latencies during training (ms): ${latencies.map((l) => l.toFixed(0))}`);
    assert.ok(Math.max(...latencies) < 200, `clicks answered in ${latencies}`);
    assert.equal(await page.evaluate("window.pinnlab.done"), null, "still training then");

    await page.waitForFunction("window.pinnlab.done !== null", undefined, { timeout: 120_000 });
    const s = (await page.evaluate("window.pinnlab")) as PageState;
    assert.equal(s.done?.status, "completed");
    assert.equal(s.done?.backend, "kernels");
    const losses = s.records.map((r) => r.loss);
    assert.ok(losses.every(Number.isFinite), "finite losses");
    const fall = losses[0] / Math.min(...losses.slice(-3));
    t.diagnostic(`loss ${losses[0].toExponential(2)} -> ${losses.at(-1)!.toExponential(2)}`);
    assert.ok(fall >= 10, `loss fell ${fall.toFixed(1)}x`);
    const errs = s.errors.map((e) => e.relL2 ?? NaN);
    t.diagnostic(`displayed rel L2: ${errs.map((e) => e.toExponential(2)).join(" ")}`);
    assert.ok(errs.at(-1)! < errs[0] / 2, "the displayed error fell");

    // the heat maps hold a picture (many distinct colours), not a blank canvas
    for (const id of ["pred", "ref", "err"]) {
      const colours = (await page.evaluate(`(() => {
        const c = document.getElementById("${id}");
        const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        const seen = new Set();
        for (let i = 0; i < d.length; i += 4) seen.add(d[i] * 65536 + d[i + 1] * 256 + d[i + 2]);
        return seen.size;
      })()`)) as number;
      assert.ok(colours > 20, `#${id}: ${colours} colours`);
    }
    assert.deepEqual(foreign, [], "no request leaves the page's origin");

    // the same configuration and seed in Node: the same losses
    await startEngine();
    t.diagnostic(`overrides: ${JSON.stringify(s.overrides)}`);
    const run = resolveRun("convection", s.overrides);
    const node: StepRecord[] = [];
    const t0 = performance.now();
    const r = await train({
      problem: run.problem,
      config: { ...run.config, checkpointEvery: EVERY },
      weights: run.weights,
      onRecord: (rec) => node.push(rec),
    });
    const nodeMs = (performance.now() - t0) / STEPS;
    tree.dispose(r.params);
    const pageMs = (s.done!.wall_s / STEPS) * 1000;
    t.diagnostic(`ms/step: page ${pageMs.toFixed(2)}, node ${nodeMs.toFixed(2)}`);
    assert.deepEqual(
      node.map((x) => x.step),
      s.records.map((x) => x.step),
    );
    const rel = node.map((x, i) => Math.abs(x.loss - losses[i]) / Math.abs(x.loss));
    t.diagnostic(`max relative loss difference page vs node: ${Math.max(...rel).toExponential(2)}`);
    assert.ok(Math.max(...rel) <= 1e-5, `losses agree: ${rel.map((v) => v.toExponential(1))}`);
  } finally {
    await browser.close();
    await app.close();
  }
});
