// The playground's static build (`npm run build:web`): src/web -> dist/web, relative asset paths
// so the folder works under `pinnlab serve`'s /play/ and on any static host.
import { defineConfig } from "vite";

export default defineConfig({
  root: "src/web",
  base: "./",
  build: { outDir: "../../dist/web", emptyOutDir: true, target: "es2022" },
  worker: { format: "es" },
  logLevel: "warn",
});
