/**
 * Drawing for the playground: an SVG line chart (log or linear y) and a heat map on a canvas
 * (a line plot for one-dimensional problems).
 */

/** One line of a chart. */
export interface Series {
  name: string;
  xs: readonly number[];
  ys: readonly (number | undefined)[];
}

const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"];

const fmt = (v: number) =>
  Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-2)
    ? v.toExponential(1)
    : String(Number(v.toPrecision(3)));

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Draw `series` into `host` as an SVG line chart. */
export function lineChart(
  host: HTMLElement,
  series: readonly Series[],
  o: { logY?: boolean; xLabel?: string; width?: number; height?: number } = {},
): void {
  const W = o.width ?? 480;
  const H = o.height ?? 240;
  const [L, R, T, B] = [56, 110, 10, 30];
  const ok = (v: number | undefined): v is number =>
    v !== undefined && Number.isFinite(v) && (!o.logY || v > 0);
  const ty = (v: number) => (o.logY ? Math.log10(v) : v);
  let [x0, x1, y0, y1, n] = [Infinity, -Infinity, Infinity, -Infinity, 0];
  for (const s of series)
    s.xs.forEach((x, i) => {
      const y = s.ys[i];
      if (!ok(y)) return;
      n++;
      [x0, x1] = [Math.min(x0, x), Math.max(x1, x)];
      [y0, y1] = [Math.min(y0, ty(y)), Math.max(y1, ty(y))];
    });
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" data-points="${n}">`;
  if (n === 0) {
    host.innerHTML = `${svg}<text x="${L}" y="${H / 2}">no data yet</text></svg>`;
    return;
  }
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const px = (x: number) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const py = (y: number) => T + (1 - (ty(y) - y0) / (y1 - y0)) * (H - T - B);
  svg += `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#888"/>`;
  svg += `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#888"/>`;
  for (let k = 0; k <= 4; k++) {
    const yv = y0 + ((y1 - y0) * k) / 4;
    const yy = T + (1 - k / 4) * (H - T - B);
    svg += `<text x="${L - 4}" y="${yy + 4}" text-anchor="end" font-size="10">${fmt(o.logY ? 10 ** yv : yv)}</text>`;
    const xv = x0 + ((x1 - x0) * k) / 4;
    svg += `<text x="${px(xv)}" y="${H - B + 13}" text-anchor="middle" font-size="10">${fmt(x1 - x0 > 8 ? Math.round(xv) : xv)}</text>`;
  }
  svg += `<text x="${L + (W - L - R) / 2}" y="${H - 3}" text-anchor="middle" font-size="10">${esc(o.xLabel ?? "step")}</text>`;
  series.forEach((s, j) => {
    let d = "";
    s.xs.forEach((x, i) => {
      const y = s.ys[i];
      if (ok(y)) d += `${d ? "L" : "M"}${px(x).toFixed(1)} ${py(y).toFixed(1)}`;
    });
    const c = COLORS[j % COLORS.length];
    svg += `<path data-name="${esc(s.name)}" d="${d}" fill="none" stroke="${c}" stroke-width="1.5"/>`;
    svg += `<text x="${W - R + 8}" y="${T + 14 * j + 8}" font-size="11" fill="${c}">${esc(s.name)}</text>`;
  });
  host.innerHTML = `${svg}</svg>`;
}

/** A diverging-free colour map (viridis-like) from t in [0, 1] to an RGB triple. */
function colour(t: number): [number, number, number] {
  const stops: [number, number, number][] = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ];
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(u));
  const f = u - i;
  return [0, 1, 2].map((k) => stops[i][k] + f * (stops[i + 1][k] - stops[i][k])) as [
    number,
    number,
    number,
  ];
}

/**
 * Draw a field on a canvas: a heat map for two inputs (first input across, second up), a line for
 * one. `range` fixes the colour scale (so prediction and reference share one).
 */
export function drawField(
  canvas: HTMLCanvasElement,
  axes: readonly (readonly number[])[],
  values: readonly number[],
  range: [number, number],
): void {
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const { width: W, height: H } = canvas;
  ctx.clearRect(0, 0, W, H);
  const [lo, hi] = range;
  const span = hi - lo || 1;
  if (axes.length === 1) {
    ctx.strokeStyle = "#1f77b4";
    ctx.beginPath();
    values.forEach((v, i) => {
      const x = (i / Math.max(1, values.length - 1)) * (W - 1);
      const y = H - 1 - ((v - lo) / span) * (H - 1);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
    return;
  }
  const [na, nb] = [axes[0].length, axes[1].length];
  const img = ctx.createImageData(na, nb);
  for (let a = 0; a < na; a++) {
    for (let b = 0; b < nb; b++) {
      const [r, g, bl] = colour((values[a * nb + b] - lo) / span);
      const o = ((nb - 1 - b) * na + a) * 4;
      img.data[o] = r;
      img.data[o + 1] = g;
      img.data[o + 2] = bl;
      img.data[o + 3] = 255;
    }
  }
  // draw at the grid's resolution, then scale up to the canvas
  const tmp = document.createElement("canvas");
  tmp.width = na;
  tmp.height = nb;
  tmp.getContext("2d")?.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tmp, 0, 0, W, H);
}
