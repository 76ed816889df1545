// Geometry: exact measures, outward unit normals, named pieces, sampling proportional to
// area/length (within statistical bounds), CSG, Sobol stratification, polygon validation, ADFs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { rectangle, timeSpace } from "../../src/geometry/box.js";
import {
  difference,
  disk,
  ellipse,
  inDomain,
  intersection,
  polygon,
  selectPieces,
  sphere,
  spatialShape,
  triangle,
  union,
  cuboid,
} from "../../src/geometry/domain.js";
import { sampleBoundary, sampleInterior } from "../../src/geometry/sample.js";
import { numberOps } from "../../src/problem/smooth.js";
import { sobolPoints } from "../../src/sampling/sobol.js";
import { Rng } from "../../src/util/rng.js";

const L_SHAPE = [
  [0, 0],
  [2, 0],
  [2, 1],
  [1, 1],
  [1, 2],
  [0, 2],
];

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

/** A binomial proportion k/n against p within 4.5 standard deviations. */
function proportion(k: number, n: number, p: number, what: string) {
  const sd = Math.sqrt((p * (1 - p)) / n);
  assert.ok(Math.abs(k / n - p) <= 4.5 * sd + 1e-12, `${what}: ${k}/${n} vs ${p}`);
}

test("exact measures: areas, volumes, piece lengths", () => {
  close(spatialShape(disk([1, 2], 0.5)).measure ?? 0, Math.PI * 0.25, 1e-15, "disk area");
  close(spatialShape(ellipse([0, 0], [2, 1])).measure ?? 0, 2 * Math.PI, 1e-15, "ellipse area");
  close(spatialShape(polygon(L_SHAPE)).measure ?? 0, 3, 1e-15, "L-shape area");
  close(spatialShape(triangle([0, 0], [2, 0], [0, 1])).measure ?? 0, 1, 1e-15, "triangle");
  close(spatialShape(sphere([0, 0, 0], 2)).measure ?? 0, (32 / 3) * Math.PI, 1e-12, "ball");
  close(spatialShape(cuboid([0, 0, 0], [1, 2, 3])).measure ?? 0, 6, 1e-15, "cuboid");
  const L = spatialShape(polygon(L_SHAPE));
  assert.deepEqual(
    L.pieces.map((p) => [p.name, p.measure]),
    [
      ["edge0", 2],
      ["edge1", 1],
      ["edge2", 1],
      ["edge3", 1],
      ["edge4", 1],
      ["edge5", 2],
    ],
  );
  close(spatialShape(disk([0, 0], 2)).pieces[0].measure, 4 * Math.PI, 1e-12, "circumference");
  // Ramanujan's perimeter of the (2, 1) ellipse, accurate to ~1e-5 relative here
  const ram = Math.PI * (9 - Math.sqrt(7 * 5));
  close(spatialShape(ellipse([0, 0], [2, 1])).pieces[0].measure, ram, 1e-4, "ellipse perimeter");
  close(spatialShape(sphere([0, 0, 0], 2)).pieces[0].measure, 16 * Math.PI, 1e-12, "sphere area");
  assert.deepEqual(
    spatialShape(cuboid([0, 0, 0], [1, 2, 3])).pieces.map((p) => [p.name, p.measure]),
    [
      ["x.min", 6],
      ["x.max", 6],
      ["y.min", 3],
      ["y.max", 3],
      ["z.min", 2],
      ["z.max", 2],
    ],
  );
});

