/**
 * Vega-Lite to SVG in Node: compile the spec to Vega, run a headless View (no canvas, no network:
 * every plot carries its data inline) and serialise the scene to an SVG string.
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

/**
 * Render a Vega-Lite spec to a standalone SVG document string.
 * @example
 * const svg = await renderSvg({ data: { values: [{ a: 1, b: 2 }] }, mark: "point", encoding: {...} });
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const vg = compile(spec).spec;
  const view = new vega.View(vega.parse(vg), {
    renderer: "none",
    // nothing may be fetched: the plots' data is inline
    loader: vega.loader({ mode: "file" }),
  });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
