/**
 * A bad manifest stops the real program before any resource is registered, with every error at once.
 */
import { describe, expect, it } from "vitest";
import { runProgram } from "./support/program";
import { validManifest, writeServicesDir } from "./support/manifests";

describe("program with bad manifests", () => {
    it("registers nothing and reports each file, field and expectation", async () => {
        const bad = validManifest("broken-api");
        bad.ports[0].containerPort = 0;
        bad.env.push({ name: "API_KEY", value: "hunter2-literal" });
        const dir = writeServicesDir({ "good-api": validManifest("good-api"), "broken-api": bad });
        const resources: string[] = [];
        let message = "";
        try {
            const run = await runProgram({ stack: "local", env: { SLIPWAY_SERVICES_DIR: dir } });
            resources.push(...run.resources.map((r) => r.type));
        } catch (error) {
            message = (error as Error).message;
        }
        expect(message).toContain("2 problem(s) in service manifests");
        expect(message).toMatch(/broken-api\/service\.yaml: ports\[0\]\.containerPort: expected a port between 1 and 65535/);
        expect(message).toMatch(/broken-api\/service\.yaml: env\[2\]\.value: literal secret value for API_KEY/);
        expect(message).not.toContain("hunter2-literal");
        expect(resources).toEqual([]);
    });
});
