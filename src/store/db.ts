/**
 * The run store: one SQLite database (`pinnlab.db`, better-sqlite3) beside the run directories it
 * records. A row per run (configuration, status, timings, metrics), the logged step records, and
 * events (rollbacks, resumes). Run directories keep the files (history.jsonl, checkpoint.bin,
 * report.html); the database is the index that `pinnlab runs` and `pinnlab show` read.
 *
 * The file is marked with SQLite's application_id, so a foreign SQLite database or any other
 * file in its place is refused with a one-line StoreError naming it, before anything is written.
 * WAL journaling keeps the database readable after the training process is killed at any moment.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { StoreError, why } from "./errors.js";
import { checkpointStep } from "./checkpoint.js";

/** The database file of a store directory. */
export const STORE_FILE = "pinnlab.db";
/** "PINN" as SQLite's application_id. */
const APP_ID = 0x50494e4e;
const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  dir TEXT NOT NULL,
  problem TEXT NOT NULL,
  status TEXT NOT NULL,
  message TEXT NOT NULL DEFAULT '',
  seed INTEGER,
  backend TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  steps INTEGER NOT NULL DEFAULT 0,
  checkpoint_step INTEGER,
  wall_s REAL,
  rel_l2 REAL,
  pid INTEGER,
  config TEXT NOT NULL,
  metrics TEXT
);
CREATE TABLE steps (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  phase TEXT NOT NULL,
  loss REAL,
  record TEXT NOT NULL,
  PRIMARY KEY (run_id, step)
);
CREATE TABLE events (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  at TEXT NOT NULL,
  kind TEXT NOT NULL,
  step INTEGER,
  detail TEXT NOT NULL
);
`;

/** A run's status: `running` while a process trains it (shown as `interrupted` once it is gone). */
export type RunStatus = "running" | "completed" | "diverged" | "interrupted";

/** One row of the runs table, decoded. */
export interface RunRow {
  id: string;
  dir: string;
  problem: string;
  status: RunStatus;
  message: string;
  seed: number | null;
  backend: string | null;
  created_at: string;
  updated_at: string;
  steps: number;
  checkpoint_step: number | null;
  wall_s: number | null;
  rel_l2: number | null;
  pid: number | null;
  /** config.json's content: problem, parameters, config, weights. */
  config: Record<string, unknown>;
  /** metrics.json's content once the run ended. */
  metrics: Record<string, unknown> | null;
}

/** A run event (rollback, resume, ...). */
export interface RunEvent {
  at: string;
  kind: string;
  step: number | null;
  detail: Record<string, unknown>;
}

/** Filters of {@link RunStore.list}. */
export interface RunFilter {
  problem?: string;
  status?: RunStatus;
}

/** Fields a run's row is updated with. */
export type RunUpdate = Partial<
  Pick<
    RunRow,
    "status" | "message" | "backend" | "steps" | "checkpoint_step" | "wall_s" | "rel_l2" | "pid"
  > & { metrics: Record<string, unknown> }
>;

/** An open store. */
export interface RunStore {
  /** The database file. */
  readonly path: string;
  /** Record a new run (status `running`, this process's pid). */
  insertRun(r: { id: string; dir: string; problem: string; seed: number; config: object }): void;
  updateRun(id: string, u: RunUpdate): void;
  /** Record (or replace) a logged step record. */
  addStep(id: string, rec: { step: number; phase: string; loss: number }): void;
  /** Drop the step records at and after `step` (after a rollback or before a resume). */
  dropStepsFrom(id: string, step: number): void;
  addEvent(id: string, kind: string, step: number | null, detail: object): void;
  /** Runs, newest first; `running` rows whose process is gone read as `interrupted`. */
  list(f?: RunFilter): RunRow[];
  get(id: string): RunRow | null;
  steps(id: string): Record<string, unknown>[];
  events(id: string): RunEvent[];
  close(): void;
}

interface RawRow extends Omit<RunRow, "config" | "metrics"> {
  config: string;
  metrics: string | null;
}

function alive(pid: number | null): boolean {
  if (pid === null) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function parseJson(text: string, what: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new StoreError(`${what}: corrupt JSON in the run store`);
  }
}

/**
 * Open the store in `dir` (its `pinnlab.db`).
 * @param dir the directory that holds (or will hold) `pinnlab.db`
 * @param o `create`: make the database (and check `dir` exists) when it is absent; otherwise a
 *   missing database is an error
 * @throws StoreError naming the file when it is missing, not a database, a foreign database, a
 *   newer schema, or corrupt
 * @example
 * const store = openStore("runs", { create: false });
 * for (const r of store.list({ problem: "burgers" })) console.log(r.id, r.status);
 */
export function openStore(dir: string, o: { create: boolean }): RunStore {
  const path = join(dir, STORE_FILE);
  if (!existsSync(path)) {
    if (!o.create) {
      throw new StoreError(`${path}: no run store here (train a run first, or pass --store DIR)`);
    }
  } else if (!statSync(path).isFile()) {
    throw new StoreError(`${path}: not a pinnlab run store (not a regular file)`);
  }
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: 10_000 });
  } catch (e) {
    throw new StoreError(`${path}: cannot open the run store (${why(e)})`);
  }
  const fail = (what: string): never => {
    db.close();
    throw new StoreError(`${path}: ${what}`);
  };
  try {
    const appId = db.pragma("application_id", { simple: true }) as number;
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master").get() as { n: number };
    if (appId === 0 && tables.n === 0) {
      db.pragma("journal_mode = WAL");
      db.transaction(() => {
        db.exec(SCHEMA);
        db.pragma(`application_id = ${APP_ID}`);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      })();
    } else if (appId !== APP_ID) {
      fail("a SQLite database but not a pinnlab run store (foreign application id or tables)");
    }
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      fail(`run store schema ${version} is newer than this pinnlab's (${SCHEMA_VERSION})`);
    }
    const check = db.pragma("quick_check", { simple: true }) as string;
    if (check !== "ok") fail(`corrupt run store (${check})`);
    db.pragma("journal_mode = WAL");
    db.pragma("foreign_keys = ON");
  } catch (e) {
    if (e instanceof StoreError) throw e;
    const code = (e as { code?: string }).code ?? "";
    const msg = (e as Error).message;
    if (code === "SQLITE_NOTADB") fail("not a pinnlab run store (not a SQLite database)");
    if (code.startsWith("SQLITE_CORRUPT")) fail(`corrupt run store (${msg})`);
    fail(`cannot read the run store (${code || msg})`);
  }
  return storeOn(db, path);
}

