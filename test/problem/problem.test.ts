// defineProblem: validation errors that name the offending thing, the layouts and samples of
// compiled terms, and each term's residual on hand-made output jets of a known solution.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fromData, np, startEngine } from "../../src/engine/index.js";
import { type Box, box } from "../../src/geometry/box.js";
import { type Jet } from "../../src/jet/jet.js";
import { type JetLayout, miKey } from "../../src/jet/multiindex.js";
import {
  type Condition,
  data,
  dirichlet,
  initial,
  initialRate,
  neumann,
  periodic,
} from "../../src/problem/conditions.js";
import {
  type Problem,
  type ProblemSpec,
  type ResidualFn,
  type Term,
  batchArrays,
  defineProblem,
} from "../../src/problem/problem.js";
import { cos, sin } from "../../src/problem/maths.js";
import { Rng } from "../../src/util/rng.js";

await startEngine();

const TX = (x: [number, number] = [0, Math.PI]) => box({ t: [0, 1], x }, { time: "t" });
const heat: ResidualFn = ({ d }) => d("u", "t").sub(d("u", "xx"));

function spec(patch: Partial<ProblemSpec>): ProblemSpec {
  return {
    name: "p",
    domain: TX(),
    fields: ["u"],
    residuals: { res: heat },
    conditions: {},
    ...patch,
  };
}

/** Assert that defining the problem throws and the message contains every fragment. */
function throwsNaming(s: ProblemSpec | (() => unknown), ...fragments: string[]): void {
  const run = typeof s === "function" ? s : () => defineProblem(s);
  assert.throws(run, (e: unknown) => {
    const msg = (e as Error).message;
    for (const f of fragments) assert.ok(msg.includes(f), `"${msg}" lacks "${f}"`);
    return true;
  });
}

test("validation: a data point outside the domain is named", () => {
  throwsNaming(
    spec({
      conditions: {
        obs: data(
          "u",
          [
            [0.5, 1],
            [0.5, 9],
          ],
          [0, 0],
        ),
      },
    }),
    "conditions.obs.points[1]",
    "outside the domain",
  );
});

test("validation: residual errors name residuals.<name> and the offending field or input", () => {
  throwsNaming(spec({ residuals: { res: ({ d }) => d("v", "x") } }), "residuals.res", '"v"');
  throwsNaming(spec({ residuals: { pde: ({ d }) => d("u", "xz") } }), "residuals.pde", '"z"');
  throwsNaming(
    spec({ residuals: { res: ({ d }) => d("u", "xxxxx") } }),
    "residuals.res",
    "order 5",
  );
  throwsNaming(
    spec({ residuals: { res: ({ d, x }) => d("u").mul(x("q")) } }),
    "residuals.res",
    '"q"',
  );
  throwsNaming(
    spec({ residuals: { res: () => np.zeros([1]) } }),
    "residuals.res",
    "reads no field",
  );
  throwsNaming(
    spec({ residuals: { res: (() => 3) as unknown as ResidualFn } }),
    "residuals.res",
    "must return",
  );
  // an error thrown by the residual's own code is prefixed with the residual's name
  throwsNaming(
    spec({
      residuals: {
        res: () => {
          throw new Error("boom");
        },
      },
    }),
    "residuals.res: boom",
  );
});

test("validation: problem-level errors", () => {
  throwsNaming(spec({ name: "" }), "problem.name");
  throwsNaming(spec({ fields: [] }), "fields");
  throwsNaming(spec({ fields: ["u", "2v"] }), "fields", '"2v"');
  throwsNaming(spec({ residuals: {} }), "residuals");
  throwsNaming(spec({ conditions: { res: initial("u", 0) } }), 'term name "res"', "twice");
});

