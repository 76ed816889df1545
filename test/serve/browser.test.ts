// The dashboard in headless Chromium: `pinnlab serve` (a child process on a free loopback port,
// `--port 0`) while `pinnlab train` runs in another process. The run page's step count, loss curve
// and error curve advance without a reload (server-sent events tailing history.jsonl and
// evaluation.jsonl), and the page makes no request outside its origin.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { repoRoot } from "../cli/helpers.js";
import { chromiumMissing, launch } from "./chromium.js";

test("a run page follows a CLI training live", async (t) => {
  const missing = chromiumMissing();
  if (missing) {
    t.skip(missing);
    return;
  }
  const root = mkdtempSync(path.join(os.tmpdir(), "pinnlab-live-"));
  const store = path.join(root, "runs");
  const id = "live-convection";
  const bin = path.join(repoRoot, "bin", "pinnlab.js");
  mkdirSync(store);
  // a small network so that each logged step comes quickly; long enough to watch (it is stopped once seen)
  const child = spawn(
    process.execPath,
    [
      bin,
      "train",
      "convection",
      "--preset",
      "plain",
      "--steps",
      "8000",
      "--set",
      "width=8",
      "--set",
      "depth=2",
      "--set",
      "points=64",
      "--set",
      "bcPoints=16",
      "--set",
      "optimizer=adam",
      "--set",
      "logEvery=20",
      "--set",
      "checkpointEvery=200",
      "--out",
      path.join(store, id),
    ],
    { cwd: root, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  let server: ChildProcess | undefined;
  const browser = await launch();
  try {
    // the store directory appears with the run's first record
    const t0 = Date.now();
    while (!existsSync(path.join(store, id, "history.jsonl"))) {
      assert.ok(Date.now() - t0 < 60_000, `training did not start: ${stderr}`);
      assert.equal(child.exitCode, null, `training ended: ${stderr}`);
      await new Promise((ok) => setTimeout(ok, 200));
    }
    // `pinnlab serve` on a port the system picks, read from the line it prints
    const srv = spawn(process.execPath, [bin, "serve", "--store", store, "--port", "0"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    server = srv;
    const origin = await new Promise<string>((ok, fail) => {
      let out = "";
      let err = "";
      srv.stderr.on("data", (c: Buffer) => (err += c.toString()));
      srv.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        const m = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) ok(m[1]);
      });
      srv.on("exit", (code) => fail(new Error(`pinnlab serve exited ${code}: ${out}${err}`)));
    });
    t.diagnostic(`pinnlab serve at ${origin}`);
    const page = await browser.context.newPage();
    const foreign: string[] = [];
    page.on("request", (q) => {
      if (!q.url().startsWith(origin)) foreign.push(q.url());
    });
    await page.goto(`${origin}/runs/${id}`);
    // page-side expressions as strings: the tests compile without the DOM library
    await page.evaluate("window.marker = 1");
    const read = () =>
      page.evaluate(`({
        step: Number(document.getElementById("step").textContent),
        points: Number(document.querySelector("#loss svg")?.getAttribute("data-points") ?? 0),
        status: document.getElementById("status").textContent,
        marker: window.marker,
      })`) as Promise<{ step: number; points: number; status: string; marker: number }>;
    const seen = [await read()];
    // watch three advances of the step count and the curve, without reloading
    while (seen.length < 4) {
      await page.waitForFunction(
        `Number(document.getElementById("step").textContent) > ${seen.at(-1)!.step}`,
        undefined,
        { timeout: 30_000 },
      );
      seen.push(await read());
    }
    // the error curve: evaluation.jsonl gains the rel L2 error at each checkpoint
    await page.waitForFunction(
      `Number(document.querySelector("#error svg")?.getAttribute("data-points") ?? 0) >= 2`,
      undefined,
      { timeout: 30_000 },
    );
    t.diagnostic(`steps seen: ${seen.map((s) => s.step).join(", ")}`);
    for (let i = 1; i < seen.length; i++) {
      assert.ok(seen[i].step > seen[i - 1].step);
      assert.ok(seen[i].points > seen[i - 1].points, "the loss curve grew");
      assert.equal(seen[i].marker, 1, "no reload");
    }
    assert.match(seen.at(-1)!.status, /running|completed/);
    assert.deepEqual(foreign, [], "no request leaves the server's origin");
  } finally {
    child.kill("SIGTERM");
    server?.kill("SIGTERM");
    await browser.close();
    rmSync(root, { recursive: true, force: true });
  }
});
