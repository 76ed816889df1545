// Jet layouts: closure under sub-derivatives, channel order, and the Faa di Bruno / Leibniz tables,
// checked against hand-written formulas and against exact polynomial arithmetic.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startEngine } from "../../src/engine/index.js";
import {
  type FdbTerm,
  type JetLayout,
  type LeibnizTerm,
  MAX_ORDER,
  type MultiIndex,
  jetLayout,
  miKey,
} from "../../src/jet/multiindex.js";

await startEngine();

const keys = (l: JetLayout): string[] => l.channels.map(miKey);

/** Channel index by multi-index, failing the test when it is absent. */
function ix(l: JetLayout, mi: MultiIndex): number {
  const i = l.indexOf(mi);
  assert.ok(i !== undefined, `channel ${miKey(mi)} missing`);
  return i;
}

/** Canonical text of a Faa di Bruno term in terms of multi-index keys, for set comparison. */
function fdbText(l: JetLayout, t: FdbTerm): string {
  const chans = t.channels.map((c) => `[${miKey(l.channels[c])}]`).sort();
  return `${t.coef}*f${t.order}*${chans.join("")}`;
}

function leibText(l: JetLayout, t: LeibnizTerm): string {
  return `${t.coef}*[${miKey(l.channels[t.left])}][${miKey(l.channels[t.right])}]`;
}

test("value-only layout: one channel, order 0", () => {
  const l = jetLayout(3, []);
  assert.deepEqual(keys(l), [""]);
  assert.equal(l.maxOrder, 0);
  assert.equal(l.dims, 3);
  assert.equal(l.indexOf([]), 0);
});

test("u_xxxx pulls in x, xx, xxx (closure under sub-derivatives)", () => {
  const l = jetLayout(1, [[0, 0, 0, 0]]);
  assert.deepEqual(keys(l), ["", "0", "0,0", "0,0,0", "0,0,0,0"]);
  assert.equal(l.maxOrder, 4);
});

test("u_tx pulls in t and x; the order of the wanted index does not matter", () => {
  const a = jetLayout(2, [[0, 1]]);
  const b = jetLayout(2, [[1, 0]]);
  assert.deepEqual(keys(a), ["", "0", "1", "0,1"]);
  assert.deepEqual(keys(b), keys(a));
  assert.equal(a.indexOf([1, 0]), a.indexOf([0, 1]));
  assert.equal(a.indexOf([1, 1]), undefined);
});

test("channels are ordered by derivative order, then by index, without duplicates", () => {
  const l = jetLayout(3, [[2, 2, 2, 2], [0, 1, 2], [1, 0], [0, 0, 1, 1], [2], [0, 1]]);
  const k = keys(l);
  assert.equal(new Set(k).size, k.length);
  // closure: every sub-multiset of every wanted index is present
  for (const mi of l.channels) {
    for (let drop = 0; drop < mi.length; drop++) {
      const sub = mi.filter((_, i) => i !== drop);
      assert.ok(l.indexOf(sub) !== undefined, `${miKey(sub)} (from ${miKey(mi)}) missing`);
    }
  }
  for (let i = 1; i < l.channels.length; i++) {
    const [a, b] = [l.channels[i - 1], l.channels[i]];
    assert.ok(a.length < b.length || (a.length === b.length && miKey(a) < miKey(b)), `${k}`);
  }
  // hand count: order 0: 1; order 1: 0,1,2; order 2: 00,01,02,11,12,22; order 3: 001,011,012,
  // 222; order 4: 0011, 2222
  assert.deepEqual(k, [
    "",
    "0",
    "1",
    "2",
    "0,0",
    "0,1",
    "0,2",
    "1,1",
    "1,2",
    "2,2",
    "0,0,1",
    "0,1,1",
    "0,1,2",
    "2,2,2",
    "0,0,1,1",
    "2,2,2,2",
  ]);
});

const BELL = [1, 1, 2, 5, 15];

test("Faa di Bruno coefficients of every channel sum to the Bell number of its order", () => {
  const l = jetLayout(3, [
    [0, 0, 0, 0],
    [0, 0, 1, 1],
    [0, 1, 2, 2],
    [0, 1, 2],
  ]);
  l.channels.forEach((mi, c) => {
    const sum = l.fdb[c].reduce((s, t) => s + t.coef, 0);
    assert.equal(sum, BELL[mi.length], `channel ${miKey(mi)}`);
    // a term of f^(k) multiplies exactly k channels whose orders add up to the channel's order
    for (const t of l.fdb[c]) {
      assert.equal(t.channels.length, t.order);
      assert.equal(
        t.channels.reduce((s, ch) => s + l.channels[ch].length, 0),
        mi.length,
      );
    }
  });
  assert.deepEqual(
    l.fdb[0].map((t) => [t.coef, t.order, t.channels.length]),
    [[1, 0, 0]],
  );
});

