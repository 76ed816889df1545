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