test("outward unit normals on every piece (polygon either orientation, disk, hole, sphere)", () => {
  const L = spatialShape(polygon(L_SHAPE));
  const want = [
    [0, -1],
    [1, 0],
    [0, 1],
    [1, 0],
    [0, 1],
    [-1, 0],
  ];
  L.pieces.forEach((p, i) =>
    assert.deepEqual(
      p.normal(p.at([0.5])).map((v) => Math.round(v) + 0),
      want[i],
    ),
  );
  // the same L given clockwise: the edges are renamed along the new order, normals still outward
  const cw = spatialShape(polygon([...L_SHAPE].reverse()));
  for (const p of cw.pieces) {
    const m = p.at([0.5]);
    const nrm = p.normal(m);
    const out = [m[0] + 1e-6 * nrm[0], m[1] + 1e-6 * nrm[1]];
    const inn = [m[0] - 1e-6 * nrm[0], m[1] - 1e-6 * nrm[1]];
    assert.ok(cw.sd(out) > 0 && cw.sd(inn) < 0, `${p.name}: outward`);
  }
  const sq = difference(rectangle([-1, 1], [-1, 1]), disk([0, 0], 0.5, { name: "hole" }));
  const s = sampleBoundary(
    sq,
    "uniform",
    new Rng(1),
    400,
    selectPieces(spatialShape(sq), ["hole"], "t"),
  );
  for (let i = 0; i < 400; i++) {
    const [x, y] = [s.X[2 * i], s.X[2 * i + 1]];
    const [nx, ny] = [s.normals[2 * i], s.normals[2 * i + 1]];
    close(Math.hypot(x, y), 0.5, 1e-12, "on the hole");
    close(nx, -x / 0.5, 1e-12, "hole normal points into the hole (out of the domain)");
    close(ny, -y / 0.5, 1e-12, "hole normal y");
  }
  const b = sampleBoundary(sphere([1, 0, 0], 2), "sobol", new Rng(2), 100, [0]);
  for (let i = 0; i < 100; i++) {
    const n = [0, 1, 2].map((k) => b.normals[3 * i + k]);
    close(Math.hypot(...n), 1, 1e-12, "unit");
    close(n[0], (b.X[3 * i] - 1) / 2, 1e-12, "radial");
  }
  const e = sampleBoundary(ellipse([0, 0], [2, 1]), "uniform", new Rng(3), 200, [0]);
  for (let i = 0; i < 200; i++) {
    const [x, y] = [e.X[2 * i], e.X[2 * i + 1]];
    close((x / 2) ** 2 + y ** 2, 1, 1e-12, "on the ellipse");
    // the normal is parallel to the gradient (x/4, y)
    const [nx, ny] = [e.normals[2 * i], e.normals[2 * i + 1]];
    close(nx * y - ny * (x / 4), 0, 1e-12, "parallel to the gradient");
    assert.ok(nx * x + ny * y > 0, "outward");
  }
});

test("interior sampling is proportional to area (L-shape, CSG) for every sampler", () => {
  const L = polygon(L_SHAPE);
  for (const kind of ["uniform", "lhs", "sobol"] as const) {
    const n = 3000;
    const X = sampleInterior(L, kind, new Rng(7), n);
    const counts = [0, 0, 0];
    for (let i = 0; i < n; i++) {
      const [x, y] = [X[2 * i], X[2 * i + 1]];
      assert.ok(inDomain(L, [x, y]), `${kind}: (${x}, ${y}) outside`);
      counts[x < 1 && y < 1 ? 0 : x >= 1 ? 1 : 2]++;
    }
    counts.forEach((c, k) => proportion(c, n, 1 / 3, `${kind}: unit square ${k}`));
  }
  // a square with a hole: no point in the hole, the ring r in [0.5, 0.75) holds its area share
  const sq = difference(rectangle([-1, 1], [-1, 1]), disk([0, 0], 0.5));
  const n = 4000;
  const X = sampleInterior(sq, "lhs", new Rng(8), n);
  let ring = 0;
  for (let i = 0; i < n; i++) {
    const r = Math.hypot(X[2 * i], X[2 * i + 1]);
    assert.ok(r >= 0.5, "in the hole");
    if (r < 0.75) ring++;
  }
  proportion(ring, n, (Math.PI * (0.75 ** 2 - 0.25)) / (4 - Math.PI * 0.25), "ring share");
  // the disk's polar map: the inner disk of radius 1/2 holds a quarter of the points
  const D = sampleInterior(disk([0, 0], 1), "uniform", new Rng(9), n);
  let inner = 0;
  for (let i = 0; i < n; i++) if (Math.hypot(D[2 * i], D[2 * i + 1]) < 0.5) inner++;
  proportion(inner, n, 0.25, "inner disk");
  // the ball: radius < 1/2 holds an eighth
  const B = sampleInterior(sphere([0, 0, 0], 1), "uniform", new Rng(10), n);
  let core = 0;
  for (let i = 0; i < n; i++) if (Math.hypot(B[3 * i], B[3 * i + 1], B[3 * i + 2]) < 0.5) core++;
  proportion(core, n, 1 / 8, "inner ball");
});

