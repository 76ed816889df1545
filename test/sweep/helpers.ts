// Shared by the sweep tests: a private redis-server on a free loopback port, CLI processes whose
// stderr is read line by line, and a tiny convection spec.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "../cli/helpers.js";

const bin = path.join(repoRoot, "bin", "pinnlab.js");

/** Why the Redis tests cannot run here (null when redis-server is installed). */
export function redisMissing(): string | null {
  const r = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  return r.error || r.status !== 0
    ? "redis-server is not installed (apt-get install -y redis-server; .ci/run installs it)"
    : null;
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

/** A running redis-server of this test. */
export interface TestRedis {
  url: string;
  stop(): Promise<void>;
}

/** Start redis-server on a free loopback port in a temporary directory, no persistence. */
export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pinnlab-redis-"));
  const port = await freePort();
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--save",
      "",
      "--appendonly",
      "no",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  await new Promise<void>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`redis-server did not start:\n${out}`)), 10_000);
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("Ready to accept connections")) {
        clearTimeout(t);
        res();
      }
    });
    child.on("exit", () => rej(new Error(`redis-server exited:\n${out}`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      const gone = new Promise((res) => child.once("exit", res));
      child.kill("SIGTERM");
      await gone;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A CLI process with its output collected and its stderr lines offered to watchers. */
export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stderr line (past or future) that matches. */
  waitLine(re: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** Exit status (null when killed) and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start `pinnlab ...args` in the background. */
export function startCli(args: readonly string[]): CliProcess {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const watchers: { re: RegExp; res: (m: RegExpExecArray) => void }[] = [];
  const check = () => {
    for (const w of [...watchers]) {
      const m = w.re.exec(err);
      if (m) {
        watchers.splice(watchers.indexOf(w), 1);
        w.res(m);
      }
    }
  };
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
    check();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.on("exit", (code, signal) => res({ code, signal })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitLine(re, timeoutMs) {
      return new Promise((res, rej) => {
        const t = setTimeout(
          () => rej(new Error(`no stderr line ${re} in ${timeoutMs} ms:\n${err}`)),
          timeoutMs,
        );
        watchers.push({
          re,
          res: (m) => {
            clearTimeout(t);
            res(m);
          },
        });
        check();
      });
    },
    exited,
  };
}

/** The CLI processes a test starts; `killAll` SIGKILLs those still running (a failed test leaves none). */
export function cliGroup(): { start(args: readonly string[]): CliProcess; killAll(): void } {
  const started: CliProcess[] = [];
  return {
    start(args) {
      const p = startCli(args);
      started.push(p);
      return p;
    },
    killAll() {
      for (const p of started) if (p.child.exitCode === null) p.child.kill("SIGKILL");
    },
  };
}

/** Tiny convection runs (width 8, 64 points): well under a second of training each. */
export const TINY_SET = {
  optimizer: "adam",
  width: 8,
  depth: 2,
  points: 64,
  bcPoints: 16,
  logEvery: 5,
  checkpointEvery: 5,
  evalEvery: 0,
};

/** Write a spec file into `dir`. */
export function writeSpec(dir: string, spec: object): string {
  const file = path.join(dir, "spec.json");
  writeFileSync(file, JSON.stringify(spec, null, 2));
  return file;
}
