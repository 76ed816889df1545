// The playground (`npm run build:web`, served by `pinnlab serve` at /play/) in headless Chromium:
// train convection (beta = 1) for 1,000 Adam steps in the page's Web Worker; the loss falls at least
// 10x, the displayed error falls, the heat maps are drawn, a click is answered within 200 ms while
// training runs, no request leaves the page's origin, the page names its engine (WebAssembly, and
// why not WebGPU), and `pinnlab train` (a child process) given the same configuration and seed
// writes the same losses to its history.jsonl (same kernels) within 1e-5 relative. A second test
// gives the browser WebGPU (SwiftShader) and checks that the page uses and names it.
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { createServer, DEFAULT_WEB_DIR } from "../../src/serve/server.js";
import type { Override } from "../../src/train/resolve.js";
import type { StepRecord } from "../../src/train/trainer.js";
import { repoRoot } from "../cli/helpers.js";
import { chromiumMissing, launch } from "../serve/chromium.js";

const STEPS = 1000;
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

  const tmp = mkdtempSync(path.join(os.tmpdir(), "pinnlab-play-"));
  const app = await createServer({ store: tmp });
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
    // the page names its engine; headless Chromium here has no GPU, so WebAssembly, and why
    const engine = (await page.textContent("#engine")) ?? "";
    t.diagnostic(engine);
    assert.match(engine, /^engine: WebAssembly/);
    assert.match(
      engine,
      /Not WebGPU: (this browser offers no navigator\.gpu|navigator\.gpu offers no adapter)/,
    );
    await page.click("#train");

    // while it trains, a click on the page is answered within 200 ms: the page's own latency,
    // from the click's input event (timeStamp, when the browser received it) to the first frame
    // after its handler ran. Playwright's round trip (actionability checks, the input sent over
    // CDP, polling for the answer) is printed beside it: on this shared 2-vCPU machine it varied
    // from 40 to 240 ms while the page's own latency stayed at 0-5 ms, so it measures the
    // harness, not the page.
    await page.waitForFunction("window.pinnlab.records.length >= 2", undefined, {
      timeout: 60_000,
    });
    const roundTrips: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await page.click("#ping");
      await page.waitForFunction(`window.pinnlab.pingMs.length > ${i}`);
      roundTrips.push(performance.now() - t0);
    }
    const pingMs = (await page.evaluate("window.pinnlab.pingMs")) as number[];
    t.diagnostic(
      `click latency during training, input event to next frame (ms): ` +
        `${pingMs.map((l) => l.toFixed(1)).join(", ")}; Playwright round trip (ms): ` +
        `${roundTrips.map((l) => l.toFixed(0)).join(", ")}`,
    );
    assert.equal(pingMs.length, 5);
    assert.ok(Math.max(...pingMs) < 200, `clicks answered in ${pingMs.join(", ")} ms`);
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

    // the same configuration and seed trained by the CLI in a child process: the same losses in
    // its history.jsonl. The page's live display evaluates every EVERY steps through the
    // checkpoint hook, so checkpointEvery=EVERY is part of the configuration it trained.
    t.diagnostic(`overrides: ${JSON.stringify(s.overrides)}`);
    const sets = [...s.overrides, ["checkpointEvery", EVERY] as Override].flatMap(([k, v]) => [
      "--set",
      `${k}=${String(v)}`,
    ]);
    const out = path.join(tmp, "runs", "cli-convection");
    const args = [
      path.join(repoRoot, "bin", "pinnlab.js"),
      "train",
      "convection",
      "--preset",
      "plain",
      ...sets,
    ];
    const cli = await new Promise<{ code: number | null; stderr: string }>((ok) => {
      const c = execFile(process.execPath, [...args, "--out", out], {
        cwd: tmp,
        env: { ...process.env, NO_COLOR: "1" },
        timeout: 300_000,
      });
      let stderr = "";
      c.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
      c.on("close", (code) => ok({ code, stderr }));
    });
    t.diagnostic(`pinnlab train convection ${sets.join(" ")}`);
    assert.equal(cli.code, 0, cli.stderr);
    const node = readFileSync(path.join(out, "history.jsonl"), "utf8")
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as StepRecord);
    const perStep = (r: StepRecord[]) =>
      ((r.at(-1)!.wall_s - r[0].wall_s) / (r.at(-1)!.step - r[0].step)) * 1000;
    t.diagnostic(
      `ms/step (first to last record): page ${perStep(s.records).toFixed(2)}, ` +
        `CLI ${perStep(node).toFixed(2)}`,
    );
    assert.deepEqual(
      node.map((x) => x.step),
      s.records.map((x) => x.step),
    );
    assert.equal(node.at(-1)!.step, STEPS - 1, "the last of STEPS steps (counted from 0)");
    const rel = node.map((x, i) => Math.abs(x.loss - losses[i]) / Math.abs(x.loss));
    t.diagnostic(`max relative loss difference page vs CLI: ${Math.max(...rel).toExponential(2)}`);
    assert.ok(Math.max(...rel) <= 1e-5, `losses agree: ${rel.map((v) => v.toExponential(1))}`);
  } finally {
    await browser.close();
    await app.close();
    rmSync(tmp, { recursive: true, force: true });
  }
});

