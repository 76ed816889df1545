// Headless Chromium for the dashboard and playground tests: Debian's `chromium` driven by
// playwright-core, as test/report/browser.test.ts does (PINNLAB_CHROMIUM points elsewhere).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = process.env.PINNLAB_CHROMIUM ?? "/usr/bin/chromium";

/** Why the browser tests cannot run here, or null when they can. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM)
    ? null
    : `${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium); .ci/run does`;
}

/**
 * A fresh headless browser profile; `close` removes it. Without a GPU by default (no WebGPU
 * adapter); `webgpu: true` gives WebGPU on SwiftShader, Chromium's software Vulkan (a CPU, so its
 * speed says nothing about a real GPU's, but the code path is the one a GPU takes).
 */
export async function launch(
  o: { webgpu?: boolean } = {},
): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(path.join(os.tmpdir(), "pinnlab-chromium-"));
  const gpu = o.webgpu
    ? [
        "--enable-unsafe-webgpu",
        "--enable-features=Vulkan",
        "--use-vulkan=swiftshader",
        "--use-webgpu-adapter=swiftshader",
        "--use-angle=swiftshader",
      ]
    : ["--disable-gpu"];
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      ...gpu,
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1400, height: 1000 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
