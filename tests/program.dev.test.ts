/**
 * The real program with the real Pulumi.dev.yaml under mocks: dev builds every image at the current
 * commit, deploys it by digest, and differs from prod exactly where the config and overrides say.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { beforeAll, describe, expect, it } from "vitest";
import { byName, fakeDigest, ofType, ProgramRun, runProgram, secretConfig, types } from "./support/program";
import { schemaErrors } from "./support/schemas";

const commit = "0123456789abcdef0123456789abcdef01234567";
let run: ProgramRun;

beforeAll(async () => {
    const evidenceDir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-evidence-"));
    const evidence = (service: string, atCommit: string) => ({
        service,
        version: "x",
        commit: atCommit,
        tests: { passed: 10, failed: 0, total: 10 },
        coverage: { lines: 83.333 },
        vulnerabilities: { critical: 0, high: 1, medium: 0, low: 0, unknown: 0 },
        scanner: "none",
    });
    fs.writeFileSync(path.join(evidenceDir, "catalog-api.json"), JSON.stringify(evidence("catalog-api", commit)));
    // Evidence of another commit says nothing about this build.
    fs.writeFileSync(path.join(evidenceDir, "orders-api.json"), JSON.stringify(evidence("orders-api", "fedcba9876543210fedcba9876543210fedcba98")));
    const secrets = secretConfig();
    run = await runProgram({
        stack: "dev",
        config: { ...secrets.config, "slipway:gitCommit": commit, "slipway:evidenceDir": evidenceDir },
        secretKeys: secrets.secretKeys,
    });
});

describe("dev stack", () => {
    it("builds each service's image from its Dockerfile, tagged with version and commit, labelled for traceability", () => {
        const images = ofType(run, types.image);
        expect(images.map((i) => i.name).sort()).toEqual(["catalog-api-image", "orders-api-image"]);
        const catalog = images.find((i) => i.name === "catalog-api-image")!;
        expect(catalog.inputs.tags).toEqual([`registry.dev.slipway.internal/catalog-api:1.4.0-${commit.slice(0, 12)}`]);
        expect(catalog.inputs.push).toBe(true);
        expect(catalog.inputs.dockerfile.location).toBe(path.resolve(__dirname, "../services/catalog-api/Dockerfile"));
        expect(catalog.inputs.context.location).toBe(path.resolve(__dirname, "../services/catalog-api"));
        expect(catalog.inputs.labels).toEqual({
            "org.opencontainers.image.title": "catalog-api",
            "org.opencontainers.image.version": "1.4.0",
            "org.opencontainers.image.revision": commit,
            "org.opencontainers.image.source": "https://github.com/slipway-demo/catalog-api",
        });
        expect(catalog.inputs.buildArgs).toMatchObject({ GIT_COMMIT: commit, SERVICE_VERSION: "1.4.0" });
    });

    it("deploys the built image by its digest, never by the tag it was pushed with", () => {
        const rollout = byName(ofType(run, types.rollout), "catalog-api")!;
        expect(rollout.inputs.spec.template.spec.containers[0].image).toBe(`registry.dev.slipway.internal/catalog-api@${fakeDigest("catalog-api-image")}`);
        expect(run.outputs.inventory.services["catalog-api"].digest).toBe(fakeDigest("catalog-api-image"));
        expect(run.outputs.inventory.services["catalog-api"].commit).toBe(commit);
    });

    it("uses dev replicas and bounds, not prod's", () => {
        expect(byName(ofType(run, types.rollout), "catalog-api")!.inputs.spec.replicas).toBe(2);
        expect(byName(ofType(run, types.hpa), "catalog-api")!.inputs.spec).toMatchObject({ minReplicas: 2, maxReplicas: 6 });
        expect(byName(ofType(run, types.hpa), "orders-api")!.inputs.spec).toMatchObject({ minReplicas: 2, maxReplicas: 4 });
    });

    it("runs the canary steps of the manifest with the analysis inline, and the smoke test", () => {
        const rollout = byName(ofType(run, types.rollout), "catalog-api")!;
        const analysis = { templates: [{ templateName: "catalog-api-error-rate" }, { templateName: "catalog-api-smoke" }], args: [{ name: "service-name", value: "catalog-api" }] };
        expect(rollout.inputs.spec.strategy.canary.steps).toEqual([
            { setWeight: 20 },
            { analysis },
            { setWeight: 50 },
            { pause: { duration: "30s" } },
            { analysis },
            { setWeight: 80 },
            { pause: { duration: "30s" } },
        ]);
        expect(rollout.inputs.spec.progressDeadlineAbort).toBe(true);
        const smoke = byName(ofType(run, types.analysisTemplate), "catalog-api-smoke")!;
        expect(smoke.inputs.spec.metrics[0].provider.job.spec.template.spec.containers[0].image).toMatch(/@sha256:/);
    });

    it("subscribes the owning team's channel to every rollout notification and leaves the wait to the health gate", () => {
        const rollout = byName(ofType(run, types.rollout), "orders-api")!;
        const annotations = rollout.inputs.metadata.annotations;
        expect(annotations["notifications.argoproj.io/subscribe.on-rollout-aborted.slack"]).toBe("checkout-deploys");
        expect(annotations["notifications.argoproj.io/subscribe.on-analysis-run-failed.slack"]).toBe("checkout-deploys");
        expect(annotations["pulumi.com/waitFor"]).toBeUndefined();
        expect(annotations["pulumi.com/patchForce"]).toBe("true");
        expect(run.outputs.inventory.services["orders-api"].health).toBe("not awaited: the provider reported no generation");
        expect(annotations["slipway.dev/git-commit"]).toBe(commit);
    });

    it("annotates evidence only where it was produced for the commit being deployed", () => {
        const catalog = byName(ofType(run, types.rollout), "catalog-api")!.inputs.metadata.annotations;
        expect(catalog["evidence.slipway.dev/coverage-lines"]).toBe("83.33");
        expect(catalog["evidence.slipway.dev/vulns-high"]).toBe("1");
        const orders = byName(ofType(run, types.rollout), "orders-api")!.inputs.metadata.annotations;
        expect(Object.keys(orders).filter((k) => k.startsWith("evidence.slipway.dev/"))).toEqual([]);
    });

    it("manages no GitHub settings from dev (prod owns them)", () => {
        expect(run.resources.filter((r) => r.type.startsWith("github:"))).toEqual([]);
    });

    it("puts the dev namespace under the restricted Pod Security profile with a default-deny policy", () => {
        const namespace = byName(ofType(run, types.namespace), "slipway-dev")!;
        expect(namespace.inputs.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
        const deny = byName(ofType(run, types.networkPolicy), "default-deny")!;
        expect(deny.inputs.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    });

    it("validates every Kubernetes object against the real schemas", () => {
        const kube = run.resources.filter((r) => r.type.startsWith("kubernetes:") && r.type !== types.release);
        expect(kube.map(schemaErrors).filter(Boolean)).toEqual([]);
    });
});