// Where jax-js's WebGPU device starts (here: Chromium's SwiftShader, a software Vulkan, as no GPU
// is available), the page ticks WebGPU, says so, and runs the residual algebra there; the losses
// equal the page's WebAssembly run of the same configuration within 1e-5 relative.
test("the playground uses jax-js's WebGPU backend where the browser has one", async (t) => {
  const missing = chromiumMissing();
  if (missing) {
    t.skip(missing);
    return;
  }
  if (!existsSync(path.join(DEFAULT_WEB_DIR, "index.html")))
    execFileSync("npx", ["vite", "build"], { cwd: repoRoot, stdio: "ignore" });
  const app = await createServer({ store: os.tmpdir() });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const browser = await launch({ webgpu: true });
  try {
    const page = await browser.context.newPage();
    await page.goto(`${origin}/play/`);
    await page.waitForFunction("window.pinnlab.problems.length > 0", undefined, {
      timeout: 60_000,
    });
    if (!(await page.isChecked("#webgpu"))) {
      // a Chromium build whose SwiftShader offers no WebGPU adapter: say so, test nothing
      t.skip(`no WebGPU adapter even on SwiftShader: ${await page.textContent("#engine")}`);
      return;
    }
    await page.fill("#param-beta", "1");
    await page.fill("#steps", "200");
    await page.fill("#every", "50");
    await page.fill("#lr", "0.005");
    const losses: Record<string, number[]> = {};
    for (const device of ["webgpu", "wasm"]) {
      await page.setChecked("#webgpu", device === "webgpu");
      await page.click("#train");
      await page.waitForFunction("window.pinnlab.done !== null", undefined, { timeout: 120_000 });
      const engine = (await page.textContent("#engine")) ?? "";
      t.diagnostic(`${device}: ${engine}`);
      assert.match(engine, device === "webgpu" ? /^engine: WebGPU/ : /^engine: WebAssembly/);
      const s = (await page.evaluate("window.pinnlab")) as PageState;
      assert.equal(s.done?.status, "completed");
      losses[device] = s.records.map((r) => r.loss);
      const r = s.records;
      t.diagnostic(
        `${device}: ${(((r.at(-1)!.wall_s - r[0].wall_s) / (r.at(-1)!.step - r[0].step)) * 1000).toFixed(1)} ms/step`,
      );
    }
    const rel = losses.wasm.map((l, i) => Math.abs(l - losses.webgpu[i]) / Math.abs(l));
    t.diagnostic(
      `max relative loss difference WebGPU vs WebAssembly: ${Math.max(...rel).toExponential(2)}`,
    );
    assert.equal(losses.wasm.length, losses.webgpu.length);
    assert.ok(Math.max(...rel) <= 1e-5, `losses agree: ${rel.map((v) => v.toExponential(1))}`);
  } finally {
    await browser.close();
    await app.close();
  }
});
