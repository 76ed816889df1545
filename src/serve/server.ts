/**
 * `pinnlab serve`: a read-only dashboard over a run store (Fastify). Pages: `/` (runs table),
 * `/runs/:id` (curves updated live by server-sent events tailing history.jsonl and
 * evaluation.jsonl), `/runs/:id/report` (the run's report.html), `/compare?ids=a,b` (overlays),
 * `/bench` (the benchmark suite's table) and `/play/` (the playground's static files, when
 * built). JSON under `/api/`.
 *
 * Nothing outside the store directory and the playground's folder is ever read: a run is reached
 * only by an id the store knows, and its files by fixed names; a static path is decoded once and
 * must resolve (links included) inside the playground's folder. Everything else is a 404.
 */
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import { benchPage, comparePage, runPage, runsPage } from "./pages.js";
import { storeView, tailer, type ListQuery } from "./runs.js";

/** Options of {@link createServer}. */
export interface ServeOptions {
  /** The store directory (holding pinnlab.db and the run directories). */
  store: string;
  /** The built playground (`npm run build:web`); default the package's `dist/web/`. */
  webDir?: string;
  /** How often the event stream looks for new records, ms (default 200). */
  pollMs?: number;
}

/** Where `npm run build:web` writes the playground: `dist/web/` of the package. */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL("../../dist/web/", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".map": "application/json",
};

const notFound = (reply: FastifyReply, what = "not found") =>
  reply.code(404).type("text/plain; charset=utf-8").send(`404 ${what}\n`);

const pick = <T extends string>(v: unknown, allowed: readonly T[]): T | undefined =>
  typeof v === "string" && (allowed as readonly string[]).includes(v) ? (v as T) : undefined;

/**
 * Build the dashboard server (not yet listening; `app.inject` works for tests).
 * @example
 * const app = await createServer({ store: "runs" });
 * await app.listen({ host: "127.0.0.1", port: 8750 });
 */
export async function createServer(o: ServeOptions): Promise<FastifyInstance> {
  const view = storeView(o.store);
  const pollMs = o.pollMs ?? 200;
  const webDir = o.webDir ?? DEFAULT_WEB_DIR;
  const app = Fastify({
    logger: false,
    // a URL that does not even decode names nothing here either: 404, like any unknown path
    frameworkErrors: (err, _req, reply) =>
      err.code === "FST_ERR_BAD_URL"
        ? notFound(reply)
        : (reply as FastifyReply).code(err.statusCode ?? 400).send({ error: err.message }),
  });
  app.addHook("onClose", async () => view.close());
  app.addHook("onSend", async (_req, reply) => {
    reply.header("X-Content-Type-Options", "nosniff");
  });

  const html = (reply: FastifyReply, body: string) =>
    reply.type("text/html; charset=utf-8").send(body);

  app.get("/", async (_req, reply) => html(reply, runsPage()));
  app.get("/compare", async (_req, reply) => html(reply, comparePage()));
  app.get("/bench", async (_req, reply) => html(reply, benchPage()));
  app.get<{ Params: { id: string } }>("/runs/:id", async (req, reply) =>
    view.get(req.params.id) ? html(reply, runPage(req.params.id)) : notFound(reply, "no such run"),
  );
  app.get<{ Params: { id: string } }>("/runs/:id/report", async (req, reply) => {
    const dir = view.runDir(req.params.id);
    const file = dir && join(dir, "report.html");
    if (!file || !existsSync(file)) return notFound(reply, "no report for this run");
    return html(reply, readFileSync(file, "utf8"));
  });

  app.get<{ Querystring: Record<string, unknown> }>("/api/runs", async (req) => {
    const q = req.query;
    const query: ListQuery = {
      problem: typeof q.problem === "string" ? q.problem : undefined,
      status: typeof q.status === "string" ? q.status : undefined,
      preset: typeof q.preset === "string" ? q.preset : undefined,
      sort: pick(q.sort, ["date", "error"] as const),
    };
    return view.list(query);
  });
  app.get<{ Params: { id: string } }>("/api/runs/:id", async (req, reply) => {
    const r = view.get(req.params.id);
    return r ?? notFound(reply, "no such run");
  });
  app.get<{ Params: { id: string } }>("/api/runs/:id/history", async (req, reply) => {
    const dir = view.runDir(req.params.id);
    if (!dir) return notFound(reply, "no such run");
    return tailer(join(dir, "history.jsonl"))().records;
  });
  app.get<{ Params: { id: string } }>("/api/runs/:id/evaluation", async (req, reply) => {
    const dir = view.runDir(req.params.id);
    if (!dir) return notFound(reply, "no such run");
    return tailer(join(dir, "evaluation.jsonl"))().records;
  });
  app.get("/api/suite", async () => view.suite());

  // server-sent events: `records` (new history lines; reset: the file was rewritten), `evals`
  // (the same for evaluation.jsonl, the rel L2 error at each checkpoint),
  // `status` (the run's row when it changes), `end` (the run is over and everything was sent)
  app.get<{ Params: { id: string } }>("/api/runs/:id/stream", (req, reply) => {
    const id = req.params.id;
    const dir = view.runDir(id);
    if (!dir) {
      void notFound(reply, "no such run");
      return;
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache",
      Connection: "keep-alive",
      "X-Content-Type-Options": "nosniff",
    });
    const send = (event: string, data: unknown) =>
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    const tail = tailer(join(dir, "history.jsonl"));
    const tailEvals = tailer(join(dir, "evaluation.jsonl"));
    let lastStatus = "";
    let timer: NodeJS.Timeout | undefined;
    let ticks = 0;
    const tick = () => {
      try {
        const t = tail();
        if (t.records.length || t.reset) send("records", t);
        const ev = tailEvals();
        if (ev.records.length || ev.reset) send("evals", ev);
        // the store row (status, steps, rel L2) at most once a second
        if (ticks++ % Math.max(1, Math.round(1000 / pollMs)) === 0) {
          const r = view.get(id);
          if (r) {
            const key = `${r.status}|${r.steps}|${r.rel_l2}`;
            if (key !== lastStatus) send("status", r);
            lastStatus = key;
            if (r.status !== "running" && t.records.length === 0 && ev.records.length === 0) {
              send("end", { status: r.status });
              stop();
              res.end();
              return;
            }
          }
        }
      } catch (e) {
        send("error", { message: (e as Error).message });
      }
      timer = setTimeout(tick, pollMs);
    };
    const stop = () => clearTimeout(timer);
    req.raw.on("close", stop);
    tick();
  });

  // the playground: static files under webDir, nothing else
  app.get("/play", async (_req, reply) => reply.redirect("/play/"));
  app.get("/play/*", async (req, reply) => {
    const raw = req.url.slice("/play/".length).split("?")[0];
    let rel: string;
    try {
      rel = decodeURIComponent(raw);
    } catch {
      return notFound(reply);
    }
    if (rel === "") rel = "index.html";
    if (rel.includes("\0") || !existsSync(webDir)) return notFound(reply, "playground not built");
    const root = realpathSync(webDir);
    const path = resolve(root, rel);
    if (!path.startsWith(root + sep) || !existsSync(path)) return notFound(reply);
    const real = realpathSync(path);
    if (!real.startsWith(root + sep) || !statSync(real).isFile()) return notFound(reply);
    return reply.type(TYPES[extname(real)] ?? "application/octet-stream").send(readFileSync(real));
  });

  app.setNotFoundHandler((_req, reply) => notFound(reply));
  return app;
}
