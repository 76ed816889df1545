/**
 * The dashboard's pages: static HTML shells whose inline scripts read the JSON API and the
 * server-sent event stream of `src/serve/server.ts`, and draw the curves as inline SVG (no
 * request leaves the server's origin). Data from the store is inserted with `textContent` or
 * escaped, never as markup.
 */

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #222; }
header { background: #1d3557; color: #fff; padding: 8px 16px; display: flex; gap: 20px; align-items: baseline; }
header a { color: #fff; text-decoration: none; } header b { font-size: 16px; }
main { padding: 12px 16px; }
table { border-collapse: collapse; } td, th { padding: 3px 8px; border-bottom: 1px solid #ddd; text-align: left; }
th { background: #f1f3f5; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; } .chart { border: 1px solid #ddd; padding: 4px; }
.status-running { color: #2a9d8f; font-weight: bold; } .status-diverged { color: #e63946; }
form.filters { display: flex; gap: 12px; margin-bottom: 10px; align-items: end; }
dl.meta { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; }
dl.meta dt { color: #666; }
`;

/** Client-side helpers shared by every page: escaping, number format, the SVG line chart. */
const CLIENT = String.raw`
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const fmt = (v) => (v === null || v === undefined ? "" : typeof v === "number" ? (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-2) ? v.toExponential(2) : String(Number(v.toPrecision(4)))) : String(v));
const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
/** Draw series [{ name, xs, ys }] into the element with id "id" as an SVG line chart. */
function plot(id, title, series, o = {}) {
  const host = document.getElementById(id);
  if (!host) return;
  const W = 600, H = 280, L = 64, R = 150, T = 24, B = 34;
  const ok = (v) => Number.isFinite(v) && (!o.logY || v > 0);
  const ty = (v) => (o.logY ? Math.log10(v) : v);
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity, n = 0;
  for (const s of series) s.xs.forEach((x, i) => { const y = s.ys[i]; if (!ok(y)) return; n++;
    x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, ty(y)); y1 = Math.max(y1, ty(y)); });
  let svg = '<svg xmlns="http://www.w3.org/2000/svg" width="' + W + '" height="' + H + '" data-points="' + n + '">';
  svg += '<text x="' + L + '" y="15" font-weight="bold">' + esc(title) + '</text>';
  if (n === 0) { host.innerHTML = svg + '<text x="' + L + '" y="' + H / 2 + '">no data yet</text></svg>'; return; }
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) { y0 -= 0.5; y1 += 0.5; }
  const px = (x) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const py = (y) => T + (1 - (ty(y) - y0) / (y1 - y0)) * (H - T - B);
  svg += '<g class="axis"><line x1="' + L + '" y1="' + (H - B) + '" x2="' + (W - R) + '" y2="' + (H - B) + '" stroke="#888"/>';
  svg += '<line x1="' + L + '" y1="' + T + '" x2="' + L + '" y2="' + (H - B) + '" stroke="#888"/>';
  for (let k = 0; k <= 4; k++) {
    const yv = y0 + ((y1 - y0) * k) / 4, yy = T + (1 - k / 4) * (H - T - B);
    svg += '<text x="' + (L - 4) + '" y="' + (yy + 4) + '" text-anchor="end" font-size="11">' + esc(fmt(o.logY ? 10 ** yv : yv)) + '</text>';
    const xv = x0 + ((x1 - x0) * k) / 4;
    svg += '<text x="' + px(xv) + '" y="' + (H - B + 14) + '" text-anchor="middle" font-size="11">' + esc(fmt(x1 - x0 > 8 ? Math.round(xv) : xv)) + '</text>';
  }
  svg += '<text x="' + (L + (W - L - R) / 2) + '" y="' + (H - 4) + '" text-anchor="middle" font-size="11">' + esc(o.xLabel ?? "step") + '</text></g>';
  series.forEach((s, j) => {
    let d = "";
    s.xs.forEach((x, i) => { const y = s.ys[i]; if (!ok(y)) return; d += (d ? "L" : "M") + px(x).toFixed(1) + " " + py(y).toFixed(1); });
    const c = COLORS[j % COLORS.length];
    svg += '<path class="series" data-name="' + esc(s.name) + '" d="' + d + '" fill="none" stroke="' + c + '" stroke-width="1.5"/>';
    svg += '<text x="' + (W - R + 8) + '" y="' + (T + 14 * j + 8) + '" font-size="11" fill="' + c + '">' + esc(s.name) + '</text>';
  });
  host.innerHTML = svg + "</svg>";
}
`;

function page(title: string, body: string, script: string, data: Record<string, string> = {}) {
  const attrs = Object.entries(data)
    .map(([k, v]) => ` data-${k}="${escapeHtml(v)}"`)
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<style>${STYLE}</style></head>
<body${attrs}>
<header><b>pinnlab</b><a href="/">runs</a><a href="/bench">benchmark suite</a><a href="/play/">playground</a></header>
<main>${body}</main>
<script>${CLIENT}
${script}</script>
</body></html>
`;
}

/** Escape text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );
}

/** `/`: the runs table with filters, sorting and a compare button. */
export function runsPage(): string {
  const body = `<h1>Runs</h1>
<form class="filters" id="filters">
<label>problem<br><select name="problem" id="f-problem"><option value="">all</option></select></label>
<label>status<br><select name="status" id="f-status"><option value="">all</option>
<option>running</option><option>completed</option><option>diverged</option><option>interrupted</option></select></label>
<label>preset<br><select name="preset" id="f-preset"><option value="">all</option><option>plain</option><option>best</option><option>custom</option></select></label>
<label>sort by<br><select name="sort" id="f-sort"><option value="date">date</option><option value="error">error</option></select></label>
<button type="button" id="compare">compare selected</button>
</form>
<table id="runs"><thead><tr><th></th><th>run</th><th>problem</th><th>parameters</th><th>preset</th><th>status</th>
<th>steps</th><th>rel L2</th><th>wall (s)</th><th>started</th></tr></thead><tbody></tbody></table>
<p id="count"></p>`;
  const script = String.raw`
const form = document.getElementById("filters");
const q = new URLSearchParams(location.search);
for (const k of ["problem", "status", "preset", "sort"]) if (q.get(k)) form.elements[k].value = q.get(k);
let problemsLoaded = false;
async function load() {
  const p = new URLSearchParams();
  for (const k of ["problem", "status", "preset", "sort"]) if (form.elements[k].value) p.set(k, form.elements[k].value);
  history.replaceState(null, "", "?" + p);
  const runs = await (await fetch("/api/runs?" + p)).json();
  if (!problemsLoaded) {
    const all = await (await fetch("/api/runs")).json();
    const sel = document.getElementById("f-problem");
    for (const name of [...new Set(all.map((r) => r.problem))].sort()) sel.add(new Option(name, name));
    if (q.get("problem")) sel.value = q.get("problem");
    problemsLoaded = true;
  }
  const tb = document.querySelector("#runs tbody");
  tb.innerHTML = runs.map((r) => "<tr data-id=\"" + esc(r.id) + "\"><td><input type=checkbox value=\"" + esc(r.id) + "\"></td>" +
    "<td><a href=\"/runs/" + encodeURIComponent(r.id) + "\">" + esc(r.id) + "</a></td><td>" + esc(r.problem) + "</td><td>" +
    esc(Object.entries(r.parameters).map(([k, v]) => k + "=" + fmt(v)).join(" ")) + "</td><td>" + esc(r.preset) +
    "</td><td class=\"status-" + esc(r.status) + "\">" + esc(r.status) + "</td><td class=num>" + r.steps +
    "</td><td class=num>" + esc(fmt(r.rel_l2)) + "</td><td class=num>" + esc(r.wall_s === null ? "" : r.wall_s.toFixed(1)) +
    "</td><td>" + esc(r.created_at.replace("T", " ").slice(0, 19)) + "</td></tr>").join("");
  document.getElementById("count").textContent = runs.length + " runs";
}
form.addEventListener("change", load);
document.getElementById("compare").addEventListener("click", () => {
  const ids = [...document.querySelectorAll("#runs input:checked")].map((c) => c.value);
  if (ids.length) location.href = "/compare?ids=" + ids.map(encodeURIComponent).join(",");
});
load();
setInterval(load, 5000);
`;
  return page("pinnlab runs", body, script);
}

/** `/runs/:id`: one run, its curves updated live from the event stream. */
export function runPage(id: string): string {
  const body = `<h1 id="title"></h1>
<dl class="meta"><dt>status</dt><dd id="status"></dd><dt>step</dt><dd id="step">0</dd>
<dt>records</dt><dd id="nrec">0</dd><dt>rel L2</dt><dd id="relL2"></dd><dt>preset</dt><dd id="preset"></dd>
<dt>parameters</dt><dd id="params"></dd><dt>report</dt><dd><a id="report" href="">report.html</a></dd></dl>
<div class="charts"><div class="chart" id="loss"></div><div class="chart" id="error"></div>
<div class="chart" id="weights"></div><div class="chart" id="lr"></div><div class="chart" id="causal"></div></div>
<h2>Configuration</h2><pre id="config"></pre>`;
  const script = String.raw`
const id = document.body.dataset.run;
document.getElementById("title").textContent = id;
document.getElementById("report").href = "/runs/" + encodeURIComponent(id) + "/report";
let recs = [];
let evals = [];
let final = null;
const keysOf = (field) => [...new Set(recs.flatMap((r) => Object.keys(r[field] ?? {})))];
function render() {
  const xs = recs.map((r) => r.step);
  const last = recs[recs.length - 1];
  document.getElementById("step").textContent = last ? String(last.step) : "0";
  document.getElementById("nrec").textContent = String(recs.length);
  plot("loss", "loss (total and per term, unweighted)", [{ name: "total", xs, ys: recs.map((r) => r.loss) },
    ...keysOf("terms").map((k) => ({ name: k, xs, ys: recs.map((r) => r.terms?.[k]) }))], { logY: true });
  // the rel L2 error at each checkpoint (evaluation.jsonl), then the run's final one
  const errs = final && !evals.some((e) => e.step === final.step) ? [...evals, final] : evals;
  plot("error", "rel L2 error against the reference", [{ name: "rel L2", xs: errs.map((e) => e.step), ys: errs.map((e) => e.rel_l2) }], { logY: true });
  plot("weights", "term weights", keysOf("weights").map((k) => ({ name: "w." + k, xs, ys: recs.map((r) => r.weights?.[k]) })), { logY: true });
  plot("lr", "learning rate", [{ name: "lr", xs, ys: recs.map((r) => r.lr) }], { logY: true });
  const c = [...recs].reverse().find((r) => r.causal);
  if (c) plot("causal", "causal weights at step " + c.step, Object.entries(c.causal.chunks).map(([k, v]) =>
    ({ name: k, xs: v.weight.map((_, i) => i), ys: v.weight })), { xLabel: "time chunk" });
  else document.getElementById("causal").style.display = "none";
}
function showRun(r) {
  final = r.status === "completed" && typeof r.rel_l2 === "number" ? { step: r.steps, rel_l2: r.rel_l2 } : null;
  document.getElementById("status").textContent = r.status + (r.message ? " (" + r.message + ")" : "");
  document.getElementById("status").className = "status-" + r.status;
  document.getElementById("relL2").textContent = fmt(r.rel_l2);
  document.getElementById("preset").textContent = r.preset;
  document.getElementById("params").textContent = Object.entries(r.parameters).map(([k, v]) => k + "=" + fmt(v)).join(" ");
}
fetch("/api/runs/" + encodeURIComponent(id)).then((x) => x.json()).then((r) => {
  showRun(r);
  document.getElementById("config").textContent = JSON.stringify(r.config, null, 2);
});
const es = new EventSource("/api/runs/" + encodeURIComponent(id) + "/stream");
es.addEventListener("records", (e) => { const d = JSON.parse(e.data); if (d.reset) recs = []; recs.push(...d.records); render(); });
es.addEventListener("evals", (e) => { const d = JSON.parse(e.data); if (d.reset) evals = []; evals.push(...d.records); render(); });
es.addEventListener("status", (e) => { showRun(JSON.parse(e.data)); render(); });
es.addEventListener("end", () => es.close());
render();
`;
  return page(`pinnlab ${id}`, body, script, { run: id });
}

/** `/compare?ids=a,b`: several runs' curves overlaid. */
export function comparePage(): string {
  const body = `<h1>Compare runs</h1>
<div class="charts"><div class="chart" id="loss"></div><div class="chart" id="error"></div><div class="chart" id="terms"></div></div>
<table id="summary"><thead><tr><th>run</th><th>problem</th><th>preset</th><th>status</th><th>steps</th><th>rel L2</th><th>wall (s)</th></tr></thead><tbody></tbody></table>`;
  const script = String.raw`
const ids = (new URLSearchParams(location.search).get("ids") ?? "").split(",").filter(Boolean);
Promise.all(ids.map(async (id) => {
  const base = "/api/runs/" + encodeURIComponent(id);
  const [run, hist, ev] = await Promise.all([fetch(base), fetch(base + "/history"), fetch(base + "/evaluation")]);
  return run.ok && hist.ok && ev.ok ? { id, run: await run.json(), recs: await hist.json(), evals: await ev.json() } : null;
})).then((all) => {
  const runs = all.filter(Boolean);
  plot("loss", "total loss", runs.map((r) => ({ name: r.id, xs: r.recs.map((x) => x.step), ys: r.recs.map((x) => x.loss) })), { logY: true });
  plot("error", "rel L2 error", runs.map((r) => ({ name: r.id, xs: r.evals.map((x) => x.step), ys: r.evals.map((x) => x.rel_l2) })), { logY: true });
  const terms = runs.flatMap((r) => [...new Set(r.recs.flatMap((x) => Object.keys(x.terms ?? {})))].map((k) =>
    ({ name: r.id.slice(-16) + " " + k, xs: r.recs.map((x) => x.step), ys: r.recs.map((x) => x.terms?.[k]) })));
  plot("terms", "per-term loss", terms, { logY: true });
  document.querySelector("#summary tbody").innerHTML = runs.map(({ run: r }) => "<tr><td><a href=\"/runs/" + encodeURIComponent(r.id) + "\">" + esc(r.id) +
    "</a></td><td>" + esc(r.problem) + "</td><td>" + esc(r.preset) + "</td><td>" + esc(r.status) + "</td><td class=num>" + r.steps +
    "</td><td class=num>" + esc(fmt(r.rel_l2)) + "</td><td class=num>" + esc(r.wall_s === null ? "" : r.wall_s.toFixed(1)) + "</td></tr>").join("");
});
`;
  return page("pinnlab compare", body, script);
}

/** `/bench`: the benchmark suite's table over the store's suite runs. */
export function benchPage(): string {
  const body = `<h1>Benchmark suite</h1>
<p>Runs of <code>pinnlab bench suite</code> in this store: relative L2 error over seeds, beside published numbers.</p>
<table id="suite"><thead><tr><th>problem</th><th>preset</th><th>seeds</th><th>rel L2 mean</th><th>std</th><th>min .. max</th>
<th>steps</th><th>wall (s)</th><th>literature</th></tr></thead><tbody></tbody></table>`;
  const script = String.raw`
fetch("/api/suite").then((x) => x.json()).then(({ rows }) => {
  document.querySelector("#suite tbody").innerHTML = rows.length ? rows.map((r) => "<tr><td>" + esc(r.problem) + "</td><td>" + esc(r.preset) +
    "</td><td class=num>" + r.seeds + (r.failed ? " (" + r.failed + " diverged)" : "") + "</td><td class=num>" + esc(fmt(r.mean)) +
    "</td><td class=num>" + esc(fmt(r.std)) + "</td><td class=num>" + esc(fmt(r.min)) + " .. " + esc(fmt(r.max)) +
    "</td><td class=num>" + r.steps + "</td><td class=num>" + r.wall_s.toFixed(0) + "</td><td>" + esc(r.literature) + "</td></tr>").join("")
    : "<tr><td colspan=9>no suite runs in this store (pinnlab bench suite --store DIR)</td></tr>";
});
`;
  return page("pinnlab benchmark suite", body, script);
}
