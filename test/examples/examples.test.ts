// Every example runs in CI with a shortened budget and must still reach a real accuracy.
import { spawnSync } from "node:child_process";
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

test("examples/heat.ts trains the heat equation to a few per cent in 800 steps", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", "examples/heat.ts"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, PINNLAB_EXAMPLE_STEPS: "800" },
  });
  assert.equal(r.status, 0, r.stderr);
  const m = /rel_l2 (\S+)/.exec(r.stdout);
  assert.ok(m, r.stdout);
  // measured 1.6e-2 at 800 steps (7.8e-2 at 300); 5e-2 leaves seed/platform slack, not a pass-anything bound
  assert.ok(Number(m[1]) < 5e-2, `rel_l2 ${m[1]}`);
});

/** Run an example with a shortened budget; its stdout. */
function runExample(file: string, steps: number): string {
  const r = spawnSync(process.execPath, ["--import", "tsx", file], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, PINNLAB_EXAMPLE_STEPS: String(steps) },
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test("examples/lshape.ts: Poisson on the L-shape with exact Dirichlet data (ADF) to 3e-2", () => {
  const m = /rel_l2 (\S+)/.exec(runExample("examples/lshape.ts", 300));
  assert.ok(m);
  // measured 1.2e-2 at 300 steps (2.8e-4 at 800)
  assert.ok(Number(m[1]) < 3e-2, `rel_l2 ${m[1]}`);
});

test("examples/diffusion-inverse.ts recovers the diffusivity C = 1 from 2 within 5%", () => {
  const m = /^C (\S+)$/m.exec(runExample("examples/diffusion-inverse.ts", 400));
  assert.ok(m);
  // measured 0.9817 after 400 Adam steps + 200 L-BFGS iterations
  assert.ok(Math.abs(Number(m[1]) - 1) < 0.05, `C ${m[1]}`);
});

/** The number after `name ` in an example's output. */
function value(out: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)`, "m").exec(out);
  assert.ok(m, `no "${name}" in:\n${out}`);
  return Number(m[1]);
}

test("examples/burgers-inverse.ts: l1 and l2 within 2% after 150 Adam + 450 SSBroyden steps", () => {
  const out = runExample("examples/burgers-inverse.ts", 150);
  const l1 = value(out, "l1");
  const l2 = value(out, "l2");
  const nu = 0.01 / Math.PI;
  // measured l1 0.99793 (2.1e-3), l2 3.1967e-3 (4.3e-3), rel_l2 6.5e-3, 33 s on the loaded
  // machine; 100 Adam steps are too few (l2 collapses to 0), the full budget reaches 3e-6 and 9e-5
  assert.ok(Math.abs(l1 - 1) < 0.02, out);
  assert.ok(Math.abs(l2 / nu - 1) < 0.02, out);
  assert.ok(value(out, "rel_l2") < 3e-2, out);
});

test("examples/reaction-inverse.ts: kf and D within 5% after 50 Adam + 150 SSBroyden steps", () => {
  const out = runExample("examples/reaction-inverse.ts", 50);
  // measured kf 0.09740 (2.6e-2), D 1.9706e-3 (1.5e-2), rel_l2 3.4e-3, 14 s CPU (68 s wall on
  // the loaded machine); 150 + 450 reaches 6.5e-4 and 1.7e-4
  assert.ok(Math.abs(value(out, "kf") / 0.1 - 1) < 0.05, out);
  assert.ok(Math.abs(value(out, "D") / 2e-3 - 1) < 0.05, out);
  assert.ok(value(out, "rel_l2") < 1e-2, out);
});

test("examples/lorenz-inverse.ts: C1, C2, C3 within 5% after 150 Adam + 450 SSBroyden steps", () => {
  const out = runExample("examples/lorenz-inverse.ts", 150);
  // measured C1 9.79695 (2.0e-2), C2 14.9889 (7.4e-4), C3 2.63696 (1.1e-2), 8 s; 200 + 600 gives
  // 1.3e-3 (13 s), the full budget (1000 + 3000) 3e-7 to 3e-6 on seeds 0-2
  const truth: Record<string, number> = { C1: 10, C2: 15, C3: 8 / 3 };
  for (const [k, v] of Object.entries(truth)) {
    assert.ok(Math.abs(value(out, k) / v - 1) < 0.05, `${k}:\n${out}`);
  }
});

// DeepXDE's examples (docs/COVERAGE.md), each on a short budget against its exact solution or
// pinnlab's own reference; the full-budget errors are in docs/BENCHMARKS.md.
const FORWARD: readonly [file: string, steps: number, bound: number, measured: string][] = [
  ["laplace-disk", 200, 2e-2, "2.1e-3"],
  ["poisson-robin", 200, 1e-2, "9.1e-4"],
  ["poisson-neumann", 300, 1e-3, "9.5e-5"],
  ["euler-beam", 600, 2e-2, "2.9e-3"],
  ["volterra-ide", 300, 2e-2, "2.4e-3"],
  // issue 11's target (1e-2 in under 5 minutes) on the short budget: 300 + 150 L-BFGS, ~50 s wall
  ["poisson-lshape", 300, 1e-2, "4.6e-3"],
  // the ODE ports at their full (cheap) budgets: ~12 s and ~30 s wall on the loaded machine
  ["ode-2nd", 1000, 2e-3, "4.3e-4"],
  ["ode-system", 2000, 3e-2, "9.3e-3"],
  ["poisson-periodic", 300, 1e-3, "1.2e-4"],
  // 20 time-marching windows, 100 Adam steps + 50 L-BFGS in the first and 50 + 50 in each
  // other: ~12 s CPU (28 s wall on the loaded machine)
  ["lotka-volterra", 100, 1e-1, "3.5e-2"],
];
for (const [file, steps, bound, measured] of FORWARD) {
  test(`examples/${file}.ts: rel L2 < ${bound} in ${steps} Adam steps + L-BFGS (measured ${measured})`, () => {
    const err = value(runExample(`examples/${file}.ts`, steps), "rel_l2");
    assert.ok(err < bound, `rel_l2 ${err}`);
  });
}

test("examples/brinkman-forchheimer.ts: K within 10% and u to 1e-1 in 400 Adam steps + L-BFGS", () => {
  const out = runExample("examples/brinkman-forchheimer.ts", 400);
  // measured rel_l2 3.6e-2, K 1.0195e-3 (true 1e-3), nuE 1.70e-3 (true 1e-3, not yet identified
  // at this budget; 1.0035e-3 at the full budget)
  assert.ok(value(out, "rel_l2") < 1e-1, out);
  assert.ok(Math.abs(value(out, "K") / 1e-3 - 1) < 0.1, out);
});

// The heavier ports need minutes even on their shortest useful budget (two shared CPU cores):
// they run at their full budget, asserting its measured error, when PINNLAB_SLOW_EXAMPLES=1.
const slow = process.env.PINNLAB_SLOW_EXAMPLES === "1";
const SKIP = "slow example: set PINNLAB_SLOW_EXAMPLES=1 (full budget, minutes)";
if (!slow) console.log(`# examples: ${SKIP}`);
const FULL: readonly [file: string, bound: number, measured: string][] = [
  ["helmholtz-hole", 1e-2, "1.35e-3"],
  ["kovasznay", 5e-2, "2.3e-2"],
  ["elasticity-plate", 3e-2, "1.07e-2"],
  // against the exact scattering series, which the absorbing condition itself misses by 9-20%
  ["helmholtz-sound-hard", 1.5e-1, "8.7e-2"],
];
for (const [file, bound, measured] of FULL) {
  test(
    `examples/${file}.ts at its full budget: rel L2 < ${bound} (measured ${measured})`,
    { skip: slow ? false : SKIP },
    () => {
      const r = spawnSync(process.execPath, ["--import", "tsx", `examples/${file}.ts`], {
        cwd: root,
        encoding: "utf8",
      });
      assert.equal(r.status, 0, r.stderr);
      const err = value(r.stdout, "rel_l2");
      assert.ok(err < bound, `rel_l2 ${err}`);
    },
  );
}
