// Every weighting scheme's update against its paper's formula computed by hand on given inputs,
// over several steps (moving averages included); ReLoBRaLo reproducible from its seed; the
// self-adaptive ascent step by hand; errors that name the missing input; the factory's exhaustive
// dispatch and configuration checks.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { TermInfo } from "../../src/loss/gradients.js";
import { fromData, startEngine } from "../../src/engine/index.js";
import { Rng } from "../../src/util/rng.js";
import {
  type GradSummary,
  type RelobraloState,
  type TermWeights,
  type WeightingConfig,
  WEIGHTING_KINDS,
  defaultWeightingConfig,
  fixedWeighting,
  gradNormWeighting,
  lraWeighting,
  makeWeighting,
  maskArray,
  maskDerivative,
  maskValue,
  normWeighting,
  ntkWeighting,
  relobraloBalance,
  relobraloWeighting,
  selfAdaptiveAdamAscent,
  selfAdaptiveAscent,
  selfAdaptivePointWeights,
  selfAdaptiveWeighting,
  validateWeightingConfig,
} from "../../src/weighting/index.js";

await startEngine();

const TERMS: TermInfo[] = [
  { name: "res", kind: "residual" },
  { name: "bc", kind: "dirichlet" },
  { name: "ic", kind: "initial" },
];

const stats = (norm: number, maxAbs: number, meanAbs: number): GradSummary => ({
  norm,
  maxAbs,
  meanAbs,
});

function close(a: number, b: number, what: string, tol = 1e-12): void {
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
}

function closeW(a: TermWeights, b: TermWeights, what: string, tol = 1e-12): void {
  assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), what);
  for (const k of Object.keys(b)) close(a[k], b[k], `${what}.${k}`, tol);
}

test("fixed: the initial weights, unchanged; initial weights are checked", () => {
  const w = fixedWeighting();
  let s = w.init(TERMS, { ic: 100 });
  assert.deepEqual(s.weights, { res: 1, bc: 1, ic: 100 });
  for (let k = 0; k < 3; k++) {
    const [weights, s2] = w.update({ step: k, losses: { res: k, bc: 1, ic: 2 } }, s);
    assert.deepEqual(weights, { res: 1, bc: 1, ic: 100 });
    s = s2;
  }
  assert.equal(s.updates, 3);
  assert.throws(
    () => w.init(TERMS, { bcc: 1 }),
    /initial weight for unknown term "bcc" \(terms: res, bc, ic\)/,
  );
  assert.throws(
    () => w.init(TERMS, { bc: -1 }),
    /initial weight of "bc" must be finite and >= 0, got -1/,
  );
  assert.throws(() => w.init([], {}), /no terms/);
});

test("gradnorm lra: lambda <- (1 - alpha) lambda + alpha max|g_res| / mean|g_i| (Wang, Teng & Perdikaris eq. 40-41)", () => {
  const w = lraWeighting({ kind: "gradnorm", variant: "lra" }); // alpha = 0.9
  let s = w.init(TERMS, { ic: 2 });
  const steps = [
    { res: stats(5, 2.0, 0.3), bc: stats(0.1, 0.05, 0.01), ic: stats(3, 1, 0.5) },
    { res: stats(4, 1.0, 0.2), bc: stats(0.2, 0.08, 0.02), ic: stats(1, 0.9, 0.25) },
    { res: stats(4, 3.0, 0.2), bc: stats(0.2, 0.08, 0.06), ic: stats(1, 0.9, 0.3) },
  ];
  // by hand, alpha = 0.9 on the new estimate and 0.1 on the old weight:
  // step 0: bc = 0.1 * 1 + 0.9 * 2.0 / 0.01 = 180.1;  ic = 0.1 * 2 + 0.9 * 2.0 / 0.5 = 3.8
  // step 1: bc = 0.1 * 180.1 + 0.9 * 1.0 / 0.02 = 63.01;  ic = 0.1 * 3.8 + 0.9 * 1.0 / 0.25 = 3.98
  // step 2: bc = 0.1 * 63.01 + 0.9 * 3.0 / 0.06 = 51.301;  ic = 0.1 * 3.98 + 0.9 * 3.0 / 0.3 = 9.398
  const want = [
    { res: 1, bc: 180.1, ic: 3.8 },
    { res: 1, bc: 63.01, ic: 3.98 },
    { res: 1, bc: 51.301, ic: 9.398 },
  ];
  steps.forEach((g, k) => {
    const before = JSON.stringify(s);
    const [weights, s2] = w.update({ step: k, losses: {}, gradStats: g }, s);
    assert.equal(JSON.stringify(s), before, "the old state is not modified");
    closeW(weights, want[k], `step ${k}`);
    closeW(s2.weights, want[k], `state ${k}`);
    s = s2;
  });
  // the authors' code: 0.9 on the old weight, mean over the weighted term's gradient
  const code = lraWeighting({ kind: "gradnorm", variant: "lra", alpha: 0.1, weighted: true });
  const [wc] = code.update(
    { step: 0, losses: {}, gradStats: steps[0] },
    code.init(TERMS, { ic: 2 }),
  );
  // bc: 0.9 * 1 + 0.1 * 2.0 / (1 * 0.01) = 20.9; ic: 0.9 * 2 + 0.1 * 2.0 / (2 * 0.5) = 2
  closeW(wc, { res: 1, bc: 20.9, ic: 2 }, "authors' variant");
});

