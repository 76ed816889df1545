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
const SCHEMA_VERSION = 2;

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

/**
 * Schema changes after version 1, in order: entry i takes a store from version i + 1 to i + 2.
 * A new store runs them all after SCHEMA; an older one runs the ones it lacks when opened, so
 * stores written by an earlier pinnlab stay readable (and are upgraded in place).
 */
const MIGRATIONS: readonly string[] = [
  // 2: sweeps (`pinnlab sweep`): the sweep a run belongs to, the sweeps and their jobs
  `
ALTER TABLE runs ADD COLUMN sweep_id TEXT;
CREATE TABLE sweeps (
  id TEXT PRIMARY KEY,
  created_at TEXT NOT NULL,
  spec TEXT NOT NULL
);
CREATE TABLE sweep_jobs (
  sweep_id TEXT NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
  job_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  run_id TEXT NOT NULL,
  config_key TEXT NOT NULL,
  seed INTEGER NOT NULL,
  job TEXT NOT NULL,
  state TEXT NOT NULL,
  message TEXT NOT NULL DEFAULT '',
  updated_at TEXT NOT NULL,
  PRIMARY KEY (sweep_id, job_id)
);
`,
];

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
  /** The sweep the run belongs to (`pinnlab sweep`; null for a run trained on its own). */
  sweep_id: string | null;
  /** config.json's content: problem, parameters, config, weights. */
  config: Record<string, unknown>;
  /** metrics.json's content once the run ended. */
  metrics: Record<string, unknown> | null;
}

/**
 * A sweep job's state in the store: `queued` (not started, or waiting on the queue), `running`,
 * the run's own end (`completed`, `diverged`), or `failed` (the job crashed: no run result).
 */
export type SweepJobState = "queued" | "running" | "completed" | "diverged" | "failed";

/** One job of a sweep, as recorded by the process that submitted it. */
export interface SweepJobRow {
  sweep_id: string;
  job_id: string;
  /** Position in the sweep's expansion (the order jobs are listed and started in). */
  seq: number;
  run_id: string;
  /** The job's configuration without its seed: jobs that differ only by seed share it. */
  config_key: string;
  seed: number;
  /** The job as submitted (problem, preset, overrides, seed, budget). */
  job: Record<string, unknown>;
  state: SweepJobState;
  message: string;
  updated_at: string;
}

/** One sweep: its id, when it was first submitted and its spec. */
export interface SweepRow {
  id: string;
  created_at: string;
  spec: Record<string, unknown>;
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
  /** Runs of this sweep only. */
  sweep?: string;
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
  insertRun(r: {
    id: string;
    dir: string;
    problem: string;
    seed: number;
    config: object;
    sweep_id?: string | null;
  }): void;
  updateRun(id: string, u: RunUpdate): void;
  /** Forget a run: its row, steps and events (its directory is the caller's). */
  removeRun(id: string): void;
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
  /** Record a sweep and its jobs; a sweep or job already recorded is kept as it is. */
  addSweep(id: string, spec: object, jobs: readonly Omit<SweepJobRow, "updated_at">[]): void;
  sweeps(): SweepRow[];
  /** A sweep's jobs in expansion order. */
  sweepJobs(sweepId: string): SweepJobRow[];
  setJobState(sweepId: string, jobId: string, state: SweepJobState, message: string): void;
  /** Run `f` in one write transaction (all of it or none of it lands). */
  transaction<T>(f: () => T): T;
  close(): void;
}

interface RawRow extends Omit<RunRow, "config" | "metrics" | "sweep_id"> {
  config: string;
  metrics: string | null;
  sweep_id?: string | null;
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
        for (const m of MIGRATIONS) db.exec(m);
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
    if (version < SCHEMA_VERSION) {
      // an older store: add what it lacks, in one transaction per store
      db.transaction(() => {
        // another process may have upgraded it since we read the version
        const v = db.pragma("user_version", { simple: true }) as number;
        for (let i = Math.max(v, 1); i < SCHEMA_VERSION; i++) db.exec(MIGRATIONS[i - 1]);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }).immediate();
    }
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
      sweep_id: r.sweep_id ?? null,
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
            `INSERT INTO runs (id, dir, problem, status, seed, created_at, updated_at, pid, config,
                               sweep_id)
             VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            r.id,
            r.dir,
            r.problem,
            r.seed,
            now(),
            now(),
            process.pid,
            JSON.stringify(r.config),
            r.sweep_id ?? null,
          ),
      );
    },
    removeRun(id) {
      // steps and events go with the row (ON DELETE CASCADE)
      guard(() => db.prepare("DELETE FROM runs WHERE id = ?").run(id));
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
          (f.status === undefined || r.status === f.status) &&
          (f.sweep === undefined || r.sweep_id === f.sweep),
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
    addSweep(id, spec, jobs) {
      guard(() =>
        db.transaction(() => {
          db.prepare("INSERT OR IGNORE INTO sweeps (id, created_at, spec) VALUES (?, ?, ?)").run(
            id,
            now(),
            JSON.stringify(spec),
          );
          const ins = db.prepare(
            `INSERT OR IGNORE INTO sweep_jobs
               (sweep_id, job_id, seq, run_id, config_key, seed, job, state, message, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          );
          for (const j of jobs) {
            ins.run(
              id,
              j.job_id,
              j.seq,
              j.run_id,
              j.config_key,
              j.seed,
              JSON.stringify(j.job),
              j.state,
              j.message,
              now(),
            );
          }
        })(),
      );
    },
    sweeps() {
      const rows = guard(
        () =>
          db.prepare("SELECT id, created_at, spec FROM sweeps ORDER BY created_at DESC").all() as {
            id: string;
            created_at: string;
            spec: string;
          }[],
      );
      return rows.map((r) => ({ ...r, spec: parseJson(r.spec, `${path}: sweep ${r.id} spec`) }));
    },
    sweepJobs(sweepId) {
      const rows = guard(
        () =>
          db
            .prepare("SELECT * FROM sweep_jobs WHERE sweep_id = ? ORDER BY seq")
            .all(sweepId) as (Omit<SweepJobRow, "job"> & { job: string })[],
      );
      return rows.map((r) => ({ ...r, job: parseJson(r.job, `${path}: job ${r.job_id}`) }));
    },
    setJobState(sweepId, jobId, state, message) {
      guard(() =>
        db
          .prepare(
            "UPDATE sweep_jobs SET state = ?, message = ?, updated_at = ? WHERE sweep_id = ? AND job_id = ?",
          )
          .run(state, message, now(), sweepId, jobId),
      );
    },
    transaction(f) {
      return guard(() => db.transaction(f).immediate());
    },
    close() {
      db.close();
    },
  };
}
