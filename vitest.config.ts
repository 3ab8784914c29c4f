/** The test projects: unit (packages, server modules, the app's logic) and end-to-end (real server, real models, real browser). */
import { defineConfig } from "vitest/config";

// Three projects: fast unit tests (packages, server modules); end-to-end tests that start the
// real server process on real models (slower; run one file at a time on 2 cores); and the pod
// image, built and booted (the slowest: minutes of building, run last).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["packages/*/test/**/*.test.ts", "apps/pod-server/test/**/*.test.ts", "apps/desktop/test/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "e2e",
          include: ["tests/e2e/**/*.test.ts"],
          environment: "node",
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: "image",
          include: ["tests/image/**/*.test.ts"],
          environment: "node",
          fileParallelism: false,
          testTimeout: 1_200_000,
          hookTimeout: 3_600_000,
        },
      },
    ],
  },
});