test("1-D Faa di Bruno up to order 4 matches the textbook formulas", () => {
  const l = jetLayout(1, [[0, 0, 0, 0]]);
  const text = (mi: MultiIndex) => l.fdb[ix(l, mi)].map((t) => fdbText(l, t)).sort();
  // (f o g)' = f' g'
  assert.deepEqual(text([0]), ["1*f1*[0]"]);
  // (f o g)'' = f'' g'^2 + f' g''
  assert.deepEqual(text([0, 0]), ["1*f1*[0,0]", "1*f2*[0][0]"].sort());
  // (f o g)''' = f''' g'^3 + 3 f'' g' g'' + f' g'''
  assert.deepEqual(text([0, 0, 0]), ["1*f3*[0][0][0]", "3*f2*[0,0][0]", "1*f1*[0,0,0]"].sort());
  // (f o g)'''' = f'''' g'^4 + 6 f''' g'^2 g'' + 3 f'' g''^2 + 4 f'' g' g''' + f' g''''
  assert.deepEqual(
    text([0, 0, 0, 0]),
    [
      "1*f4*[0][0][0][0]",
      "6*f3*[0,0][0][0]",
      "3*f2*[0,0][0,0]",
      "4*f2*[0,0,0][0]",
      "1*f1*[0,0,0,0]",
    ].sort(),
  );
});

test("mixed Faa di Bruno: d_t d_x and d_t d_x d_x by hand", () => {
  const l = jetLayout(2, [[0, 1, 1]]);
  const text = (mi: MultiIndex) => l.fdb[ix(l, mi)].map((t) => fdbText(l, t)).sort();
  // d_t d_x f(g) = f'' g_t g_x + f' g_tx
  assert.deepEqual(text([0, 1]), ["1*f2*[0][1]", "1*f1*[0,1]"].sort());
  // partitions of {t, x1, x2}: {t}{x1}{x2}; {t x1}{x2} and {t x2}{x1}; {t}{x1 x2}; {t x1 x2}
  assert.deepEqual(
    text([0, 1, 1]),
    ["1*f3*[0][1][1]", "2*f2*[0,1][1]", "1*f2*[0][1,1]", "1*f1*[0,1,1]"].sort(),
  );
});

test("Leibniz: binomial coefficients for repeated indices, 2^m in total", () => {
  const l = jetLayout(2, [
    [1, 1, 1, 1],
    [0, 1, 1],
    [0, 0, 1, 1],
  ]);
  const text = (mi: MultiIndex) => l.leibniz[ix(l, mi)].map((t) => leibText(l, t)).sort();
  // (f g)'''' = f g'''' + 4 f' g''' + 6 f'' g'' + 4 f''' g' + f'''' g
  assert.deepEqual(
    text([1, 1, 1, 1]),
    ["1*[][1,1,1,1]", "4*[1][1,1,1]", "6*[1,1][1,1]", "4*[1,1,1][1]", "1*[1,1,1,1][]"].sort(),
  );
  // d_t d_x d_x (f g): subsets of {t, x1, x2}
  assert.deepEqual(
    text([0, 1, 1]),
    ["1*[][0,1,1]", "1*[0][1,1]", "2*[1][0,1]", "2*[0,1][1]", "1*[1,1][0]", "1*[0,1,1][]"].sort(),
  );
  l.channels.forEach((mi, c) => {
    assert.equal(
      l.leibniz[c].reduce((s, t) => s + t.coef, 0),
      2 ** mi.length,
      `channel ${miKey(mi)}`,
    );
  });
  // for u_ttxx the coefficient of [t^a x^b] [t^(2-a) x^(2-b)] is C(2, a) C(2, b)
  const binom2 = [1, 2, 1];
  for (const t of l.leibniz[ix(l, [0, 0, 1, 1])]) {
    const left = l.channels[t.left];
    const a = left.filter((i) => i === 0).length;
    const b = left.filter((i) => i === 1).length;
    assert.equal(t.coef, binom2[a] * binom2[b], leibText(l, t));
  }
});