test("boundary sampling is proportional to length over the selected pieces", () => {
  const L = polygon(L_SHAPE);
  const shape = spatialShape(L);
  const n = 4000;
  const s = sampleBoundary(L, "uniform", new Rng(11), n, selectPieces(shape, ["boundary"], "t"));
  const counts = new Array<number>(6).fill(0);
  for (const p of s.piece) counts[p]++;
  shape.pieces.forEach((p, i) => proportion(counts[i], n, p.measure / 8, p.name));
  // a square with a hole: the hole's share is its circumference over the whole boundary
  const sq = difference(rectangle([-1, 1], [-1, 1]), disk([0, 0], 0.5, { name: "hole" }));
  const all = sampleBoundary(
    sq,
    "sobol",
    new Rng(12),
    n,
    selectPieces(spatialShape(sq), ["boundary"], "t"),
  );
  let onHole = 0;
  for (let i = 0; i < n; i++) if (Math.hypot(all.X[2 * i], all.X[2 * i + 1]) < 0.75) onHole++;
  proportion(onHole, n, Math.PI / (8 + Math.PI), "hole share");
  // union of two overlapping disks: no boundary point inside the other disk
  const u = union(disk([0, 0], 1), disk([1, 0], 1));
  const ub = sampleBoundary(u, "uniform", new Rng(13), 1000, [0, 1]);
  for (let i = 0; i < 1000; i++) {
    const [x, y] = [ub.X[2 * i], ub.X[2 * i + 1]];
    assert.ok(Math.hypot(x, y) >= 1 - 1e-9 && Math.hypot(x - 1, y) >= 1 - 1e-9, "trimmed");
  }
  // each disk keeps 2/3 of its circle (the arcs beyond x = 1/2)
  let left = 0;
  for (const p of ub.piece) if (p === 0) left++;
  proportion(left, 1000, 0.5, "symmetric arcs");
  // intersection: a quarter disk's boundary is two unit segments and a quarter circle
  const q = intersection(disk([0, 0], 1), rectangle([0, 1], [0, 1]));
  const qb = sampleBoundary(
    q,
    "uniform",
    new Rng(14),
    n,
    selectPieces(spatialShape(q), ["boundary"], "t"),
  );
  let arc = 0;
  for (let i = 0; i < n; i++) if (Math.hypot(qb.X[2 * i], qb.X[2 * i + 1]) > 1 - 1e-9) arc++;
  proportion(arc, n, Math.PI / 2 / (2 + Math.PI / 2), "quarter arc share");
});

test("time x shape: time uniform, pinned for initial slices; named pieces and unknown names", () => {
  const d = timeSpace([0, 2], disk([0, 0], 1, { name: "outer" }));
  assert.deepEqual(d.inputs, ["t", "x", "y"]);
  const X = sampleInterior(d, "uniform", new Rng(15), 2000);
  let early = 0;
  for (let i = 0; i < 2000; i++) if (X[3 * i] < 1) early++;
  proportion(early, 2000, 0.5, "t < 1");
  const I = sampleInterior(d, "lhs", new Rng(16), 100, 0);
  for (let i = 0; i < 100; i++) assert.equal(I[3 * i], 0);
  assert.deepEqual(selectPieces(spatialShape(d), ["outer"], "bc"), [0]);
  assert.throws(
    () => selectPieces(spatialShape(d), ["hole"], "conditions.bc.on"),
    /conditions\.bc\.on: no boundary piece "hole" \(known: boundary, outer, circle\)/,
  );
});