/**
 * Check the store in `dir` when it has one (a foreign or corrupt pinnlab.db throws); writes nothing.
 * @throws StoreError as {@link openStore}
 */
export function checkStore(dir: string): void {
  if (existsSync(join(dir, STORE_FILE))) openStore(dir, { create: false }).close();
}

function storeOn(db: Database.Database, path: string): RunStore {
  const now = () => new Date().toISOString();
  /** Run a statement, turning SQLite's errors into one-line StoreErrors naming the file. */
  const guard = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof StoreError) throw e;
      const code = (e as { code?: string }).code ?? "";
      throw new StoreError(`${path}: ${code || "error"} (${(e as Error).message})`);
    }
  };
  const decode = (r: RawRow): RunRow => {
    const row: RunRow = {
      ...r,
      config: parseJson(r.config, `${path}: run ${r.id} config`),
      metrics: r.metrics === null ? null : parseJson(r.metrics, `${path}: run ${r.id} metrics`),
    };
    if (row.status === "running" && !alive(row.pid)) {
      row.status = "interrupted";
      // killed between renaming the checkpoint into place and recording it: trust the file
      row.checkpoint_step = checkpointStep(join(dirname(path), row.id)) ?? row.checkpoint_step;
    }
    return row;
  };
  return {
    path,
    insertRun(r) {
      guard(() =>
        db
          .prepare(
            `INSERT INTO runs (id, dir, problem, status, seed, created_at, updated_at, pid, config)
             VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?)`,
          )
          .run(r.id, r.dir, r.problem, r.seed, now(), now(), process.pid, JSON.stringify(r.config)),
      );
    },
    updateRun(id, u) {
      const cols = Object.keys(u) as (keyof RunUpdate)[];
      const vals = cols.map((k) => (k === "metrics" ? JSON.stringify(u[k]) : u[k]));
      guard(() =>
        db
          .prepare(
            `UPDATE runs SET ${cols.map((k) => `${k} = ?`).join(", ")}, updated_at = ? WHERE id = ?`,
          )
          .run(...vals, now(), id),
      );
    },
    addStep(id, rec) {
      guard(() =>
        db
          .prepare(
            "INSERT OR REPLACE INTO steps (run_id, step, phase, loss, record) VALUES (?, ?, ?, ?, ?)",
          )
          .run(id, rec.step, rec.phase, rec.loss, JSON.stringify(rec)),
      );
    },
    dropStepsFrom(id, step) {
      guard(() => db.prepare("DELETE FROM steps WHERE run_id = ? AND step >= ?").run(id, step));
    },
    addEvent(id, kind, step, detail) {
      guard(() =>
        db
          .prepare("INSERT INTO events (run_id, at, kind, step, detail) VALUES (?, ?, ?, ?, ?)")
          .run(id, now(), kind, step, JSON.stringify(detail)),
      );
    },
    list(f = {}) {
      const rows = guard(
        () => db.prepare("SELECT * FROM runs ORDER BY created_at DESC, id DESC").all() as RawRow[],
      ).map(decode);
      return rows.filter(
        (r) =>
          (f.problem === undefined || r.problem === f.problem) &&
          (f.status === undefined || r.status === f.status),
      );
    },
    get(id) {
      const r = guard(() => db.prepare("SELECT * FROM runs WHERE id = ?").get(id)) as
        RawRow | undefined;
      return r ? decode(r) : null;
    },
    steps(id) {
      const rows = guard(
        () =>
          db.prepare("SELECT record FROM steps WHERE run_id = ? ORDER BY step").all(id) as {
            record: string;
          }[],
      );
      return rows.map((r) => parseJson(r.record, `${path}: run ${id} step record`));
    },
    events(id) {
      const rows = guard(
        () =>
          db
            .prepare("SELECT at, kind, step, detail FROM events WHERE run_id = ? ORDER BY rowid")
            .all(id) as { at: string; kind: string; step: number | null; detail: string }[],
      );
      return rows.map((r) => ({ ...r, detail: parseJson(r.detail, `${path}: run ${id} event`) }));
    },
    close() {
      db.close();
    },
  };
}
