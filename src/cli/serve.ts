/**
 * `pinnlab serve [--store DIR] [--port N] [--host H]`: start the read-only dashboard over a run
 * store (src/serve). Binds 127.0.0.1 unless `--host` says otherwise; runs until interrupted.
 */
import { existsSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { createServer } from "../serve/server.js";
import { UsageError } from "./errors.js";

/** The default port of `pinnlab serve`. */
export const DEFAULT_PORT = 8750;

/** Parse the options, listen, and print the address. */
export async function serve(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      store: { type: "string", default: "runs" },
      port: { type: "string", default: String(DEFAULT_PORT) },
      host: { type: "string", default: "127.0.0.1" },
    },
  });
  if (positionals.length > 0) throw new UsageError(`serve: unexpected "${positionals[0]}"`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port ${values.port}: must be an integer from 0 to 65535`);
  if (!existsSync(values.store) || !statSync(values.store).isDirectory())
    throw new UsageError(`--store ${values.store}: no such directory`);
  const app = await createServer({ store: values.store });
  const address = await app.listen({ host: values.host, port });
  process.stdout.write(`pinnlab: serving ${values.store} at ${address} (Ctrl-C stops)\n`);
  const stop = () => {
    void app.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return 0;
}
