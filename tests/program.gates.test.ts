/**
 * The gate is satisfiable by what Slipway itself produces: the program's own prod stack, evaluated
 * under mocks with its real config, passes every policy of the pack with prod's pack config.
 */
import * as fs from "fs";
import * as path from "path";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluate, Violation } from "../policy/engine";
import { projectDir, ProgramRun, runProgram, secretConfig, stackConfig, unwrapSecrets } from "./support/program";

let run: ProgramRun;

beforeAll(async () => {
    const secrets = secretConfig();
    run = await runProgram({ stack: "prod", config: secrets.config, secretKeys: secrets.secretKeys });
});

/** prod's pack config with the digests verified in dev, as the promotion hands them to the pack. */
function prodPackConfig(): Record<string, any> {
    const config = JSON.parse(fs.readFileSync(path.join(projectDir, "policy/config/prod.json"), "utf8"));
    const snapshot = JSON.parse(stackConfig("prod")["slipway:images"]!) as Record<string, { ref: string }>;
    const verified = Object.values(snapshot).map((entry) => entry.ref.split("@")[1]);
    config["promotion-verified-digests"] = { ...config["promotion-verified-digests"], verifiedDigests: verified };
    return config;
}

function violationsOf(packConfig: object): Violation[] {
    const resources = run.resources.map((r) => ({ type: r.type, name: r.name, props: unwrapSecrets(r.inputs) }));
    return evaluate(resources, packConfig);
}

describe("the program's prod stack against the policy pack", () => {
    it("passes every policy with prod's mandatory config", () => {
        expect(violationsOf(prodPackConfig()).map((v) => `${v.level} ${v.policy} ${v.kind}/${v.name}: ${v.message}`)).toEqual([]);
    });

    it("is refused when a digest was not verified in dev (the check can fail)", () => {
        const config = prodPackConfig();
        config["promotion-verified-digests"].verifiedDigests = config["promotion-verified-digests"].verifiedDigests.slice(1);
        const violations = violationsOf(config);
        expect(violations.length).toBeGreaterThan(0);
        expect(violations.every((v) => v.policy === "promotion-verified-digests" && v.level === "mandatory")).toBe(true);
        expect(violations[0]!.message).toContain("catalog-api");
    });
});