test("validation: condition errors name conditions.<name>", () => {
  throwsNaming(spec({ conditions: { ic: initial("v", 0) } }), "conditions.ic", '"v"');
  throwsNaming(
    spec({ conditions: { bc: periodic("u", "t", 0) } }),
    "conditions.bc.input",
    "time cannot be periodic",
  );
  throwsNaming(spec({ conditions: { bc: periodic("u", "y", 0) } }), "conditions.bc.input", '"y"');
  throwsNaming(
    spec({ conditions: { bc: dirichlet("u", [{ input: "y", side: "min" }], 0) } }),
    "conditions.bc.on",
    '"y"',
  );
  throwsNaming(spec({ conditions: { bc: neumann("u", [], 0) } }), "conditions.bc.on", "no faces");
  throwsNaming(
    spec({
      domain: box({ x: [0, 1] }),
      residuals: { res: ({ d }) => d("u", "xx") },
      conditions: { ic: initial("u", 0) },
    }),
    "conditions.ic",
    "no time input",
  );
  throwsNaming(
    () =>
      data(
        "u",
        [
          [0, 0],
          [1, 1],
        ],
        [1, 2, 3],
      ),
    "data(u)",
    "2 points but 3 values",
  );
  throwsNaming(() => data("u", [], []), "data(u)", "no points");
  throwsNaming(
    spec({
      conditions: {
        obs: data(
          "u",
          [
            [0, 0],
            [0.5, 0.1, 2],
          ],
          [1, 2],
        ),
      },
    }),
    "conditions.obs.points[1]",
    "expected 2 coordinates, got 3",
  );
  throwsNaming(
    spec({ conditions: { obs: data("u", [[0, NaN]], [1]) } }),
    "conditions.obs.points[0][1]",
  );
  throwsNaming(
    spec({ conditions: { obs: data("u", [[0, 0]], [Infinity]) } }),
    "conditions.obs.values",
  );
  throwsNaming(() => periodic("u", "x", 4), "periodic(u, x)", "0..3");
});

test("validation: domains (box) name the input", () => {
  throwsNaming(() => box({ t: [0, 1], x: [1, 1] }), "domain.x", "lo < hi");
  throwsNaming(() => box({ x: [2, -1] }), "domain.x");
  throwsNaming(() => box({ x: [0, Infinity] }), "domain.x");
  throwsNaming(() => box({ xy: [0, 1] }), "domain.xy", "single letters");
  throwsNaming(() => box({ x: [0, 1] }, { time: "t" }), "domain.time", "t");
  throwsNaming(() => box({}), "at least one input");
});

// ---------------------------------------------------------------------------------------------
// Compiled terms

function term(p: Problem, name: string): Term {
  const t = p.terms.find((x) => x.name === name);
  assert.ok(t, `no term ${name}`);
  return t;
}

const keysOf = (l: JetLayout) => l.channels.map(miKey).sort();

test("terms: residuals first, then conditions, each with the channels it reads", () => {
  const p = defineProblem(
    spec({
      residuals: {
        burgers: ({ d }) =>
          d("u", "t")
            .add(d("u").mul(d("u", "x")))
            .sub(d("u", "xx").mul(0.01)),
        ks: ({ d }) => d("u", "tt").add(d("u", "xxxx")),
      },
      conditions: {
        ic: initial("u", 0),
        rate: initialRate("u", 0),
        bc: dirichlet("u", [{ input: "x", side: "min" }], 0),
        flux: neumann("u", [{ input: "x", side: "max" }], 0),
        per: periodic("u", "x", 2),
        obs: data("u", [[0.5, 1]], [0.25]),
      },
    }),
  );
  assert.deepEqual(p.termNames, ["burgers", "ks", "ic", "rate", "bc", "flux", "per", "obs"]);
  assert.deepEqual(
    p.terms.map((t) => t.kind),
    ["residual", "residual", "initial", "initial", "dirichlet", "neumann", "periodic", "data"],
  );
  // inputs: t = 0, x = 1
  assert.deepEqual(keysOf(term(p, "burgers").layout), ["", "0", "1", "1,1"]);
  assert.deepEqual(keysOf(term(p, "ks").layout), ["", "0", "0,0", "1", "1,1", "1,1,1", "1,1,1,1"]);
  assert.deepEqual(keysOf(term(p, "ic").layout), [""]);
  assert.deepEqual(keysOf(term(p, "rate").layout), ["", "0"]);
  assert.deepEqual(keysOf(term(p, "bc").layout), [""]);
  assert.deepEqual(keysOf(term(p, "flux").layout), ["", "1"]);
  assert.deepEqual(keysOf(term(p, "per").layout), ["", "1", "1,1"]);
  assert.deepEqual(keysOf(term(p, "obs").layout), [""]);
  assert.deepEqual(
    p.terms.map((t) => t.fixed),
    [false, false, false, false, false, false, false, true],
  );
});

const valueFn = (q: Readonly<Record<string, number>>) => Math.sin(q.x) + 2 * q.t;