test("polygon validation names what is wrong", () => {
  assert.throws(
    () =>
      polygon([
        [0, 0],
        [1, 0],
      ]),
    /at least 3 vertices/,
  );
  assert.throws(
    () =>
      polygon([
        [0, 0],
        [1, 0],
        [1, 1],
        [0, 0],
      ]),
    /last vertex repeats the first/,
  );
  // a bow tie: edges 0 and 2 cross
  assert.throws(
    () =>
      polygon([
        [0, 0],
        [1, 1],
        [1, 0],
        [0, 1],
      ]),
    /not simple \(edges 0 and 2 cross\)/,
  );
  assert.throws(
    () =>
      polygon([
        [0, 0],
        [1, 0],
        [2, 0],
      ]),
    /zero area/,
  );
  assert.throws(() => union(timeSpace([0, 1], disk([0, 0], 1)), disk([0, 0], 1)), /add time/);
});

test("Sobol points: every dyadic square of a 256-point set holds one point", () => {
  const u = sobolPoints(new Rng(17), 256, 2);
  for (const [a, b] of [
    [16, 16],
    [256, 1],
    [1, 256],
    [8, 32],
  ]) {
    const seen = new Set<number>();
    for (let i = 0; i < 256; i++)
      seen.add(Math.floor(u[2 * i] * a) * b + Math.floor(u[2 * i + 1] * b));
    assert.equal(seen.size, 256, `${a}x${b} boxes`);
  }
});

test("approximate distance functions vanish on their pieces and are positive inside", () => {
  const sq = difference(rectangle([-1, 1], [-1, 1]), disk([0, 0], 0.5, { name: "hole" }));
  const L = polygon(L_SHAPE);
  for (const d of [sq, L]) {
    const shape = spatialShape(d);
    const s = sampleBoundary(
      d,
      "uniform",
      new Rng(18),
      200,
      shape.pieces.map((_, i) => i),
    );
    for (let i = 0; i < 200; i++) {
      const p = { x: s.X[2 * i], y: s.X[2 * i + 1] };
      const phi = shape.pieces[s.piece[i]].adf(numberOps(p), ["x", "y"]);
      close(phi, 0, 1e-7, `adf on ${shape.pieces[s.piece[i]].name}`);
    }
    const X = sampleInterior(d, "uniform", new Rng(19), 200);
    for (let i = 0; i < 200; i++) {
      const p = { x: X[2 * i], y: X[2 * i + 1] };
      for (const piece of shape.pieces) {
        assert.ok(piece.adf(numberOps(p), ["x", "y"]) > 0, `${piece.name} > 0 inside`);
      }
    }
  }
});

test("evaluation on a non-box domain: the reference grid masked to the domain", async () => {
  const { defineProblem, domainMask, evaluationAxes } =
    await import("../../src/problem/problem.js");
  const { relativeL2 } = await import("../../src/train/evaluate.js");
  const { dirichlet } = await import("../../src/problem/conditions.js");
  const L = polygon(L_SHAPE);
  const axes = evaluationAxes(L);
  assert.deepEqual(
    axes.map((a) => a.length),
    [101, 101],
  );
  const mask = domainMask(L, axes);
  assert.ok(mask);
  // the notch (1, 2] x (1, 2] is out: 50 x 50 of the 101 x 101 grid points
  assert.equal(
    mask.reduce((s, v) => s + v, 0),
    101 * 101 - 50 * 50,
  );
  assert.equal(domainMask(rectangle([0, 1], [0, 1]), axes), null, "a plain box keeps every point");
  // an exact reference is NaN outside and masked; the error skips the masked points
  const p = defineProblem({
    name: "masked",
    domain: L,
    fields: ["u"],
    residuals: { res: ({ d }) => d("u", "xx") },
    conditions: { bc: dirichlet("u", "boundary", 0) },
    exact: (q) => q.x + q.y,
  });
  const ref = (p.reference as () => { values: Record<string, Float64Array>; mask?: Uint8Array })();
  assert.deepEqual(ref.mask, mask);
  const u = ref.values.u;
  assert.ok(Number.isNaN(u[u.length - 1]), "the notch's corner (2, 2) is NaN");
  const pred = { u: u.map((v) => (Number.isNaN(v) ? 123 : v * 1.01)) };
  const err = relativeL2(pred, ref.values, ref.mask);
  assert.ok(Math.abs(err - 0.01) < 1e-12, `masked error ${err}`);
});
