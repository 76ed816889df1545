// Shared by the CLI tests: run `bin/pinnlab.js` in a child process, make and remove temp dirs.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bin = path.join(repoRoot, "bin", "pinnlab.js");

/** What a CLI run left: exit status and both streams. */
export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run `pinnlab ...args` to completion.
 * @param cwd working directory (default: the repository root)
 */
export function runCli(args: readonly string[], cwd: string = repoRoot): CliResult {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: "utf8",
    // never let a terminal's width or colour settings change the output
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    timeout: 120_000,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Describe a run for assertion messages. */
export function show(r: CliResult): string {
  return `status ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

const made: string[] = [];

/** A fresh empty directory under the OS temp dir; `removeTempDirs` deletes it. */
export function tempDir(label = "pinnlab-cli-"): string {
  const d = mkdtempSync(path.join(os.tmpdir(), label));
  made.push(d);
  return d;
}

/** Delete every directory `tempDir` made (call from `after`). */
export function removeTempDirs(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Parse a JSON file. */
export function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, "utf8")) as unknown;
}

/** A CSV file of numbers: header names and rows. */
export interface NumericCsv {
  header: string[];
  rows: number[][];
}

/** Read a numeric CSV with one header line; every other non-empty line is a row of numbers. */
export function readCsv(file: string): NumericCsv {
  const lines = readFileSync(file, "utf8").split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const header = lines[0].split(",");
  const rows = lines.slice(1).map((l, i) => {
    const row = l.split(",").map(Number);
    if (row.length !== header.length) {
      throw new Error(`${file}:${i + 2}: ${row.length} fields, header has ${header.length}`);
    }
    return row;
  });
  return { header, rows };
}

/** A plain JSON object, or a failed assertion naming what it was. */
export function asRecord(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new Error(`${what}: expected a JSON object, got ${JSON.stringify(v)}`);
  }
  return v as Record<string, unknown>;
}