test("samples: residual points fill the domain; initial points sit at t = t0 with targets", () => {
  const p = defineProblem(spec({ conditions: { ic: initial("u", valueFn) } }));
  for (const sampler of ["uniform", "lhs"] as const) {
    const r = term(p, "res").sample(new Rng(1), 50, sampler);
    assert.equal(r.rows, 50);
    assert.equal(r.X.length, 100);
    assert.equal(r.target, null);
    for (let i = 0; i < 50; i++) {
      assert.ok(r.X[2 * i] >= 0 && r.X[2 * i] <= 1);
      assert.ok(r.X[2 * i + 1] >= 0 && r.X[2 * i + 1] <= Math.PI);
    }
    const b = term(p, "ic").sample(new Rng(2), 40, sampler);
    assert.equal(b.rows, 40);
    const target = b.target as Float64Array;
    const xs = new Set<number>();
    for (let i = 0; i < 40; i++) {
      assert.equal(b.X[2 * i], 0, "t = t0");
      xs.add(b.X[2 * i + 1]);
      assert.equal(target[i], valueFn({ t: 0, x: b.X[2 * i + 1] }));
    }
    assert.equal(xs.size, 40, "x varies");
  }
});

test("samples: dirichlet/neumann points sit on their faces, split evenly, targets evaluated", () => {
  const faces = [
    { input: "x", side: "min" },
    { input: "x", side: "max" },
    { input: "y", side: "max" },
  ] as const;
  const p = defineProblem({
    name: "faces",
    domain: box({ t: [0, 2], x: [-1, 1], y: [0, 3] }, { time: "t" }),
    fields: ["u"],
    residuals: { res: ({ d }) => d("u", "xx").add(d("u", "yy")) },
    conditions: {
      bc: dirichlet("u", faces, (q) => q.t * q.x + q.y),
      flux: neumann("u", faces, 2.5),
    },
  });
  for (const name of ["bc", "flux"]) {
    const b = term(p, name).sample(new Rng(3), 11, "uniform");
    assert.equal(b.rows, 11);
    // 11 = 4 + 4 + 3: the remainder goes to the first faces
    const onFace = (r: number) => {
      const [t, x, y] = [b.X[3 * r], b.X[3 * r + 1], b.X[3 * r + 2]];
      assert.ok(t >= 0 && t <= 2 && x >= -1 && x <= 1 && y >= 0 && y <= 3, `row ${r} in the box`);
      return x === -1 ? "xmin" : x === 1 ? "xmax" : y === 3 ? "ymax" : "none";
    };
    const which = Array.from({ length: 11 }, (_, r) => onFace(r));
    assert.deepEqual(which, [
      ...new Array<string>(4).fill("xmin"),
      ...new Array<string>(4).fill("xmax"),
      ...new Array<string>(3).fill("ymax"),
    ]);
    const target = b.target as Float64Array;
    for (let r = 0; r < 11; r++) {
      const q = { t: b.X[3 * r], x: b.X[3 * r + 1], y: b.X[3 * r + 2] };
      assert.equal(target[r], name === "bc" ? q.t * q.x + q.y : 2.5);
    }
  }
});

test("samples: periodic pairs at lo and hi with equal other coordinates; data is fixed", () => {
  const obsPts = [
    [0.1, 0.2],
    [0.3, 1.5],
    [0.9, 2],
  ];
  const p = defineProblem(
    spec({
      domain: TX([-1, 2]),
      conditions: { per: periodic("u", "x", 1), obs: data("u", obsPts, [1, -2, 0.5]) },
    }),
  );
  const b = term(p, "per").sample(new Rng(4), 6, "lhs");
  assert.equal(b.rows, 12);
  assert.equal(b.target, null);
  for (let r = 0; r < 6; r++) {
    assert.equal(b.X[2 * r + 1], -1, `row ${r}: x = lo`);
    assert.equal(b.X[2 * (6 + r) + 1], 2, `row ${6 + r}: x = hi`);
    assert.equal(b.X[2 * r], b.X[2 * (6 + r)], `pair ${r}: equal t`);
  }
  const d1 = term(p, "obs").sample(new Rng(5), 100, "uniform");
  const d2 = term(p, "obs").sample(new Rng(6), 7, "lhs");
  assert.equal(d1.rows, 3);
  assert.deepEqual([...d1.X], obsPts.flat());
  assert.deepEqual([...(d1.target as Float64Array)], [1, -2, 0.5]);
  assert.deepEqual([...d2.X], [...d1.X]);
});

// ---------------------------------------------------------------------------------------------
// Residuals on hand-made jets. Fields (v, u): u = sin(x) cos(t), v = 3 + t x (u is column 1 so
// the column selection is exercised). Every channel holds the analytic derivative.

/** d^a/dt^a d^b/dx^b of u and v at (t, x). */
function analytic(a: number, b: number, t: number, x: number): [number, number] {
  const u = Math.cos(t + (a * Math.PI) / 2) * Math.sin(x + (b * Math.PI) / 2);
  const vTable: Record<string, number> = { "0,0": 3 + t * x, "1,0": x, "0,1": t, "1,1": 1 };
  return [vTable[`${a},${b}`] ?? 0, u];
}

