/**
 * A stack that doesn't build must name a verified image for every service: prod runs only what dev verified.
 */
import { describe, expect, it } from "vitest";
import { runProgram } from "./support/program";
import { validManifest, writeServicesDir } from "./support/manifests";

describe("program without a snapshot entry", () => {
    it("refuses to deploy a service with no verified image, naming it", async () => {
        const dir = writeServicesDir({ "catalog-api": validManifest("catalog-api"), "new-api": validManifest("new-api") });
        let message = "";
        let registered = 0;
        try {
            const run = await runProgram({ stack: "local", env: { SLIPWAY_SERVICES_DIR: dir } });
            registered = run.resources.length;
        } catch (error) {
            message = (error as Error).message;
        }
        expect(message).toBe(
            "stack local does not build images and has no verified image for: new-api; add them to slipway:images (the snapshot promoted from dev)",
        );
        expect(registered).toBe(0);
    });
});
