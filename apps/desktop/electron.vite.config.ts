/** The desktop app's build: main, preload and renderer, with the VAD's model and runtime shipped inside. */
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import react from "@vitejs/plugin-react";
import { defineConfig } from "electron-vite";
import type { Plugin } from "vite";

const require = createRequire(import.meta.url);
const vadDist = dirname(require.resolve("@ricky0123/vad-web"));

/** The VAD model, its worklet and onnxruntime's WASM ship inside the app: never fetched from a CDN. */
function vadAssets(): Plugin {
  const files = [
    join(vadDist, "vad.worklet.bundle.min.js"),
    join(vadDist, "silero_vad_v5.onnx"),
    require.resolve("onnxruntime-web/ort-wasm-simd-threaded.wasm"),
    require.resolve("onnxruntime-web/ort-wasm-simd-threaded.mjs"),
  ];
  let outDir = "";
  return {
    name: "fireside-vad-assets",
    configResolved(c) {
      outDir = c.build.outDir;
    },
    configureServer(server) {
      server.middlewares.use("/vad/", (req, res, next) => {
        const f = files.find((p) => p.endsWith(`/${req.url?.slice(1)}`));
        if (!f) return next();
        res.setHeader("Content-Type", f.endsWith(".wasm") ? "application/wasm" : "application/javascript");
        res.end(require("node:fs").readFileSync(f));
      });
    },
    closeBundle() {
      mkdirSync(join(outDir, "vad"), { recursive: true });
      for (const f of files) copyFileSync(f, join(outDir, "vad", f.split("/").pop()!));
    },
  };
}

export default defineConfig({
  main: { build: { outDir: "out/main" } },
  // A sandboxed preload must be CommonJS.
  preload: { build: { outDir: "out/preload", rollupOptions: { output: { format: "cjs", entryFileNames: "[name].cjs" } } } },
  renderer: {
    root: resolve("src/renderer"),
    base: "./",
    plugins: [react(), vadAssets()],
    build: {
      outDir: resolve("out/renderer"),
      rollupOptions: { input: { index: resolve("src/renderer/index.html"), bench: resolve("src/renderer/bench.html") } },
    },
  },
});
