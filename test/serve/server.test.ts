// `pinnlab serve` over HTTP: the JSON API (filters, sorting, suite table), the pages, the run's
// report, the live event stream (new history lines arrive within a second), and 404 for unknown
// ids and for every path that tries to leave the store or the playground folder.
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { openStore } from "../../src/store/db.js";
import { createServer } from "../../src/serve/server.js";
import { SECRET, record, writeFixture, type Fixture } from "./fixtures.js";

const root = mkdtempSync(path.join(os.tmpdir(), "pinnlab-serve-"));
let fx: Fixture;
let app: FastifyInstance;
let port = 0;

before(async () => {
  fx = writeFixture(root);
  app = await createServer({ store: fx.store, webDir: fx.web, pollMs: 50 });
  await app.listen({ host: "127.0.0.1", port: 0 });
  port = (app.server.address() as AddressInfo).port;
});
after(async () => {
  await app.close();
  rmSync(root, { recursive: true, force: true });
});

/** GET a raw path (sent exactly as written: no client-side normalisation). */
function get(p: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((ok, fail) => {
    const req = http.request({ host: "127.0.0.1", port, path: p, method: "GET" }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () =>
        ok({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]), body }),
      );
    });
    req.on("error", fail);
    req.end();
  });
}

const ids = (body: string) => (JSON.parse(body) as { id: string }[]).map((r) => r.id);

test("the runs API filters by problem, status and preset and sorts by date or error", async () => {
  const all = await get("/api/runs");
  assert.equal(all.status, 200);
  // newest first (inserted in this order, "escape" last)
  assert.deepEqual(ids(all.body), [
    "escape",
    fx.running,
    "2026-01-03-suite-convection-plain-s0",
    "2026-01-02-burgers",
    "2026-01-01-convection",
  ]);
  assert.deepEqual(ids((await get("/api/runs?problem=convection&sort=error")).body), [
    "2026-01-01-convection",
    "2026-01-03-suite-convection-plain-s0",
    fx.running,
  ]);
  assert.deepEqual(ids((await get("/api/runs?status=running")).body), [fx.running]);
  assert.deepEqual(ids((await get("/api/runs?preset=plain")).body), [
    fx.running,
    "2026-01-03-suite-convection-plain-s0",
    "2026-01-02-burgers",
  ]);
  const one = JSON.parse((await get("/api/runs/2026-01-01-convection")).body) as {
    preset: string;
    rel_l2: number;
  };
  assert.equal(one.preset, "best");
  assert.equal(one.rel_l2, 2e-3);
  const hist = JSON.parse((await get("/api/runs/2026-01-02-burgers/history")).body) as {
    step: number;
  }[];
  assert.deepEqual(
    hist.map((r) => r.step),
    [0, 10, 20],
  );
  assert.equal((await get("/api/runs/2026-01-02-burgers/evaluation")).body, "[]");
  const suite = JSON.parse((await get("/api/suite")).body) as {
    rows: { problem: string; preset: string; mean: number }[];
  };
  assert.deepEqual(
    suite.rows.map((r) => [r.problem, r.preset, r.mean]),
    [["convection", "plain", 1e-2]],
  );
});

test("pages and the run's report are served", async () => {
  for (const p of ["/", "/bench", "/compare?ids=a,b", `/runs/${fx.running}`]) {
    const r = await get(p);
    assert.equal(r.status, 200, p);
    assert.match(r.type, /text\/html/, p);
    assert.match(r.body, /<header><b>pinnlab<\/b>/, p);
  }
  const rep = await get("/runs/2026-01-01-convection/report");
  assert.equal(rep.status, 200);
  assert.equal(rep.body, "<html>report of 2026-01-01-convection</html>");
  assert.equal((await get(`/runs/${fx.running}/report`)).status, 404, "no report yet");
  const play = await get("/play/");
  assert.equal(play.status, 200);
  assert.match(play.body, /<title>play<\/title>/);
  const js = await get("/play/app.js");
  assert.match(js.type, /text\/javascript/);
});

