// Every built-in problem with a pointwise exact solution must be consistent with it: feeding the
// exact solution's derivatives (central finite differences in float64) as the "network output"
// must make every term's residual vanish. This catches sign and coefficient slips in residuals,
// source terms and conditions that a training run would only show as a poor error.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fromData, startEngine } from "../../src/engine/index.js";
import type { Channel, Jet } from "../../src/jet/jet.js";
import { burgersExact } from "../../src/reference/burgers.js";
import { reactionExact } from "../../src/reference/reactionDiffusion.js";
import { resolveRun } from "../../src/train/resolve.js";
import { Rng } from "../../src/util/rng.js";

await startEngine();

type Point = readonly number[];
type Exact = (p: Point) => number;

/** d^mi f at p by nested central differences (step h per differentiation). */
function fd(f: Exact, p: Point, mi: readonly number[], h: number): number {
  if (mi.length === 0) return f(p);
  const [k, ...rest] = mi;
  const plus = Array.from(p);
  const minus = Array.from(p);
  plus[k] += h;
  minus[k] -= h;
  return (fd(f, plus, rest, h) - fd(f, minus, rest, h)) / (2 * h);
}

const PI = Math.PI;
const cases: { name: string; params?: Record<string, string>; exact: Exact; tol: number }[] = [
  // Burgers near the shock has huge derivatives; sample points come from the whole domain, so the
  // tolerance is relative to each residual's own scale below.
  { name: "burgers", exact: ([t, x]) => burgersExact(t, x), tol: 1e-3 },
  { name: "convection", params: { beta: "3" }, exact: ([t, x]) => Math.sin(x - 3 * t), tol: 1e-5 },
  { name: "reaction", exact: ([t, x]) => reactionExact(t, x, 5), tol: 1e-5 },
  {
    name: "helmholtz2d",
    exact: ([x, y]) => Math.sin(PI * x) * Math.sin(4 * PI * y),
    tol: 1e-5,
  },
  {
    name: "wave1d",
    exact: ([t, x]) =>
      Math.sin(PI * x) * Math.cos(2 * PI * t) + 0.5 * Math.sin(4 * PI * x) * Math.cos(8 * PI * t),
    tol: 1e-5,
  },
  { name: "poisson1d", exact: ([x]) => Math.sin(4 * PI * x), tol: 1e-5 },
  { name: "klein-gordon", exact: ([t, x]) => x * Math.cos(5 * PI * t) + (x * t) ** 3, tol: 1e-5 },
];

for (const c of cases) {
  test(`${c.name}: the exact solution zeroes every term's residual`, async () => {
    const run = resolveRun(c.name, Object.entries(c.params ?? {}));
    const dims = run.problem.domain.inputs.length;
    const rng = new Rng(7);
    for (const term of run.problem.terms) {
      const b = term.sample(rng, 64, "uniform");
      // nested central differences: truncation ~(h^2 / 3) f'''' (8e-5 absolute for sin(4 pi y) at
      // h = 1e-4, i.e. 5e-7 of the residual's scale), roundoff ~1e-16 |f| / h^2 = 1e-8
      const h = 1e-4;
      const ch: Channel[] = term.layout.channels.map((mi) => {
        const v = new Float64Array(b.rows);
        for (let r = 0; r < b.rows; r++)
          v[r] = fd(c.exact, Array.from(b.X.subarray(r * dims, (r + 1) * dims)), mi, h);
        return fromData(v, [b.rows, 1], "float64");
      });
      const jet: Jet = { layout: term.layout, ch };
      const X = fromData(b.X, [b.rows, dims], "float64");
      const T = b.target ? fromData(b.target, [b.rows], "float64") : null;
      const r = Float64Array.from(await term.residual(jet, X, T).data());
      // scale: the largest derivative channel the term reads, so tolerances are relative
      let scale = 1;
      for (let k = 0; k < term.layout.channels.length; k++) {
        for (let row = 0; row < b.rows; row++) {
          const v = fd(
            c.exact,
            Array.from(b.X.subarray(row * dims, (row + 1) * dims)),
            term.layout.channels[k],
            h,
          );
          scale = Math.max(scale, Math.abs(v));
        }
      }
      const worst = r.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      assert.ok(
        worst <= c.tol * scale,
        `${c.name}.${term.name}: max |r| ${worst} vs scale ${scale}`,
      );
    }
  });
}
