/**
 * Progress output: on a terminal, one line redrawn in place (bar, step, loss per term, time);
 * otherwise (CI, pipes) one plain line per logged record. Renders records only.
 */
import type { StepRecord } from "../train/trainer.js";

/** A progress sink for training records. */
export interface Progress {
  update(r: StepRecord): void;
  done(): void;
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toExponential(2) : String(v));

/** One-line summary of a record. */
export function describeRecord(r: StepRecord): string {
  const terms = Object.entries(r.terms)
    .map(([k, v]) => `${k} ${fmt(v)}`)
    .join("  ");
  return `${r.phase} ${r.step}  loss ${fmt(r.loss)}  ${terms}  ${r.wall_s.toFixed(1)}s`;
}

/**
 * A progress display for `total` steps, written to `stream` (default stderr, so stdout stays
 * machine-readable).
 */
export function createProgress(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  const tty = Boolean(stream.isTTY);
  let last = "";
  return {
    update(r) {
      if (!tty) {
        stream.write(`${label} ${describeRecord(r)}\n`);
        return;
      }
      const frac = Math.min(1, (r.step + 1) / Math.max(total, 1));
      const width = 24;
      const bar = "#".repeat(Math.round(frac * width)).padEnd(width, ".");
      const line = `${label} [${bar}] ${r.step + 1}/${total} ${describeRecord(r)}`;
      const cols = stream.columns ?? 120;
      last = line.slice(0, cols - 1);
      stream.write(`\r${last.padEnd(cols - 1)}`);
    },
    done() {
      if (tty && last) stream.write("\n");
    },
  };
}