test("gradnorm lra: several residual terms, zero gradients, missing inputs", () => {
  const terms: TermInfo[] = [
    { name: "r1", kind: "residual" },
    { name: "r2", kind: "residual" },
    { name: "bc", kind: "neumann" },
    { name: "obs", kind: "data" },
  ];
  const w = lraWeighting({ kind: "gradnorm", variant: "lra", alpha: 0.5 });
  const s = w.init(terms);
  const g = {
    r1: stats(1, 0.4, 0.1),
    r2: stats(1, 1.6, 0.1),
    bc: stats(1, 1, 0.2),
    obs: stats(0, 0, 0),
  };
  const [weights] = w.update({ step: 0, losses: {}, gradStats: g }, s);
  // max over the residual terms = 1.6; obs has mean |g| = 0 and keeps its weight
  closeW(weights, { r1: 1, r2: 1, bc: 0.5 + (0.5 * 1.6) / 0.2, obs: 1 }, "two residuals");
  assert.throws(
    () => w.update({ step: 0, losses: {} }, s),
    /weighting "gradnorm \(lra\)" needs inputs\.gradStats/,
  );
  assert.throws(
    () => w.update({ step: 0, losses: {}, gradStats: { r1: g.r1, r2: g.r2, bc: g.bc } }, s),
    /inputs\.gradStats has no entry for term "obs"/,
  );
  assert.throws(
    () => w.update({ step: 0, losses: {}, gradStats: { ...g, bc: stats(NaN, 1, 1) } }, s),
    /inputs\.gradStats\.bc is not finite/,
  );
  assert.throws(
    () => w.init([{ name: "bc", kind: "dirichlet" }]),
    /needs a term of kind "residual"/,
  );
});

test("gradnorm norm (jaxpi): lambda_hat = sum_j ||g_j|| / ||g_i||, moving average with momentum 0.9 on the old value", () => {
  const w = normWeighting({ kind: "gradnorm", variant: "norm" });
  let s = w.init(TERMS);
  const g0 = { res: stats(10, 1, 1), bc: stats(0.1, 1, 1), ic: stats(1, 1, 1) };
  const g1 = { res: stats(8, 1, 1), bc: stats(0.4, 1, 1), ic: stats(1.6, 1, 1) };
  // step 0: sum = 11.1 -> hat = (1.11, 111, 11.1); w = 0.9 * 1 + 0.1 * hat = (1.011, 12.0, 2.01)
  // step 1: sum = 10 -> hat = (1.25, 25, 6.25); w = 0.9 * w + 0.1 * hat = (1.0349, 13.3, 2.434)
  let weights: TermWeights;
  [weights, s] = w.update({ step: 0, losses: {}, gradStats: g0 }, s);
  closeW(weights, { res: 1.011, bc: 12, ic: 2.01 }, "step 0");
  [weights, s] = w.update({ step: 1, losses: {}, gradStats: g1 }, s);
  closeW(weights, { res: 1.0349, bc: 13.3, ic: 2.434 }, "step 1");
  assert.equal(s.updates, 2);
  // jaxpi's code: the mean of the norms (sum / 3), momentum 0
  const mean = gradNormWeighting({
    kind: "gradnorm",
    variant: "norm",
    reduce: "mean",
    momentum: 0,
  });
  const [wm] = mean.update({ step: 0, losses: {}, gradStats: g0 }, mean.init(TERMS));
  closeW(wm, { res: 3.7 / 10, bc: 3.7 / 0.1, ic: 3.7 }, "mean");
  assert.throws(
    () => w.update({ step: 0, losses: {} }, s),
    /"gradnorm \(norm\)" needs inputs\.gradStats/,
  );
});