/** The output jet [rows, 2] of the exact (v, u) at the batch's points. */
function exactJet(layout: JetLayout, X: Float64Array, rows: number): Jet {
  const ch = layout.channels.map((mi) => {
    const a = mi.filter((i) => i === 0).length;
    const b = mi.filter((i) => i === 1).length;
    const vals = new Float64Array(rows * 2);
    for (let r = 0; r < rows; r++) {
      const [v, u] = analytic(a, b, X[2 * r], X[2 * r + 1]);
      vals[2 * r] = v;
      vals[2 * r + 1] = u;
    }
    return fromData(vals, [rows, 2], "float64");
  });
  return { layout, ch };
}

/** Residuals of a term on a fresh batch (float64). */
function residualOf(
  t: Term,
  n = 8,
  seed = 9,
): { res: Float64Array; X: Float64Array; rows: number } {
  const b = t.sample(new Rng(seed), n, "uniform");
  const { X, target } = batchArrays(b, 2, "float64");
  const out = exactJet(t.layout, b.X, b.rows);
  const res = Float64Array.from(t.residual(out, X, target).dataSync());
  return { res, X: b.X, rows: b.rows };
}

// float64 jets built from Math.sin/cos; the residuals only subtract them: 1e-12
const TOL = 1e-12;
const maxAbs = (a: Float64Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

function twoFieldProblem(
  domain: Box,
  conditions: Record<string, Condition>,
  residuals?: Record<string, ResidualFn>,
) {
  return defineProblem({
    name: "exact",
    domain,
    fields: ["v", "u"],
    residuals: residuals ?? { wave: ({ d }) => d("u", "tt").sub(d("u", "xx")) },
    conditions,
  });
}

test("residual terms evaluate the PDE on the jet: ~0 for the exact solution, else the offset", () => {
  const p = twoFieldProblem(
    TX(),
    {},
    {
      // u_tt - u_xx = 0 for u = sin x cos t
      wave: ({ d }) => d("u", "tt").sub(d("u", "xx")),
      // u_x - cos(x) cos(t) = 0, with coordinates from x()
      coords: ({ d, x }) => d("u", "x").sub(cos(x("x")).mul(cos(x("t")))),
      // u_t + v_tx sin(x) sin(t) = 0 (v_tx = 1): reads both fields' columns
      mixed: ({ d, x }) => d("u", "t").add(d("v", "tx").mul(sin(x("x")).mul(sin(x("t"))))),
      // v_t - x = 0 (v = 3 + t x), and u_t alone = -sin x sin t (not zero)
      vt: ({ d, x }) => d("v", "t").sub(x("x")),
      ut: ({ d }) => d("u", "t"),
    },
  );
  assert.ok(maxAbs(residualOf(term(p, "wave")).res) < TOL);
  // np.cos is float32-accurate in jax-js even in float64 (~1e-7 absolute)
  assert.ok(maxAbs(residualOf(term(p, "coords")).res) < 1e-6);
  assert.ok(maxAbs(residualOf(term(p, "mixed")).res) < 1e-6);
  assert.ok(maxAbs(residualOf(term(p, "vt")).res) < TOL);
  const { res, X } = residualOf(term(p, "ut"));
  res.forEach((v, r) => {
    const want = -Math.sin(X[2 * r + 1]) * Math.sin(X[2 * r]);
    assert.ok(Math.abs(v - want) < TOL, `row ${r}: ${v} vs ${want}`);
  });
  assert.ok(maxAbs(res) > 1e-2, "the exact u_t is not zero at these points");
});

test("initial and initialRate: ~0 when the condition holds, else the offset", () => {
  const p = twoFieldProblem(TX(), {
    ic: initial("u", (q) => Math.sin(q.x)),
    icOff: initial("u", (q) => Math.sin(q.x) + 0.5),
    rate: initialRate("u", 0), // u_t(0, x) = -sin x sin 0 = 0
    rateV: initialRate("v", (q) => q.x), // v_t = x
    rateOff: initialRate("v", (q) => 2 * q.x),
  });
  assert.ok(maxAbs(residualOf(term(p, "ic")).res) < TOL);
  assert.ok(maxAbs(residualOf(term(p, "rate")).res) < TOL);
  assert.ok(maxAbs(residualOf(term(p, "rateV")).res) < TOL);
  for (const v of residualOf(term(p, "icOff")).res) assert.ok(Math.abs(v + 0.5) < TOL);
  const { res, X } = residualOf(term(p, "rateOff"));
  res.forEach((v, r) => assert.ok(Math.abs(v + X[2 * r + 1]) < TOL, `row ${r}`));
});

test("dirichlet: u = 0 at x = 0 and x = pi; a value function gives the offset", () => {
  const both = [
    { input: "x", side: "min" },
    { input: "x", side: "max" },
  ] as const;
  const p = twoFieldProblem(TX(), {
    bc: dirichlet("u", both, 0),
    bcOff: dirichlet("u", both, (q) => q.t),
    bcV: dirichlet("v", [{ input: "x", side: "max" }], (q) => 3 + Math.PI * q.t),
  });
  // sin(pi) = 1.2e-16 in float64
  assert.ok(maxAbs(residualOf(term(p, "bc")).res) < TOL);
  assert.ok(maxAbs(residualOf(term(p, "bcV")).res) < TOL);
  const { res, X } = residualOf(term(p, "bcOff"));
  res.forEach((v, r) => assert.ok(Math.abs(v + X[2 * r]) < TOL, `row ${r}: -t`));
});

test("neumann: the outward normal derivative has the right sign on both faces", () => {
  // u_x = cos(x) cos(t): at x = 0 the outward normal is -x, du/dn = -cos t; at x = pi it is +x,
  // du/dn = cos(pi) cos t = -cos t. So du/dn = -cos t holds on both faces, and a sign error on
  // either face would leave 2 cos t there.
  const both = [
    { input: "x", side: "min" },
    { input: "x", side: "max" },
  ] as const;
  const p = twoFieldProblem(TX(), {
    flux: neumann("u", both, (q) => -Math.cos(q.t)),
    left: neumann("u", [both[0]], 0),
    right: neumann("u", [both[1]], 0),
    fluxV: neumann("v", both, (q) => (q.x === 0 ? -q.t : q.t)), // v_x = t
  });
  const { res, rows } = residualOf(term(p, "flux"), 10);
  assert.equal(rows, 10);
  assert.ok(maxAbs(res) < TOL, `max ${maxAbs(res)}`);
  assert.ok(maxAbs(residualOf(term(p, "fluxV")).res) < TOL);
  // the outward derivative alone: -u_x on the left face, +u_x on the right
  const left = residualOf(term(p, "left"));
  left.res.forEach((v, r) => assert.ok(Math.abs(v + Math.cos(left.X[2 * r])) < TOL, `left ${r}`));
  const right = residualOf(term(p, "right"));
  right.res.forEach((v, r) =>
    assert.ok(Math.abs(v + Math.cos(right.X[2 * r])) < TOL, `right ${r}`),
  );
});

test("periodic: differences of u and its x-derivatives between x = lo and x = hi", () => {
  // on [0, 2 pi] u = sin x cos t is periodic with every derivative; on [0, pi] u matches
  // (sin 0 = sin pi) but u_x does not: cos 0 - cos pi = 2, times cos t
  const p2pi = twoFieldProblem(TX([0, 2 * Math.PI]), { per: periodic("u", "x", 3) });
  const r2pi = residualOf(term(p2pi, "per"), 5);
  assert.equal(r2pi.res.length, 4 * 5, "value and 3 derivatives for 5 pairs");
  // sin/cos of 2 pi in float64: ~2.4e-16 absolute
  assert.ok(maxAbs(r2pi.res) < TOL);
  const ppi = twoFieldProblem(TX(), { per: periodic("u", "x", 1) });
  const { res, X } = residualOf(term(ppi, "per"), 5);
  assert.equal(res.length, 10);
  for (let r = 0; r < 5; r++) {
    assert.ok(Math.abs(res[r]) < TOL, `value ${r}`);
    const want = 2 * Math.cos(X[2 * r]);
    assert.ok(Math.abs(res[5 + r] - want) < TOL, `slope ${r}: ${res[5 + r]} vs ${want}`);
  }
});

test("data: residual is u(points) - values", () => {
  const pts = [
    [0.2, 1],
    [0.7, 2],
  ];
  const exact = pts.map(([t, x]) => Math.sin(x) * Math.cos(t));
  const p = twoFieldProblem(TX(), {
    obs: data("u", pts, exact),
    obsOff: data("u", pts, [exact[0] + 1, exact[1] - 3]),
  });
  assert.ok(maxAbs(residualOf(term(p, "obs")).res) < TOL);
  const off = residualOf(term(p, "obsOff")).res;
  assert.ok(Math.abs(off[0] + 1) < TOL && Math.abs(off[1] - 3) < TOL, `${off}`);
});
