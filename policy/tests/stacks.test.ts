import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { isVerified, parseVerifiedDigests } from "../policies/promotion";
import { parseImage } from "../lib/images";
import { describe, expect, it } from "vitest";
import { evaluate, policyNames } from "../engine";
import { STACKS, loadStackConfig, stackConfigPath, withVerifiedDigests } from "../stacks";
import { DIGEST, deployment, firstContainer, rollout } from "./helpers";

describe("per-stack pack configs", () => {
    for (const stack of STACKS) {
        it(`${stack}.json is valid for the pack`, () => {
            expect(() => loadStackConfig(stack)).not.toThrow();
            expect(JSON.parse(readFileSync(stackConfigPath(stack), "utf8"))).toHaveProperty("all");
        });
    }
    it("dev is advisory, prod is mandatory, for the same bad object", () => {
        const bad = rollout((p) => (firstContainer(p).securityContext.privileged = true));
        const dev = evaluate([bad], loadStackConfig("dev")).filter((v) => v.policy === "container-privileged");
        const prod = evaluate([bad], loadStackConfig("prod")).filter((v) => v.policy === "container-privileged");
        expect(dev.map((v) => v.level)).toEqual(["advisory"]);
        expect(prod.map((v) => v.level)).toEqual(["mandatory"]);
        expect(dev[0]?.message).toBe(prod[0]?.message);
    });
    it("every policy is mandatory in prod and advisory in dev", () => {
        const prod = loadStackConfig("prod");
        const dev = loadStackConfig("dev");
        expect(prod.all).toBe("mandatory");
        expect(dev.all).toBe("advisory");
        for (const name of policyNames()) {
            expect(typeof prod[name] === "string" ? prod[name] : (prod[name] as { enforcementLevel?: string } | undefined)?.enforcementLevel ?? "mandatory").toBe("mandatory");
        }
    });
    it("prod allows only the production registry and a single replica fails", () => {
        const devImage = rollout((p) => {
            firstContainer(p).image = `registry.dev.slipway.internal/catalog-api:1.4.2@${DIGEST}`;
            p.spec.replicas = 1;
        });
        const config = withVerifiedDigests(loadStackConfig("prod"), [DIGEST]);
        const policies = evaluate([devImage], config).map((v) => v.policy);
        expect(policies).toContain("image-registry");
        expect(policies).toContain("workload-min-replicas");
        const dev = evaluate([devImage], loadStackConfig("dev")).map((v) => v.policy);
        expect(dev).not.toContain("image-registry");
        expect(dev).not.toContain("workload-min-replicas");
    });
    it("local is mandatory for pod security and secrets, advisory elsewhere, and accepts local images", () => {
        const local = loadStackConfig("local");
        const localImage = (edit: (p: any) => void) => // eslint-disable-line @typescript-eslint/no-explicit-any
            deployment((p) => {
                firstContainer(p).image = `registry.local.slipway.internal/catalog-api:dev@${DIGEST}`;
                p.spec.replicas = 1;
                edit(p);
            });
        expect(evaluate([localImage(() => {})], local).filter((v) => v.policy === "image-registry" || v.policy === "workload-min-replicas")).toEqual([]);
        const levels = (edit: (p: any) => void) => Object.fromEntries(evaluate([localImage(edit)], local).map((v) => [v.policy, v.level])); // eslint-disable-line @typescript-eslint/no-explicit-any
        expect(levels((p) => (firstContainer(p).securityContext.runAsUser = 0))["pod-run-as-user"]).toBe("mandatory");
        expect(levels((p) => (firstContainer(p).env = [{ name: "API_TOKEN", value: "abc123abc" }]))["secret-literals"]).toBe("mandatory");
        expect(levels((p) => (p.metadata.annotations["evidence.slipway.dev/coverage-lines"] = "10"))["evidence-coverage"]).toBe("advisory");
    });
    it("prod enables promotion, dev does not", () => {
        const prod = loadStackConfig("prod")["promotion-verified-digests"] as { requireVerifiedDigests: boolean };
        const dev = loadStackConfig("dev")["promotion-verified-digests"] as { requireVerifiedDigests: boolean };
        expect(prod.requireVerifiedDigests).toBe(true);
        expect(dev.requireVerifiedDigests).toBe(false);
    });
    const pulumiProd = path.join(__dirname, "..", "..", "Pulumi.prod.yaml");
    it.runIf(existsSync(pulumiProd))("prod.json verifies every image of the snapshot Pulumi.prod.yaml deploys", () => {
        const images = (YAML.parse(readFileSync(pulumiProd, "utf8")).config?.["slipway:images"] ?? {}) as Record<string, { ref: string }>;
        const settings = loadStackConfig("prod")["promotion-verified-digests"] as { verifiedDigests: string[] };
        const verified = parseVerifiedDigests(settings.verifiedDigests);
        expect(verified.invalid).toEqual([]);
        expect(Object.keys(images).length).toBeGreaterThan(0);
        for (const [service, entry] of Object.entries(images)) {
            const image = parseImage(entry.ref);
            expect(image.digest, service).toBeDefined();
            expect(isVerified(verified, image.digest ?? "", image.path), `${service} ${entry.ref}`).toBe(true);
        }
    });
});
