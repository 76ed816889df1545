/**
 * The report page: one self-contained HTML file (inline CSS, inline SVG plots, no scripts, no
 * external references) with the run's status, final metrics, plots and configuration.
 */

/** What the page shows besides the plots. */
export interface ReportPage {
  title: string;
  /** One-line status ("completed", "diverged: ..."). */
  status: string;
  /** Final metrics and other key facts, in display order. */
  facts: [string, string][];
  /** Notable events (rollbacks), one line each. */
  events: string[];
  /** Rendered plots. */
  plots: { id: string; title: string; svg: string }[];
  /** Configuration sections (problem parameters, training keys, weights). */
  config: [string, Record<string, unknown>][];
}

/** Escape text for HTML. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function table(rows: [string, string][]): string {
  const body = rows
    .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
    .join("\n");
  return `<table>\n${body}\n</table>`;
}

function show(v: unknown): string {
  if (typeof v === "number") return String(Number(v.toPrecision(6)));
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

const CSS = `
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 1.5rem; }
.status { font-weight: 600; }
.plots { display: flex; flex-wrap: wrap; gap: 1rem; }
figure.plot { margin: 0; border: 1px solid #ddd; padding: 0.5rem; background: #fff; }
figure.plot figcaption { font-size: 0.9rem; margin-bottom: 0.3rem; }
table { border-collapse: collapse; font-size: 0.85rem; margin-bottom: 0.8rem; }
th, td { border: 1px solid #ddd; padding: 0.15rem 0.5rem; text-align: left; }
th { background: #f5f5f5; font-weight: 500; }
.sections { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
`;

/** The whole page as an HTML string. */
export function reportHtml(p: ReportPage): string {
  const plots = p.plots
    .map(
      (q) =>
        `<figure class="plot" data-plot="${escapeHtml(q.id)}">\n<figcaption>${escapeHtml(q.title)}</figcaption>\n${q.svg}\n</figure>`,
    )
    .join("\n");
  const events = p.events.length
    ? `<h2>Events</h2>\n<ul>\n${p.events.map((e) => `<li>${escapeHtml(e)}</li>`).join("\n")}\n</ul>`
    : "";
  const config = p.config
    .map(
      ([name, rec]) =>
        `<div><h3>${escapeHtml(name)}</h3>\n${table(Object.entries(rec).map(([k, v]) => [k, show(v)]))}</div>`,
    )
    .join("\n");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(p.title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${escapeHtml(p.title)}</h1>
<p class="status">${escapeHtml(p.status)}</p>
<h2>Final metrics</h2>
${table(p.facts)}
${events}
<h2>Plots</h2>
<div class="plots">
${plots}
</div>
<h2>Configuration</h2>
<div class="sections">
${config}
</div>
</body>
</html>
`;
}
