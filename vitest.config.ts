import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["tests/**/*.test.ts", "policy/tests/**/*.test.ts", "services/*/test/**/*.test.ts"],
        // End-to-end tests need the real toolchain and cluster: vitest.e2e.config.ts runs them.
        exclude: ["**/node_modules/**", "tests/e2e/**"],
        // Each test file evaluates the whole program under its own mocks; isolate them in forks.
        pool: "forks",
        testTimeout: 60_000,
        hookTimeout: 120_000,
    },
});
