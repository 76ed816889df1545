// Lint config: typescript-eslint's recommended rules; CI runs with --max-warnings 0.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** Node's built-in modules, which the browser-capable core must not import. */
const NODE_BUILTINS = [
  "assert",
  "buffer",
  "child_process",
  "cluster",
  "crypto",
  "dgram",
  "dns",
  "events",
  "fs",
  "fs/promises",
  "http",
  "https",
  "module",
  "net",
  "os",
  "path",
  "perf_hooks",
  "process",
  "readline",
  "stream",
  "tls",
  "url",
  "util",
  "v8",
  "vm",
  "worker_threads",
  "zlib",
  "better-sqlite3",
];

export default tseslint.config(
  { ignores: ["node_modules", "dist", "runs", "build", "scratch", "artifacts", "docs-site"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
    },
  },
  {
    // plain JavaScript entry points and fixtures run on Node
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: {
      globals: { process: "readonly", console: "readonly", URL: "readonly" },
    },
  },
  {
    // the training core runs in browsers too (the playground's Web Worker): no Node built-ins
    // below the CLI, store, report, suite, serve and sweep layers. Node-only code moves up, or is
    // reached through a guarded dynamic import (src/kernels/assemble.ts's V8 flag).
    files: ["src/**/*.ts"],
    ignores: [
      "src/cli/**",
      "src/store/**",
      "src/report/**",
      "src/suite/**",
      "src/serve/**",
      "src/sweep/**",
      "src/index.ts",
    ],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["node:*"], message: "the core runs in browsers: no Node built-ins here" },
          ],
          paths: NODE_BUILTINS.map((name) => ({
            name,
            message: "the core runs in browsers: no Node built-ins here",
          })),
        },
      ],
    },
  },
);
