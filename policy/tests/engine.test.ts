import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { PackConfigError, evaluate, policyNames, resolvePackConfig } from "../engine";
import { slipwayPolicies } from "../policies/all";
import { containerPrivileged } from "../policies/podSecurity";
import { deployment, firstContainer } from "./helpers";

const privileged = deployment((p) => (firstContainer(p).securityContext.privileged = true));

describe("resolvePackConfig (the Pulumi CLI's rules)", () => {
    it("starts from each policy's level and schema defaults", () => {
        const resolved = resolvePackConfig({});
        const replicas = resolved.find((entry) => entry.policy.name === "workload-min-replicas");
        expect(replicas?.level).toBe("mandatory");
        expect(replicas?.properties).toEqual({ minReplicas: 2 });
        expect(resolved.find((entry) => entry.policy.name === "promotion-verified-digests")?.properties).toEqual({ requireVerifiedDigests: false, verifiedDigests: [] });
    });
    it("applies `all`, then per-policy levels and properties", () => {
        const resolved = resolvePackConfig({ all: "advisory", "container-privileged": "mandatory", "workload-min-replicas": { enforcementLevel: "disabled", minReplicas: 5 } });
        const level = (name: string) => resolved.find((entry) => entry.policy.name === name);
        expect(level("pod-seccomp")?.level).toBe("advisory");
        expect(level("container-privileged")?.level).toBe("mandatory");
        expect(level("workload-min-replicas")).toMatchObject({ level: "disabled", properties: { minReplicas: 5 } });
    });
    it("rejects unknown policies, unknown properties, wrong types and bad levels", () => {
        expect(() => resolvePackConfig({ "container-privilegd": "mandatory" })).toThrow(/unknown policy "container-privilegd"/);
        expect(() => resolvePackConfig({ "evidence-coverage": { minCoverge: 80 } })).toThrow(/"evidence-coverage".minCoverge is not a setting of this policy \(settings: minCoverage, evidenceScope\)/);
        expect(() => resolvePackConfig({ "evidence-coverage": { minCoverage: "80" } })).toThrow(/"evidence-coverage".minCoverage must be of type number/);
        expect(() => resolvePackConfig({ "evidence-coverage": { minCoverage: 180 } })).toThrow(/must be <= 100/);
        expect(() => resolvePackConfig({ "image-registry": { allowedRegistries: [1] } })).toThrow(/allowedRegistries\[0\] must be of type string/);
        expect(() => resolvePackConfig({ all: "strict" })).toThrow(PackConfigError);
        expect(() => resolvePackConfig({ "evidence-present": { evidenceScope: "some" } })).toThrow(/must be one of "slipway", "all"/);
        expect(() => resolvePackConfig([])).toThrow(/must be a JSON object/);
    });
});

describe("evaluate", () => {
    it("reports violations with policy, level, kind, name and message", () => {
        const violations = evaluate([privileged], { all: "advisory" });
        expect(violations).toContainEqual({
            policy: "container-privileged",
            level: "advisory",
            kind: "Deployment",
            name: "catalog-api",
            message: 'Deployment/catalog-api: spec.template.spec.containers[0].securityContext.privileged is true (container "app"); remove it or set it to false.',
        });
    });
    it("skips disabled policies and reports remediate as mandatory", () => {
        expect(evaluate([privileged], { "container-privileged": "disabled" }).some((v) => v.policy === "container-privileged")).toBe(false);
        expect(evaluate([privileged], { "container-privileged": "remediate" }).find((v) => v.policy === "container-privileged")?.level).toBe("mandatory");
    });
    it("falls back to the resource name when the provider auto-names the object", () => {
        const autoNamed = deployment((p) => {
            delete p.metadata.name;
            firstContainer(p).securityContext.privileged = true;
        }, "web-resource");
        const violation = evaluate([autoNamed], {}, { policies: [containerPrivileged()] })[0];
        expect(violation).toMatchObject({ kind: "Deployment", name: "web-resource" });
        expect(violation?.message.startsWith("Deployment/web-resource: ")).toBe(true);
    });
    it("turns a crashing policy into a violation instead of passing the object", () => {
        const crashing: ResourceValidationPolicy = {
            name: "crashes",
            description: "Always throws.",
            enforcementLevel: "mandatory",
            validateResource: () => {
                throw new TypeError("boom");
            },
        };
        expect(evaluate([deployment()], {}, { policies: [crashing] })).toEqual([
            {
                policy: "crashes",
                level: "mandatory",
                kind: "Deployment",
                name: "catalog-api",
                message: "Deployment/catalog-api: the crashes policy could not evaluate this object (boom); check that the object is well-formed.",
            },
        ]);
    });
    it("attributes stack violations to the resource by URN, or to the stack", () => {
        const stack: StackValidationPolicy = {
            name: "stacky",
            description: "Reports twice.",
            enforcementLevel: "advisory",
            validateStack: (args, report) => {
                report("on the resource", args.resources[0]?.urn);
                report("on the stack");
            },
        };
        expect(evaluate([deployment()], {}, { policies: [stack] })).toEqual([
            { policy: "stacky", level: "advisory", kind: "Deployment", name: "catalog-api", message: "on the resource" },
            { policy: "stacky", level: "advisory", kind: "Stack", name: "(stack)", message: "on the stack" },
        ]);
    });
    it("survives hostile shapes without crashing any policy", () => {
        const hostile = [
            { type: "kubernetes:apps/v1:Deployment", name: "a", props: { spec: { template: { spec: { containers: "nope", volumes: [null, 3], securityContext: [] } } } } },
            { type: "kubernetes:argoproj.io/v1alpha1:Rollout", name: "b", props: { spec: { strategy: { canary: { steps: [null, { setWeight: "x" }, { pause: null }] } } } } },
            { type: "kubernetes:core/v1:Pod", name: "c", props: { spec: { containers: [{ securityContext: { capabilities: { add: [null, 7] } } }] } } },
            { type: "kubernetes:core/v1:Service", name: "d", props: null },
            { type: "kubernetes:helm.sh/v3:Release", name: "e", props: { chart: 5 } },
        ];
        const violations = evaluate(hostile, { all: "mandatory" });
        expect(violations.filter((v) => v.message.includes("could not evaluate"))).toEqual([]);
        expect(violations.length).toBeGreaterThan(10);
    });
    it("has unique kebab-case policy names and full-sentence descriptions", () => {
        const names = policyNames();
        expect(new Set(names).size).toBe(names.length);
        for (const policy of slipwayPolicies()) {
            expect(policy.name).toMatch(/^[a-z]+(-[a-z0-9]+)+$/);
            expect(policy.description).toMatch(/^[A-Z].*\.$/);
        }
        expect(names.length).toBeGreaterThanOrEqual(45);
    });
});
