// The package as a user gets it: `npm pack`, install the tarball into an empty project with no
// TypeScript tooling, train a 1-D Poisson problem from a plain .mjs file through the public API,
// and run the installed `pinnlab` command.
//
// The install passes --ignore-scripts: better-sqlite3's install script compiles SQLite from source
// (~2 minutes on this machine; no prebuilt binary is reachable offline). Nothing checked here opens
// a store, and better-sqlite3 loads its native binding only when a database is opened. Set
// PINNLAB_PACK_SCRIPTS=1 to run the install scripts too.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  symlinkSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../..");
const tmp = mkdtempSync(path.join(os.tmpdir(), "pinnlab-pack-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const npm = (args: string[], cwd: string): string =>
  execFileSync("npm", args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, npm_config_update_notifier: "false" },
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 240_000,
  });

test("npm pack -> install into a plain JavaScript project -> train and run the CLI", async (t) => {
  // pack a copy of the sources (the prepare script builds its dist/ first), so that the
  // checkout's own dist/ is never rebuilt under other tests running in parallel
  const src = path.join(tmp, "src-copy");
  mkdirSync(src);
  for (const f of [
    "src",
    "bin",
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "tsconfig.build.json",
    "vite.config.ts",
    "README.md",
    "LICENSE",
  ])
    cpSync(path.join(repoRoot, f), path.join(src, f), { recursive: true });
  symlinkSync(path.join(repoRoot, "node_modules"), path.join(src, "node_modules"));
  const packed = JSON.parse(npm(["pack", "--json", "--pack-destination", tmp], src)) as {
    filename: string;
    files: { path: string }[];
  }[];
  const files = packed[0].files.map((f) => f.path);
  for (const f of [
    "dist/index.js",
    "dist/index.d.ts",
    "dist/cli/main.js",
    "dist/web/index.html",
    "bin/pinnlab.js",
  ])
    assert.ok(files.includes(f), `tarball holds ${f}`);
  assert.ok(!files.some((f) => f.startsWith("src/") || f.startsWith("test/")), "no sources");

  const proj = path.join(tmp, "proj");
  execFileSync("mkdir", [proj]);
  writeFileSync(
    path.join(proj, "package.json"),
    JSON.stringify({ name: "try-pinnlab", private: true, type: "module" }),
  );
  const scripts = process.env.PINNLAB_PACK_SCRIPTS === "1";
  if (!scripts) t.diagnostic("installed with --ignore-scripts (see the file's header)");
  npm(
    [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      ...(scripts ? [] : ["--ignore-scripts"]),
      path.join(tmp, packed[0].filename),
    ],
    proj,
  );
  const installed = readdirSync(path.join(proj, "node_modules"));
  for (const dev of ["typescript", "tsx"])
    assert.ok(!installed.includes(dev), `${dev} is not installed with the package`);

  // the library from plain JavaScript: train u'' = -pi^2 sin(pi x), u(0) = u(1) = 0
  copyFileSync(path.join(here, "poisson.mjs"), path.join(proj, "poisson.mjs"));
  const out = execFileSync(process.execPath, ["poisson.mjs", "1000"], {
    cwd: proj,
    encoding: "utf8",
    timeout: 120_000,
  });
  const r = JSON.parse(out.trim().split("\n").pop()!) as {
    status: string;
    steps: number;
    rel_l2: number;
  };
  assert.equal(r.status, "completed");
  assert.equal(r.steps, 1000);
  // measured 1.0e-3 here; a broken derivative or boundary term gives O(1)
  assert.ok(r.rel_l2 < 1e-2, `rel L2 ${r.rel_l2}`);

  // the installed command runs compiled JavaScript
  const version = execFileSync("npx", ["--no-install", "pinnlab", "--version"], {
    cwd: proj,
    encoding: "utf8",
  }).trim();
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as {
    version: string;
  };
  assert.equal(version, pkg.version);
  const help = execFileSync("npx", ["--no-install", "pinnlab", "runs", "--help"], {
    cwd: proj,
    encoding: "utf8",
  });
  assert.match(help, /pinnlab runs \[--problem P\]/);

  // the installed dashboard serves the built playground (an empty store needs no SQLite)
  const empty = path.join(tmp, "store");
  execFileSync("mkdir", [empty]);
  const server = spawn(
    process.execPath,
    [
      path.join(proj, "node_modules", "pinnlab", "bin", "pinnlab.js"),
      "serve",
      "--store",
      empty,
      "--port",
      "0",
    ],
    { cwd: proj, stdio: ["ignore", "pipe", "inherit"] },
  );
  try {
    const url = await new Promise<string>((ok, fail) => {
      let out = "";
      server.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        const m = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) ok(m[1]);
      });
      server.on("exit", (code) => fail(new Error(`pinnlab serve exited (${code}): ${out}`)));
    });
    const play = await fetch(`${url}/play/`);
    assert.equal(play.status, 200);
    assert.match(await play.text(), /pinnlab playground/);
    const runs = await fetch(`${url}/api/runs`);
    assert.deepEqual(await runs.json(), []);
  } finally {
    server.kill("SIGTERM");
  }
});