test("ntk: lambda_i = Tr(K) / Tr(K_ii) (Wang, Yu & Perdikaris 2022), optional momentum", () => {
  const w = ntkWeighting();
  let s = w.init(TERMS);
  let weights: TermWeights;
  [weights, s] = w.update({ step: 0, losses: {}, ntkTraces: { res: 900, bc: 60, ic: 40 } }, s);
  closeW(weights, { res: 1000 / 900, bc: 1000 / 60, ic: 25 }, "step 0");
  [weights, s] = w.update({ step: 1, losses: {}, ntkTraces: { res: 100, bc: 100, ic: 200 } }, s);
  closeW(weights, { res: 4, bc: 4, ic: 2 }, "step 1: no memory with momentum 0");
  // each block's effective trace lambda_i Tr(K_ii) equals Tr(K)
  for (const [k, v] of Object.entries({ res: 100, bc: 100, ic: 200 }))
    close(weights[k] * v, 400, k);
  const m = ntkWeighting({ kind: "ntk", momentum: 0.9 });
  let sm = m.init(TERMS, { bc: 10 });
  [weights, sm] = m.update({ step: 0, losses: {}, ntkTraces: { res: 900, bc: 60, ic: 40 } }, sm);
  const m0 = { res: 0.9 + 100 / 900, bc: 9 + 100 / 60, ic: 0.9 + 2.5 };
  closeW(weights, m0, "momentum, step 0");
  [weights, sm] = m.update({ step: 1, losses: {}, ntkTraces: { res: 100, bc: 100, ic: 200 } }, sm);
  closeW(
    weights,
    { res: 0.9 * m0.res + 0.4, bc: 0.9 * m0.bc + 0.4, ic: 0.9 * m0.ic + 0.2 },
    "momentum, step 1",
  );
  assert.equal(sm.updates, 2);
  assert.throws(
    () => w.update({ step: 0, losses: {} }, s),
    /weighting "ntk" needs inputs\.ntkTraces; none was given/,
  );
  assert.throws(
    () => w.update({ step: 0, losses: {}, ntkTraces: { res: 1, bc: 1 } }, s),
    /inputs\.ntkTraces has no entry for term "ic"/,
  );
  assert.throws(
    () => w.update({ step: 0, losses: {}, ntkTraces: { res: 1, bc: Infinity, ic: 1 } }, s),
    /inputs\.ntkTraces\.bc is Infinity/,
  );
});

