// Presets: every built-in problem has plain and best; both resolve; user overrides win.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PROBLEMS } from "../../src/problems/index.js";
import { PRESET_TABLE } from "../../src/problems/presets.js";
import { resolveRun } from "../../src/train/resolve.js";

test("every built-in problem has a plain and a best preset that resolve", () => {
  for (const name of Object.keys(PROBLEMS)) {
    assert.ok(PRESET_TABLE[name], `${name} has presets`);
    const plain = resolveRun(name, [], "plain");
    assert.deepEqual(plain.config, resolveRun(name, []).config, `${name}: plain is the defaults`);
    assert.equal(plain.config.arch, "mlp");
    assert.equal(plain.config.weighting, "fixed");
    assert.equal(plain.config.causal, false);
    resolveRun(name, [], "best");
  }
});

test("user --set overrides apply after the preset; unknown presets are named", () => {
  const r = resolveRun("helmholtz2d", [["width", 7]], "best");
  assert.equal(r.config.width, 7, "the user's key wins");
  assert.equal(r.config.optimizer, "adam+ssbroyden", "the preset's other keys stay");
  assert.equal(r.config.precision, "float64");
  assert.throws(() => resolveRun("burgers", [], "fast"), /--preset fast: unknown preset/);
});
