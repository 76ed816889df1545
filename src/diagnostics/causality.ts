/**
 * The temporal residual profile of Wang, Sankaran & Perdikaris (2022): the mean-square PDE
 * residual of a trained network in M consecutive time chunks, on fresh points. A PINN that
 * respects causality fits early times first, so its profile does not rise towards t0; one that
 * violates it leaves the earliest chunks with the largest residual while later ones look fitted
 * (their Figure 2), and errors made early propagate to every later time.
 */
import { fromData, jit, np, tree } from "../engine/index.js";
import type { NetParams, Network } from "../nets/network.js";
import type { Problem } from "../problem/problem.js";
import { samplePoints } from "../sampling/samplers.js";
import type { TrainConfig } from "../train/config.js";
import { termResiduals } from "../loss/loss.js";
import { Rng } from "../util/rng.js";

/** Mean-square residual per time chunk (earliest first) and the chunks' mid times. */
export interface CausalProfile {
  readonly term: string;
  readonly t: readonly number[];
  readonly loss: readonly number[];
}

/**
 * Measure the temporal residual profile of every residual term.
 * @param params consumed
 * @param chunks number of time chunks M
 * @param perChunk points per chunk (drawn uniformly in space, stratified in time)
 * @returns one profile per residual term, or [] when the problem has no time input
 */
export async function causalProfile(
  problem: Problem,
  net: Network,
  params: NetParams,
  c: TrainConfig,
  chunks = 16,
  perChunk = 128,
  seed = 0,
): Promise<CausalProfile[]> {
  const d = problem.domain;
  if (d.time === null) {
    tree.dispose(params);
    return [];
  }
  const ti = d.inputs.indexOf(d.time);
  const rng = new Rng(seed);
  const dims = d.inputs.length;
  const n = chunks * perChunk;
  const X = new Float64Array(n * dims);
  const tMid: number[] = [];
  for (let k = 0; k < chunks; k++) {
    const a = d.lo[ti] + ((d.hi[ti] - d.lo[ti]) * k) / chunks;
    const b = d.lo[ti] + ((d.hi[ti] - d.lo[ti]) * (k + 1)) / chunks;
    tMid.push((a + b) / 2);
    const lo = d.lo.map((v, i) => (i === ti ? a : v));
    const hi = d.hi.map((v, i) => (i === ti ? b : v));
    X.set(samplePoints("uniform", rng, perChunk, lo, hi), k * perChunk * dims);
  }
  const out: CausalProfile[] = [];
  for (const term of problem.terms.filter((t) => t.kind === "residual")) {
    const view: Problem = { ...problem, terms: [term], termNames: [term.name] };
    const fn = jit((p: NetParams, x: np.Array) =>
      np.square(termResiduals(view, net, p, { [term.name]: x }, {})[term.name]),
    );
    const r2 = await fn(tree.ref(params), fromData(X, [n, dims], c.precision)).data();
    fn.dispose();
    const loss = Array.from({ length: chunks }, (_, k) => {
      let s = 0;
      for (let i = k * perChunk; i < (k + 1) * perChunk; i++) s += r2[i];
      return s / perChunk;
    });
    out.push({ term: term.name, t: tMid, loss });
  }
  tree.dispose(params);
  return out;
}
