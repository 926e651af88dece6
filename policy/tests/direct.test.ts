// The policies are real CrossGuard policy objects: called directly with constructed arguments, as
// the Pulumi policy server calls them, they report the same violations the engine collects.
import type { ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { podDisruptionBudget } from "../policies/reliability";
import { podRunAsUser } from "../policies/podSecurity";
import { imageRegistry } from "../policies/supplyChain";
import { deployment, firstContainer, rollout } from "./helpers";

class NotApplicable extends Error {}

function resourceArgs(resource: { type: string; name: string; props: unknown }, config: object = {}): ResourceValidationArgs {
    return {
        type: resource.type,
        props: resource.props as Record<string, unknown>,
        urn: `urn:pulumi:prod::slipway::${resource.type}::${resource.name}`,
        name: resource.name,
        opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string) => {
            throw new NotApplicable(reason);
        },
    };
}

describe("policies called as CrossGuard calls them", () => {
    it("validateResource reports through reportViolation", () => {
        const reported: string[] = [];
        const policy = podRunAsUser();
        const validate = policy.validateResource;
        if (typeof validate !== "function") throw new Error("expected a single validation function");
        validate(resourceArgs(rollout((p) => (firstContainer(p).securityContext.runAsUser = 0))), (message) => reported.push(message));
        expect(reported).toEqual([
            'Rollout/catalog-api: spec.template.spec.containers[0].securityContext.runAsUser is 0 (root) (container "app"), overriding the pod; set a non-zero user ID or remove it.',
        ]);
    });
    it("calls notApplicable for resources it does not cover", () => {
        const validate = podRunAsUser().validateResource;
        if (typeof validate !== "function") throw new Error("expected a single validation function");
        const service = { type: "kubernetes:core/v1:Service", name: "s", props: {} };
        expect(() => validate(resourceArgs(service), () => {})).toThrow(NotApplicable);
    });
    it("fills config defaults when getConfig returns only part of the config", () => {
        const reported: string[] = [];
        const validate = imageRegistry().validateResource;
        if (typeof validate !== "function") throw new Error("expected a single validation function");
        validate(resourceArgs(deployment((p) => (firstContainer(p).image = "nginx:1.25")), { allowedRegistries: ["registry.prod.slipway.internal/"] }), (m) => reported.push(m));
        expect(reported).toHaveLength(1);
        expect(reported[0]).toContain('"nginx:1.25" is not from an allowed registry');
    });
    it("validateStack reports against the offending resource's URN", () => {
        const reported: [string, string | undefined][] = [];
        const workload = deployment();
        const args: StackValidationArgs = {
            resources: [
                {
                    type: workload.type,
                    props: workload.props,
                    urn: "urn:pulumi:prod::slipway::kubernetes:apps/v1:Deployment::catalog-api",
                    name: workload.name,
                    opts: resourceArgs(workload).opts,
                    dependencies: [],
                    propertyDependencies: {},
                    isType: () => false,
                    asType: () => undefined,
                },
            ],
            stackTags: new Map(),
            getConfig: <T extends object>() => ({}) as T,
            notApplicable: () => {
                throw new NotApplicable();
            },
        };
        podDisruptionBudget().validateStack(args, (message, urn) => reported.push([message, urn]));
        expect(reported).toEqual([
            [
                'Deployment/catalog-api: no PodDisruptionBudget in namespace "slipway" selects its pods (spec.template.metadata.labels); add one with maxUnavailable: 1 and a selector matching those labels.',
                "urn:pulumi:prod::slipway::kubernetes:apps/v1:Deployment::catalog-api",
            ],
        ]);
    });
});