// ---------------------------------------------------------------------------------------------
// Exact check of both tables with polynomials in (t, x): for g and h polynomials, f(s) = s^3,
// the derivatives of f(g) and g*h are computed exactly by polynomial arithmetic and compared to
// the tables evaluated at a point.

type Poly = Map<string, number>; // "i,j" -> coefficient of t^i x^j

function poly(terms: [number, number, number][]): Poly {
  const p: Poly = new Map();
  for (const [c, i, j] of terms) p.set(`${i},${j}`, (p.get(`${i},${j}`) ?? 0) + c);
  return p;
}

function pmul(a: Poly, b: Poly): Poly {
  const out: Poly = new Map();
  for (const [ka, ca] of a) {
    const [ia, ja] = ka.split(",").map(Number);
    for (const [kb, cb] of b) {
      const [ib, jb] = kb.split(",").map(Number);
      const k = `${ia + ib},${ja + jb}`;
      out.set(k, (out.get(k) ?? 0) + ca * cb);
    }
  }
  return out;
}

function pdiff(a: Poly, v: number): Poly {
  const out: Poly = new Map();
  for (const [k, c] of a) {
    const e = k.split(",").map(Number);
    if (e[v] === 0) continue;
    const n = e[v];
    e[v] -= 1;
    const key = e.join(",");
    out.set(key, (out.get(key) ?? 0) + c * n);
  }
  return out;
}

function pderiv(a: Poly, mi: MultiIndex): Poly {
  return mi.reduce((p, v) => pdiff(p, v), a);
}

function peval(a: Poly, t: number, x: number): number {
  let s = 0;
  for (const [k, c] of a) {
    const [i, j] = k.split(",").map(Number);
    s += c * t ** i * x ** j;
  }
  return s;
}

test("both tables reproduce exact derivatives of f(g) and g*h for polynomials", () => {
  const l = jetLayout(2, [
    [0, 0, 0, 0],
    [0, 0, 0, 1],
    [0, 0, 1, 1],
    [0, 1, 1, 1],
    [1, 1, 1, 1],
  ]);
  assert.equal(l.channels.length, 15); // every multi-index of order <= 4 in 2 inputs
  const g = poly([
    [0.5, 0, 0],
    [1.5, 1, 0],
    [-2, 0, 1],
    [0.7, 2, 1],
    [1.1, 1, 3],
    [-0.4, 3, 2],
  ]);
  const h = poly([
    [1, 0, 0],
    [-0.3, 2, 0],
    [0.9, 1, 2],
    [2.2, 0, 4],
  ]);
  const g3 = pmul(pmul(g, g), g);
  const gh = pmul(g, h);
  const [t0, x0] = [0.37, -0.61];
  const gd = l.channels.map((mi) => peval(pderiv(g, mi), t0, x0));
  const hd = l.channels.map((mi) => peval(pderiv(h, mi), t0, x0));
  const s = gd[0];
  const fDerivs = [s ** 3, 3 * s ** 2, 6 * s, 6, 0]; // f(s) = s^3
  l.channels.forEach((mi, c) => {
    const fdb = l.fdb[c].reduce(
      (acc, term) =>
        acc + term.coef * fDerivs[term.order] * term.channels.reduce((p, ch) => p * gd[ch], 1),
      0,
    );
    const exact = peval(pderiv(g3, mi), t0, x0);
    // a handful of O(10) products in float64: agreement to ~1e-13 relative
    assert.ok(Math.abs(fdb - exact) <= 1e-12 * (1 + Math.abs(exact)), `fdb ${miKey(mi)}`);
    const leib = l.leibniz[c].reduce(
      (acc, term) => acc + term.coef * gd[term.left] * hd[term.right],
      0,
    );
    const exactGh = peval(pderiv(gh, mi), t0, x0);
    assert.ok(Math.abs(leib - exactGh) <= 1e-12 * (1 + Math.abs(exactGh)), `leibniz ${miKey(mi)}`);
  });
});

test("errors: order above 4, index out of range or not an integer", () => {
  assert.equal(MAX_ORDER, 4);
  assert.throws(
    () => jetLayout(1, [[0, 0, 0, 0, 0]]),
    /derivative order 5 exceeds the supported maximum 4/,
  );
  assert.throws(() => jetLayout(2, [[0, 2]]), /derivative index 2 out of range for 2 inputs/);
  assert.throws(() => jetLayout(2, [[-1]]), /derivative index -1 out of range/);
  assert.throws(() => jetLayout(2, [[0.5]]), /derivative index 0.5 out of range/);
});
