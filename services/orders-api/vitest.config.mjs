// Used when the tests run from this folder (`npm test -w services/orders-api`, and the image
// build, whose context is this folder). From the repository root, the root vitest.config.ts applies.
import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["test/**/*.test.ts"],
        testTimeout: 30_000,
    },
});
