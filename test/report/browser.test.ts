// report.html in a real headless Chromium (Debian's `chromium`, driven by playwright-core): every
// plot of a trained run's report renders as a visible SVG with axes and marks, the page makes no
// network request, and a full-page screenshot is saved to artifacts/report-screenshot.png.
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { writeReport } from "../../src/report/index.js";
import { removeTempDirs, repoRoot, runCli, show, tempDir } from "../cli/helpers.js";
import { writeSyntheticRun } from "./fixtures.js";

after(removeTempDirs);

// Debian's chromium; PINNLAB_CHROMIUM points elsewhere (e.g. to check the skip path)
const CHROMIUM = process.env.PINNLAB_CHROMIUM ?? "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

interface FigureCheck {
  id: string;
  width: number;
  height: number;
  axes: number;
  marks: number;
}

test("report.html renders every plot in headless Chromium, offline", async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(
      `${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium); .ci/run does`,
    );
    return;
  }
  const store = tempDir();
  const dir = path.join(store, "run");
  const r = runCli([
    "train",
    "convection",
    "--preset",
    "plain",
    "--steps",
    "40",
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
    "logEvery=5",
    "--set",
    "diagEvery=20",
    "--set",
    "ntkEvery=20",
    "--out",
    dir,
  ]);
  assert.equal(r.status, 0, show(r));
  const synthetic = path.join(store, "synthetic");
  writeSyntheticRun(synthetic, 2);
  await writeReport(synthetic);

  // a fresh profile per run (launchPersistentContext is playwright's way to give one)
  const context = await chromium.launchPersistentContext(tempDir("pinnlab-chromium-"), {
    executablePath: CHROMIUM,
    args: ARGS,
    viewport: { width: 1400, height: 1000 },
  });
  try {
    const page = await context.newPage();
    const remote: string[] = [];
    page.on("request", (q) => {
      if (!q.url().startsWith("file:")) remote.push(q.url());
    });
    const expected: Record<string, string[]> = {
      [dir]: [
        "pred-u",
        "ref-u",
        "err-u",
        "loss",
        "error",
        "weights",
        "lr",
        "gradients",
        "imbalance",
        "ntk",
      ],
      [synthetic]: [
        "pred-u",
        "ref-u",
        "err-u",
        "loss",
        "error",
        "weights",
        "lr",
        "gradients",
        "imbalance",
        "ntk",
        "causal",
      ],
    };
    for (const [runDir, ids] of Object.entries(expected)) {
      await page.goto(pathToFileURL(path.join(runDir, "report.html")).href);
      const figs: FigureCheck[] = await page.$$eval("figure.plot", (els) =>
        els.map((el) => {
          const svg = el.querySelector("svg");
          const box = svg?.getBoundingClientRect();
          return {
            id: el.getAttribute("data-plot") ?? "",
            width: box?.width ?? 0,
            height: box?.height ?? 0,
            axes: svg?.querySelectorAll("g.role-axis").length ?? 0,
            marks:
              svg?.querySelectorAll("g.role-mark path, g.role-mark rect, g.role-mark line")
                .length ?? 0,
          };
        }),
      );
      assert.deepEqual(
        figs.map((f) => f.id),
        ids,
        runDir,
      );
      for (const f of figs) {
        assert.ok(f.width > 100 && f.height > 100, `${f.id}: visible svg ${f.width}x${f.height}`);
        assert.ok(f.axes >= 2, `${f.id}: ${f.axes} axes`);
        assert.ok(f.marks > 0, `${f.id}: ${f.marks} marks`);
      }
      if (runDir === dir) {
        const artifacts = path.join(repoRoot, "artifacts");
        mkdirSync(artifacts, { recursive: true });
        const shot = path.join(artifacts, "report-screenshot.png");
        await page.screenshot({ path: shot, fullPage: true });
        t.diagnostic(`screenshot: ${shot}`);
      }
    }
    assert.deepEqual(remote, [], "the report fetches nothing from the network");
  } finally {
    await context.close();
  }
});
