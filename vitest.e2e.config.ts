import * as path from "path";
import { defineConfig } from "vitest/config";

// A cluster and state of their own, so the tests never touch what `npm run local` left running.
const e2eEnv = {
    SLIPWAY_STATE_DIR: process.env.SLIPWAY_E2E_STATE_DIR ?? path.join(__dirname, ".slipway/e2e"),
    SLIPWAY_CLUSTER_NAME: "slipway-e2e",
    SLIPWAY_ROLLOUTS_METRICS_PORT: process.env.SLIPWAY_E2E_ROLLOUTS_METRICS_PORT ?? "28190",
    SLIPWAY_ROLLOUTS_HEALTHZ_PORT: process.env.SLIPWAY_E2E_ROLLOUTS_HEALTHZ_PORT ?? "28180",
};
Object.assign(process.env, e2eEnv);

/**
 * End-to-end tests: the real Pulumi engine, Kubernetes provider, a simulated cluster and the Argo
 * Rollouts controller. One file, run in order: each case builds on the stack the previous one left.
 */
export default defineConfig({
    test: {
        include: ["tests/e2e/**/*.e2e.test.ts"],
        fileParallelism: false,
        sequence: { concurrent: false },
        testTimeout: 15 * 60_000,
        hookTimeout: 60 * 60_000,
        globalSetup: ["tests/e2e/globalSetup.ts"],
        env: e2eEnv,
    },
});