/** ReLoBRaLo by hand, the paper's formula with the reference implementation's first two updates. */
function relobraloByHand(
  losses: Record<string, number>[],
  seed: number,
  alpha: number,
  T: number,
  pRho: number,
): { weights: TermWeights[]; rhos: number[] } {
  const names = Object.keys(losses[0]);
  const bal = (now: Record<string, number>, ref: Record<string, number>) => {
    const e = names.map((n) => Math.exp(now[n] / (T * ref[n])));
    const sum = e.reduce((a, b) => a + b, 0);
    return Object.fromEntries(names.map((n, i) => [n, (names.length * e[i]) / sum]));
  };
  const rng = new Rng(seed);
  let lam: TermWeights = Object.fromEntries(names.map((n) => [n, 1]));
  const weights: TermWeights[] = [];
  const rhos: number[] = [];
  losses.forEach((L, t) => {
    let rho = 1;
    if (t === 1) lam = bal(L, losses[0]);
    else if (t >= 2) {
      rho = rng.uniform() < pRho ? 1 : 0;
      const back = bal(L, losses[0]);
      const prev = bal(L, losses[t - 1]);
      lam = Object.fromEntries(
        names.map((n) => [n, alpha * (rho * lam[n] + (1 - rho) * back[n]) + (1 - alpha) * prev[n]]),
      );
    }
    weights.push(lam);
    rhos.push(rho);
  });
  return { weights, rhos };
}

function lossSequence(n: number): Record<string, number>[] {
  return Array.from({ length: n }, (_, t) => ({
    res: 2 * Math.exp(-0.05 * t) * (1 + 0.1 * Math.sin(t)),
    bc: 0.5 * Math.exp(-0.01 * t),
    ic: 0.1 / (1 + 0.2 * t),
  }));
}

function runRelobralo(
  config: WeightingConfig & { kind: "relobralo" },
  losses: Record<string, number>[],
) {
  const w = relobraloWeighting(config);
  let s: RelobraloState = w.init(TERMS);
  const weights: TermWeights[] = [];
  const rhos: number[] = [];
  losses.forEach((L, step) => {
    const [wt, s2] = w.update({ step, losses: L }, s);
    weights.push(wt);
    rhos.push(s2.lastRho);
    s = s2;
  });
  return { weights, rhos, state: s };
}

test("relobralo: the update by hand over 60 steps, lookbacks included, and the first two updates", () => {
  const losses = lossSequence(60);
  const cfg = {
    kind: "relobralo" as const,
    alpha: 0.9,
    temperature: 0.5,
    expectedRho: 0.7,
    seed: 4,
  };
  const got = runRelobralo(cfg, losses);
  const want = relobraloByHand(losses, 4, 0.9, 0.5, 0.7);
  assert.deepEqual(got.rhos, want.rhos);
  assert.ok(want.rhos.includes(0) && want.rhos.slice(2).includes(1), "both branches of rho taken");
  got.weights.forEach((w, t) => closeW(w, want.weights[t], `update ${t}`));
  // the first update keeps the initial weights, the second is bal(t, t - 1) alone
  closeW(got.weights[0], { res: 1, bc: 1, ic: 1 }, "first");
  closeW(got.weights[1], relobraloBalance(losses[1], losses[0], 0.5), "second");
  // softmax balance: weights sum to the number of terms; the slowest term weighs most
  const b = relobraloBalance({ a: 1, b: 1, c: 1 }, { a: 2, b: 1, c: 4 }, 0.1);
  close(b.a + b.b + b.c, 3, "sum");
  assert.ok(b.b > b.a && b.a > b.c);
  // E[rho] = 1: never look back; E[rho] = 0: always
  assert.ok(runRelobralo({ ...cfg, expectedRho: 1 }, losses).rhos.every((r) => r === 1));
  assert.ok(
    runRelobralo({ ...cfg, expectedRho: 0 }, losses)
      .rhos.slice(2)
      .every((r) => r === 0),
  );
});