test("unknown ids and paths out of the store or the playground are 404, never a file", async () => {
  const paths = [
    "/runs/nope",
    "/api/runs/nope",
    "/api/runs/nope/history",
    "/api/runs/nope/evaluation",
    "/api/runs/..%2f..%2fsecret.txt/evaluation",
    "/api/runs/nope/stream",
    "/runs/nope/report",
    "/runs/escape/report",
    "/api/runs/escape/history",
    "/runs/../secret.txt",
    "/runs/..%2fsecret.txt",
    "/runs/%2e%2e/report",
    "/runs/%2e%2e%2fsecret.txt",
    "/runs/%252e%252e%252fsecret.txt/report",
    "/api/runs/..%2f..%2fsecret.txt/history",
    "/api/runs/%2E%2E/history",
    "/api/runs/.%2e/stream",
    "/play/../secret.txt",
    "/play/..%2fsecret.txt",
    "/play/%2e%2e/secret.txt",
    "/play/%2e%2e%2fsecret.txt",
    "/play/%252e%252e%252fsecret.txt",
    "/play/..%5csecret.txt",
    "/play/leak.txt",
    "/play/%2fetc%2fpasswd",
    "/play//etc/passwd",
    "/play/app.js%00.html",
    "/play/%E0%A4%A",
    "/secret.txt",
    "/../secret.txt",
    "/%2e%2e/secret.txt",
    "/runs/2026-01-01-convection/../../secret.txt",
    "/runs/2026-01-01-convection/history.jsonl",
    "/runs/2026-01-01-convection/..%2f..%2fsecret.txt",
  ];
  for (const p of paths) {
    const r = await get(p);
    assert.equal(r.status, 404, `${p}: ${r.status} ${r.body.slice(0, 80)}`);
    assert.ok(!r.body.includes(SECRET), `${p} leaked the secret`);
    assert.ok(!r.body.includes("root:"), `${p} leaked /etc/passwd`);
  }
});

test("the event stream sends new history lines within a second, then ends with the run", async () => {
  const histPath = path.join(fx.store, fx.running, "history.jsonl");
  const events: { event: string; data: unknown; at: number }[] = [];
  const req = http.get({ host: "127.0.0.1", port, path: `/api/runs/${fx.running}/stream` });
  const ended = new Promise<void>((ok, fail) => {
    req.on("response", (res) => {
      assert.match(String(res.headers["content-type"]), /text\/event-stream/);
      let buf = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        buf += c;
        let k: number;
        while ((k = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, k);
          buf = buf.slice(k + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1] ?? "";
          const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? "null") as unknown;
          events.push({ event, data, at: performance.now() });
        }
      });
      res.on("end", ok);
    });
    req.on("error", fail);
  });
  const waitFor = async (pred: () => boolean, ms: number) => {
    const t0 = performance.now();
    while (!pred()) {
      if (performance.now() - t0 > ms) throw new Error(`timed out: ${JSON.stringify(events)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const steps = () =>
    events
      .filter((e) => e.event === "records")
      .flatMap((e) => (e.data as { records: { step: number }[] }).records.map((r) => r.step));
  await waitFor(() => steps().length === 3, 2000);
  assert.deepEqual(steps(), [0, 10, 20]);
  assert.ok(events.some((e) => e.event === "status"));

  // a line appended by the trainer arrives within a second; half a line waits for its newline
  const line = JSON.stringify(record(30));
  appendFileSync(histPath, line.slice(0, 20));
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(steps(), [0, 10, 20], "a half-written line is not sent");
  const t0 = performance.now();
  appendFileSync(histPath, line.slice(20) + "\n");
  await waitFor(() => steps().length === 4, 1000);
  assert.ok(performance.now() - t0 < 1000, "within a second");
  assert.deepEqual(steps(), [0, 10, 20, 30]);

  // the error at a checkpoint (evaluation.jsonl) arrives as an `evals` event
  appendFileSync(
    path.join(fx.store, fx.running, "evaluation.jsonl"),
    JSON.stringify({ step: 30, rel_l2: 0.25 }) + "\n",
  );
  await waitFor(() => events.some((e) => e.event === "evals"), 1000);
  assert.deepEqual(
    (events.find((e) => e.event === "evals")!.data as { records: unknown[] }).records,
    [{ step: 30, rel_l2: 0.25 }],
  );

  // the run ends: a status event, then the stream closes
  const db = openStore(fx.store, { create: false });
  db.updateRun(fx.running, { status: "completed", rel_l2: 0.5 });
  db.close();
  await ended;
  const last = events.at(-1)!;
  assert.equal(last.event, "end");
  assert.deepEqual(last.data, { status: "completed" });
});
