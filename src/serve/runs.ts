/**
 * The dashboard's read-only view of a run store: runs with their preset, a run's directory (only
 * ever a direct child of the store directory, checked after resolving links), its history records
 * read incrementally, and the benchmark suite's table.
 */
import { closeSync, existsSync, openSync, readSync, realpathSync, statSync } from "node:fs";
import { join, sep } from "node:path";
import { openStore, type RunRow, type RunStore } from "../store/db.js";
import { isPreset } from "../problems/presets.js";
import { summarise, type SuiteRow, type SuiteRun } from "../suite/table.js";

/** One row of the dashboard's runs table. */
export interface RunSummary {
  id: string;
  problem: string;
  status: string;
  /** `plain`, `best`, or `custom` (no preset recorded). */
  preset: string;
  parameters: Record<string, unknown>;
  seed: number | null;
  steps: number;
  rel_l2: number | null;
  wall_s: number | null;
  backend: string | null;
  created_at: string;
  updated_at: string;
  message: string;
}

/** Filters and order of {@link StoreView.list}. */
export interface ListQuery {
  problem?: string;
  status?: string;
  preset?: string;
  /** `date` (newest first, the default) or `error` (smallest rel L2 first, unknown last). */
  sort?: "date" | "error";
}

/** A run id as the store writes them: a directory name, no separators, not `.` or `..`. */
const ID = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** The preset a run started from: recorded in config.json, or named in a suite run's id. */
export function presetOf(row: RunRow): string {
  const p = row.config.preset;
  if (typeof p === "string" && isPreset(p)) return p;
  const m = /-suite-.+-(plain|best)-s\d+$/.exec(row.id);
  return m ? m[1] : "custom";
}

function summary(row: RunRow): RunSummary {
  return {
    id: row.id,
    problem: row.problem,
    status: row.status,
    preset: presetOf(row),
    parameters: (row.config.parameters ?? {}) as Record<string, unknown>,
    seed: row.seed,
    steps: row.steps,
    rel_l2: row.rel_l2,
    wall_s: row.wall_s,
    backend: row.backend,
    created_at: row.created_at,
    updated_at: row.updated_at,
    message: row.message,
  };
}

/** New complete JSON lines of a file since the last read, and whether the file was rewritten. */
export interface Tail {
  records: Record<string, unknown>[];
  /** The file shrank or was replaced: `records` are all of it, from the start. */
  reset: boolean;
}

/**
 * Read a JSON-lines file incrementally: each call returns the complete lines appended since the
 * previous one (a half-written last line waits for its newline). A rewrite (a rollback or a resume
 * truncates history.jsonl atomically) starts over from the beginning.
 */
export function tailer(path: string): () => Tail {
  let offset = 0;
  let ino = -1;
  let rest = "";
  return () => {
    if (!existsSync(path)) return { records: [], reset: false };
    const st = statSync(path);
    let reset = false;
    if (st.ino !== ino || st.size < offset) {
      reset = ino !== -1;
      ino = st.ino;
      offset = 0;
      rest = "";
    }
    if (st.size === offset) return { records: [], reset };
    const fd = openSync(path, "r");
    let text: string;
    try {
      const buf = Buffer.alloc(st.size - offset);
      const n = readSync(fd, buf, 0, buf.length, offset);
      offset += n;
      text = rest + buf.subarray(0, n).toString("utf8");
    } finally {
      closeSync(fd);
    }
    const lines = text.split("\n");
    rest = lines.pop() ?? "";
    const records: Record<string, unknown>[] = [];
    for (const l of lines) {
      if (l === "") continue;
      try {
        records.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        // a corrupt line is skipped here; `pinnlab show` names it
      }
    }
    return { records, reset };
  };
}

/** The dashboard's access to one store directory. */
export interface StoreView {
  /** The store directory, resolved. */
  readonly dir: string;
  list(q?: ListQuery): RunSummary[];
  /** One run with its events, or null when the id is not a run of this store. */
  get(id: string): (RunSummary & { config: Record<string, unknown>; events: unknown[] }) | null;
  /** The run's directory, or null for an unknown id or one that resolves outside the store. */
  runDir(id: string): string | null;
  /** The benchmark suite's table over the store's suite runs. */
  suite(): { rows: SuiteRow[]; runs: SuiteRun[] };
  close(): void;
}

/**
 * Open a read-only view of the store in `dir`. A directory without a store yet shows no runs; the
 * database is opened on the first request that finds it.
 */
export function storeView(dir: string): StoreView {
  const root = realpathSync(dir);
  let store: RunStore | null = null;
  const db = (): RunStore | null => {
    if (store === null && existsSync(join(root, "pinnlab.db"))) {
      store = openStore(root, { create: false });
    }
    return store;
  };
  const rows = (): RunRow[] => db()?.list() ?? [];
  const known = (id: string): RunRow | null => (ID.test(id) ? (db()?.get(id) ?? null) : null);
  return {
    dir: root,
    list(q = {}) {
      const out = rows()
        .map(summary)
        .filter(
          (r) =>
            (!q.problem || r.problem === q.problem) &&
            (!q.status || r.status === q.status) &&
            (!q.preset || r.preset === q.preset),
        );
      if (q.sort === "error") {
        const key = (r: RunSummary) =>
          r.rel_l2 !== null && Number.isFinite(r.rel_l2) ? r.rel_l2 : Infinity;
        out.sort((a, b) => key(a) - key(b));
      }
      return out;
    },
    get(id) {
      const row = known(id);
      if (!row) return null;
      return { ...summary(row), config: row.config, events: db()?.events(id) ?? [] };
    },
    runDir(id) {
      if (!known(id)) return null;
      const path = join(root, id);
      if (!existsSync(path)) return null;
      const real = realpathSync(path);
      return real.startsWith(root + sep) && statSync(real).isDirectory() ? real : null;
    },
    suite() {
      const runs: SuiteRun[] = rows()
        .filter((r) => r.id.includes("-suite-") && r.status !== "running")
        .reverse()
        .flatMap((r) => {
          const preset = presetOf(r);
          if (!isPreset(preset)) return [];
          return [
            {
              problem: r.problem,
              preset,
              seed: r.seed ?? 0,
              parameters: (r.config.parameters ?? {}) as Record<string, number>,
              status: r.status,
              rel_l2: r.rel_l2,
              steps: r.steps,
              wall_s: r.wall_s ?? 0,
              id: r.id,
            },
          ];
        });
      return { rows: summarise(runs), runs };
    },
    close() {
      store?.close();
      store = null;
    },
  };
}