test("relobralo: reproducible from its seed, the state carries the generator, inputs are checked", () => {
  const losses = lossSequence(40);
  const a = runRelobralo({ kind: "relobralo", seed: 11, expectedRho: 0.5 }, losses);
  const b = runRelobralo({ kind: "relobralo", seed: 11, expectedRho: 0.5 }, losses);
  const c = runRelobralo({ kind: "relobralo", seed: 12, expectedRho: 0.5 }, losses);
  assert.deepEqual(a.weights, b.weights);
  assert.deepEqual(a.rhos, b.rhos);
  assert.notDeepEqual(a.rhos, c.rhos);
  // resuming from a mid-run state (e.g. a checkpoint as JSON) continues the same sequence
  const w = relobraloWeighting({ kind: "relobralo", seed: 11, expectedRho: 0.5 });
  let s = w.init(TERMS);
  for (let t = 0; t < 20; t++) s = w.update({ step: t, losses: losses[t] }, s)[1];
  let resumed = JSON.parse(JSON.stringify(s)) as RelobraloState;
  for (let t = 20; t < 40; t++) {
    const [wt, s2] = w.update({ step: t, losses: losses[t] }, resumed);
    assert.deepEqual(wt, a.weights[t]);
    resumed = s2;
  }
  // defaults of the reference implementation
  const d = runRelobralo({ kind: "relobralo" }, losses);
  const hand = relobraloByHand(losses, 0, 0.999, 0.1, 0.99);
  d.weights.forEach((wt, t) => closeW(wt, hand.weights[t], `default ${t}`));
  assert.throws(
    () => w.update({ step: 0, losses: { res: 1, bc: 1 } }, w.init(TERMS)),
    /weighting "relobralo": inputs\.losses has no entry for term "ic"/,
  );
  assert.throws(
    () => w.update({ step: 0, losses: { res: 1, bc: NaN, ic: 1 } }, w.init(TERMS)),
    /inputs\.losses\.bc is NaN/,
  );
});

test("self-adaptive: the ascent step lambda += lr m'(lambda) r^2 / n by hand, masks and their derivatives", () => {
  // polynomial q = 2: m' = 2 lambda; n = 3, lr = 0.5
  const l1 = selfAdaptiveAscent(Float64Array.of(1, 1, 1), Float64Array.of(4, 1, 0), 0.5);
  assert.deepEqual([...l1], [1 + (0.5 * 2 * 4) / 3, 1 + (0.5 * 2 * 1) / 3, 1]);
  const l2 = selfAdaptiveAscent(l1, Float64Array.of(1, 1, 1), 0.5);
  l2.forEach((v, j) => close(v, l1[j] + (0.5 * 2 * l1[j]) / 3, `second step ${j}`));
  const sig = { kind: "sigmoid", c: 2 } as const;
  const poly3 = { kind: "polynomial", q: 3, c: 0.5 } as const;
  for (const lam of [-2, -0.3, 0, 0.7, 3]) {
    close(maskValue(sig, lam), 2 / (1 + Math.exp(-lam)), "sigmoid");
    close(maskValue(poly3, lam), 0.5 * lam ** 3, "poly");
    for (const mask of [sig, poly3]) {
      const h = 1e-6;
      const fd = (maskValue(mask, lam + h) - maskValue(mask, lam - h)) / (2 * h);
      close(maskDerivative(mask, lam), fd, `${mask.kind}' at ${lam}`, 1e-8);
    }
  }
  const s1 = selfAdaptiveAscent(Float64Array.of(0, 1), Float64Array.of(2, 2), 1, sig);
  close(s1[0], 0 + (2 * 0.25 * 2) / 2, "sigmoid ascent");
  assert.throws(
    () => selfAdaptiveAscent(Float64Array.of(1), Float64Array.of(1, 2), 1),
    /1 weights but 2 squared residuals/,
  );
  // the jax-js mask matches the JS one
  const lamArr = [0.5, -1, 2];
  for (const mask of [sig, poly3, { kind: "polynomial" } as const]) {
    const got = maskArray(mask, fromData(lamArr, [3], "float64")).dataSync();
    lamArr.forEach((l, j) =>
      close(got[j], maskValue(mask, l), `maskArray ${mask.kind} ${j}`, 1e-6),
    );
  }
});

