/**
 * The real program with the real Pulumi.local.yaml under mocks: what the simulated cluster gets.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { byName, ofType, ProgramRun, runProgram, types } from "./support/program";
import { schemaErrors } from "./support/schemas";

let run: ProgramRun;

beforeAll(async () => {
    run = await runProgram({
        stack: "local",
        config: { "slipway:analysis": JSON.stringify({ provider: "web", smokeTests: false, webUrlTemplate: "http://127.0.0.1:18080/metrics/summary", urls: { "orders-api": "http://127.0.0.1:19999/metrics/summary" } }) },
    });
});

describe("local stack", () => {
    it("builds nothing, installs no controller chart, manages no GitHub and needs no Slack token", () => {
        expect(ofType(run, types.image)).toEqual([]);
        expect(ofType(run, types.release)).toEqual([]);
        expect(ofType(run, types.secret)).toEqual([]);
        expect(run.resources.filter((r) => r.type.startsWith("github:"))).toEqual([]);
        expect(run.outputs.platformInfo.rolloutsController).toEqual({ managedBy: "cluster" });
    });

    it("leaves the controller's namespace to the cluster that runs the controller", () => {
        expect(byName(ofType(run, types.namespace), "argo-rollouts")).toBeUndefined();
        expect(byName(ofType(run, types.namespace), "slipway-local")).toBeDefined();
    });

    it("queries each service's metrics summary over the web provider, with per-service URLs", () => {
        const orders = byName(ofType(run, types.analysisTemplate), "orders-api-error-rate")!;
        expect(orders.inputs.spec.args).toContainEqual({ name: "metrics-url", value: "http://127.0.0.1:19999/metrics/summary" });
        expect(orders.inputs.spec.metrics[0]).toMatchObject({
            successCondition: "result <= 0.02",
            provider: { web: { url: "{{args.metrics-url}}", jsonPath: "{$.errorRate}" } },
            interval: "2s",
            failureLimit: 0,
        });
        const catalog = byName(ofType(run, types.analysisTemplate), "catalog-api-error-rate")!;
        expect(catalog.inputs.spec.args).toContainEqual({ name: "metrics-url", value: "http://127.0.0.1:18080/metrics/summary" });
        expect(byName(ofType(run, types.analysisTemplate), "catalog-api-smoke")).toBeUndefined();
    });

    it("uses the local overrides: short canary, quick blue/green", () => {
        const catalog = byName(ofType(run, types.rollout), "catalog-api")!;
        expect(catalog.inputs.spec.strategy.canary.steps.map((s: any) => Object.keys(s)[0])).toEqual(["setWeight", "analysis", "setWeight", "analysis"]);
        expect(catalog.inputs.spec.strategy.canary.steps[1].analysis.templates).toEqual([{ templateName: "catalog-api-error-rate" }]);
        const orders = byName(ofType(run, types.rollout), "orders-api")!;
        expect(orders.inputs.spec.strategy.blueGreen).toMatchObject({ autoPromotionSeconds: 0, scaleDownDelaySeconds: 5 });
    });

    it("runs the images of the local snapshot", () => {
        expect(run.outputs.inventory.services["catalog-api"].image).toBe(
            "registry.local.slipway.internal/catalog-api@sha256:1111111111111111111111111111111111111111111111111111111111111111",
        );
    });

    it("validates every Kubernetes object against the real schemas", () => {
        expect(run.resources.filter((r) => r.type.startsWith("kubernetes:")).map(schemaErrors).filter(Boolean)).toEqual([]);
    });
});
