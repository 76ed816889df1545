#!/usr/bin/env node
// Entry point of the `pinnlab` command. An installed package runs the compiled JavaScript in
// dist/. In a checkout (src/ beside dist/) dist/ is used only while it is newer than every source
// file; otherwise the TypeScript sources run through the tsx loader (a development dependency).
import { existsSync, readdirSync, statSync } from "node:fs";

const distMain = new URL("../dist/cli/main.js", import.meta.url);
const srcDir = new URL("../src/", import.meta.url);

/** The newest modification time (ms) of any file under a directory. */
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const u = new URL(e.isDirectory() ? `${e.name}/` : e.name, dir);
    t = Math.max(t, e.isDirectory() ? newest(u) : statSync(u).mtimeMs);
  }
  return t;
}

const compiled =
  existsSync(distMain) && (!existsSync(srcDir) || newest(srcDir) <= statSync(distMain).mtimeMs);

if (compiled) {
  await import(distMain.href);
} else if (existsSync(srcDir)) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(new URL("../src/cli/main.ts", import.meta.url).href);
} else {
  process.stderr.write("pinnlab: error: dist/ is missing; run `npm run build`\n");
  process.exitCode = 1;
}