test("self-adaptive weighting: per-point state over several updates, point weights, errors", () => {
  const cfg = { kind: "self-adaptive" as const, lr: 0.3, terms: ["bc", "ic"] };
  const w = selfAdaptiveWeighting(cfg);
  let s = w.init(TERMS, { ic: 10 });
  assert.deepEqual(Object.keys(s.lambdas), ["bc", "ic"]);
  assert.deepEqual(selfAdaptivePointWeights(cfg, s, { bc: 2, ic: 3 }), {
    bc: Float64Array.of(1, 1),
    ic: Float64Array.of(1, 1, 1),
  });
  const r2 = [
    { bc: Float64Array.of(0.5, 0), ic: Float64Array.of(1, 2, 3) },
    { bc: Float64Array.of(0.1, 0.2), ic: Float64Array.of(0, 0, 1) },
  ];
  let bc = Float64Array.of(1, 1);
  let ic = Float64Array.of(1, 1, 1);
  r2.forEach((r, step) => {
    const [weights, s2] = w.update({ step, losses: {}, pointResiduals2: r }, s);
    assert.deepEqual(weights, { res: 1, bc: 1, ic: 10 }, "term weights stay");
    bc = bc.map((l, j) => l + (0.3 * 2 * l * r.bc[j]) / 2);
    ic = ic.map((l, j) => l + (0.3 * 2 * l * r.ic[j]) / 3);
    (s2.lambdas.bc as Float64Array).forEach((v, j) => close(v, bc[j], `bc ${step} ${j}`));
    (s2.lambdas.ic as Float64Array).forEach((v, j) => close(v, ic[j], `ic ${step} ${j}`));
    s = s2;
  });
  const pw = selfAdaptivePointWeights(cfg, s);
  pw.ic.forEach((v, j) => close(v, ic[j] ** 2, `m(lambda) ${j}`));
  assert.throws(
    () => w.update({ step: 2, losses: {} }, s),
    /needs inputs\.pointResiduals2 \(per-point squared residuals of bc, ic\)/,
  );
  assert.throws(
    () => w.update({ step: 2, losses: {}, pointResiduals2: { bc: Float64Array.of(1, 1) } }, s),
    /inputs\.pointResiduals2 has no entry for term "ic"/,
  );
  assert.throws(
    () =>
      w.update(
        {
          step: 2,
          losses: {},
          pointResiduals2: { bc: Float64Array.of(1), ic: Float64Array.of(1, 1, 1) },
        },
        s,
      ),
    /term "bc" has 2 per-point weights but 1 residuals; its points must stay fixed/,
  );
  assert.throws(
    () => selfAdaptivePointWeights(cfg, w.init(TERMS)),
    /term "bc" has no weights yet; give counts\.bc/,
  );
  assert.throws(
    () => selfAdaptiveWeighting({ ...cfg, terms: ["bcc"] }).init(TERMS),
    /weighting\.terms: no term named "bcc"/,
  );
});

test("makeWeighting: every kind, state-kind checks, configuration errors name the field", () => {
  const inputs = {
    step: 0,
    losses: { res: 1, bc: 0.1, ic: 0.2 },
    gradStats: { res: stats(1, 1, 0.1), bc: stats(0.1, 0.1, 0.01), ic: stats(0.2, 0.2, 0.02) },
    ntkTraces: { res: 10, bc: 1, ic: 1 },
    pointResiduals2: { res: Float64Array.of(1), bc: Float64Array.of(1), ic: Float64Array.of(1) },
  };
  for (const kind of WEIGHTING_KINDS) {
    const cfg = defaultWeightingConfig(kind);
    assert.equal(cfg.kind, kind);
    validateWeightingConfig(cfg);
    const w = makeWeighting(cfg);
    const s = w.init(TERMS);
    const [weights, s2] = w.update(inputs, s);
    assert.deepEqual(Object.keys(weights), ["res", "bc", "ic"], kind);
    assert.ok(Object.values(weights).every(Number.isFinite), kind);
    assert.equal(s2.updates, 1);
  }
  assert.deepEqual(defaultWeightingConfig("gradnorm"), { kind: "gradnorm", variant: "lra" });
  const norm = makeWeighting({ kind: "gradnorm", variant: "norm" });
  const fixedState = makeWeighting({ kind: "fixed" }).init(TERMS);
  assert.throws(
    () => norm.update(inputs, fixedState),
    /a "fixed" state was given to the "grad-norm" scheme/,
  );
  const bad: [WeightingConfig, RegExp][] = [
    [{ kind: "gradnorm", variant: "lra", alpha: 0 }, /weighting\.alpha must be in \(0, 1\], got 0/],
    [
      { kind: "gradnorm", variant: "norm", momentum: 1.5 },
      /weighting\.momentum must be in \[0, 1\], got 1\.5/,
    ],
    [{ kind: "ntk", momentum: -0.1 }, /weighting\.momentum must be in \[0, 1\]/],
    [
      { kind: "relobralo", temperature: 0 },
      /weighting\.temperature must be in \(0, Infinity\], got 0/,
    ],
    [{ kind: "relobralo", expectedRho: 2 }, /weighting\.expectedRho must be in \[0, 1\]/],
    [{ kind: "relobralo", seed: 0.5 }, /weighting\.seed must be an integer/],
    [
      { kind: "self-adaptive", mask: { kind: "polynomial", q: 1.5 } },
      /weighting\.mask\.q must be a positive integer/,
    ],
    [{ kind: "self-adaptive", lr: -1 }, /weighting\.lr must be in \[0, Infinity\]/],
  ];
  for (const [cfg, re] of bad) {
    assert.throws(() => validateWeightingConfig(cfg), re, JSON.stringify(cfg));
    assert.throws(() => makeWeighting(cfg), re, JSON.stringify(cfg));
  }
  const unknown = { kind: "softadapt" } as unknown as WeightingConfig;
  assert.throws(
    () => makeWeighting(unknown),
    /unknown kind "softadapt" \(kinds: fixed, gradnorm, ntk, relobralo, self-adaptive\)/,
  );
  assert.throws(
    () =>
      validateWeightingConfig({ kind: "gradnorm", variant: "adam" } as unknown as WeightingConfig),
    /weighting\.variant: unknown "adam" \(use "lra" or "norm"\)/,
  );
  assert.throws(
    () =>
      validateWeightingConfig({
        kind: "self-adaptive",
        mask: { kind: "relu" },
      } as unknown as WeightingConfig),
    /weighting\.mask\.kind: unknown "relu"/,
  );
});

test("self-adaptive with Adam: two ascent steps by hand (Kingma & Ba with bias correction)", () => {
  // n = 2, polynomial q = 2 (m' = 2 lambda), lr = 0.1
  const r2 = Float64Array.of(4, 0.5);
  const g1 = [(2 * 1 * 4) / 2, (2 * 1 * 0.5) / 2]; // [4, 0.5]
  const a1 = selfAdaptiveAdamAscent(Float64Array.of(1, 1), r2, 0.1, 1, null);
  g1.forEach((g, j) => {
    close(a1.m[j], 0.1 * g, `m1 ${j}`);
    close(a1.v[j], 0.001 * g * g, `v1 ${j}`);
    close(a1.lambda[j], 1 + (0.1 * g) / (Math.abs(g) + 1e-8), `lambda1 ${j}`);
  });
  const a2 = selfAdaptiveAdamAscent(a1.lambda, r2, 0.1, 2, a1);
  for (let j = 0; j < 2; j++) {
    const g = (2 * a1.lambda[j] * r2[j]) / 2;
    const m = 0.9 * a1.m[j] + 0.1 * g;
    const v = 0.999 * a1.v[j] + 0.001 * g * g;
    const step = (0.1 * (m / (1 - 0.9 ** 2))) / (Math.sqrt(v / (1 - 0.999 ** 2)) + 1e-8);
    close(a2.lambda[j], a1.lambda[j] + step, `lambda2 ${j}`);
  }
  // the scheme with optimizer "adam" carries the moments in its state
  const w = selfAdaptiveWeighting({ kind: "self-adaptive", lr: 0.1, optimizer: "adam" });
  const terms = [{ name: "res", kind: "residual" as const }];
  let s = w.init(terms);
  [, s] = w.update({ step: 1, losses: { res: 1 }, pointResiduals2: { res: r2 } }, s);
  [, s] = w.update({ step: 2, losses: { res: 1 }, pointResiduals2: { res: r2 } }, s);
  assert.deepEqual([...(s.lambdas.res ?? [])], [...a2.lambda]);
  assert.deepEqual([...(s.moments?.res.m ?? [])], [...a2.m]);
});
