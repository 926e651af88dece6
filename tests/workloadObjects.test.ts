import * as YAML from "yaml";
import { describe, expect, it } from "vitest";
import { commitUrl, buildInventory, snapshotOf } from "../components/inventory";
import { labelValue, selectorLabels, serviceLabels } from "../components/labels";
import { notificationConfigData } from "../components/notificationConfig";
import { restrictedNamespaceLabels, rolloutsChartValues } from "../components/platform";
import { ociLabels, parseDigestReference } from "../components/serviceImage";
import {
    analysisTemplateObjects,
    horizontalPodAutoscalerObject,
    networkPolicyObject,
    notificationAnnotations,
    rolloutObject,
    serviceObjects,
    WorkloadSettings,
    workloadObjects,
} from "../components/workloadObjects";
import { parseManifest } from "../manifest/load";
import type { ResolvedService } from "../manifest/schema";
import { validManifest } from "./support/manifests";

const digest = `sha256:${"ab".repeat(32)}`;

/** The Rollout as plain data: the model types make every field optional, which tests don't need. */
function anyRollout(service: ResolvedService, settings: WorkloadSettings): any {
    return rolloutObject(service, settings);
}

function resolved(manifest: Record<string, any>, env: "dev" | "prod" | "local" = "dev"): ResolvedService {
    const parsed = parseManifest("t/service.yaml", YAML.stringify(manifest));
    expect(parsed.issues).toEqual([]);
    return parsed.resolved[env]!;
}

const settings: WorkloadSettings = {
    environment: "dev",
    namespace: "slipway-dev",
    image: `registry.dev.example/demo-api@${digest}`,
    version: "1.0.0",
    commit: "abcdef1234567",
    commitUrl: "https://github.com/slipway-demo/demo-api/commit/abcdef1234567",
    analysis: { provider: "web", webUrl: "http://demo-api-canary.slipway-dev.svc.cluster.local:80/metrics/summary", smokeTests: true },
    allowIngressFromNamespaces: ["monitoring"],
    controllerNamespace: "argo-rollouts",
    waitForRollout: true,
    rolloutTimeoutSeconds: 300,
    extraAnnotations: {},
};

describe("workload objects", () => {
    it("builds a canary Rollout whose steps mirror the manifest", () => {
        const rollout = anyRollout(resolved(validManifest()), settings);
        expect(rollout.spec.strategy.canary).toMatchObject({
            canaryService: "demo-api-canary",
            stableService: "demo-api",
            maxUnavailable: 0,
            steps: [{ setWeight: 20 }, { analysis: { templates: [{ templateName: "demo-api-error-rate" }] } }, { setWeight: 60 }, { pause: { duration: "30s" } }],
        });
        expect(rollout.spec.template.spec!.containers[0]!.image).toBe(settings.image);
        expect(rollout.metadata.annotations!["slipway.dev/commit-url"]).toBe(settings.commitUrl);
    });

    it("runs background analysis from the configured step and turns a manual pause into pause: {}", () => {
        const manifest = validManifest();
        manifest.rollout.canary = { steps: [{ setWeight: 10 }, { pause: "manual" }], backgroundAnalysisFromStep: 1 };
        const canary = anyRollout(resolved(manifest), settings).spec.strategy.canary!;
        expect(canary.analysis).toEqual({ templates: [{ templateName: "demo-api-error-rate" }], args: [{ name: "service-name", value: "demo-api" }], startingStep: 1 });
        expect(canary.steps![1]).toEqual({ pause: {} });
    });

    it("builds blue/green with active/preview Services and pre-promotion analysis", () => {
        const service = resolved(validManifest("bg-api", "blueGreen"));
        const rollout = anyRollout(service, settings);
        expect(rollout.spec.strategy.blueGreen).toMatchObject({ activeService: "bg-api", previewService: "bg-api-preview", autoPromotionEnabled: false });
        expect(rollout.spec.strategy.blueGreen!.prePromotionAnalysis!.templates).toEqual([{ templateName: "bg-api-error-rate" }]);
        expect(serviceObjects(service, settings).map((s) => s.metadata.name)).toEqual(["bg-api", "bg-api-preview"]);
    });

    it("skips the smoke-test template where pods can't run it", () => {
        const manifest = validManifest();
        manifest.rollout.analysis.smokeTest = { image: `registry.dev.example/smoke@${digest}` };
        const service = resolved(manifest);
        expect(analysisTemplateObjects(service, settings).map((t) => t.metadata.name)).toEqual(["demo-api-error-rate", "demo-api-smoke"]);
        const without = { ...settings, analysis: { ...settings.analysis, smokeTests: false } };
        expect(analysisTemplateObjects(service, without).map((t) => t.metadata.name)).toEqual(["demo-api-error-rate"]);
        expect(anyRollout(service, without).spec.strategy.canary!.steps![1]).toEqual({
            analysis: { templates: [{ templateName: "demo-api-error-rate" }], args: [{ name: "service-name", value: "demo-api" }] },
        });
    });

    it("turns secret env into secretKeyRef and never into a literal", () => {
        const container = anyRollout(resolved(validManifest()), settings).spec.template.spec!.containers[0]!;
        expect(container.env).toContainEqual({ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "demo-api-db", key: "password" } } });
        expect(container.env).toContainEqual({ name: "LOG_LEVEL", value: "info" });
    });

    it("omits the autoscaler when the manifest sets no bounds, and floors it at the replicas", () => {
        const manifest = validManifest();
        delete manifest.autoscaling;
        expect(horizontalPodAutoscalerObject(resolved(manifest), settings)).toBeUndefined();
        expect(workloadObjects(resolved(manifest), settings).map((o) => o.kind)).not.toContain("HorizontalPodAutoscaler");
        expect(horizontalPodAutoscalerObject(resolved(validManifest(), "prod"), settings)!.spec!.minReplicas).toBe(3);
    });

    it("lets only the namespace, the controller and configured namespaces reach the pods", () => {
        const policy = networkPolicyObject(resolved(validManifest()), settings);
        const from = policy.spec!.ingress![0]!.from!;
        expect(from).toContainEqual({ podSelector: {} });
        expect(from.map((f) => f.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"]).filter(Boolean)).toEqual(["argo-rollouts", "monitoring"]);
        expect(policy.spec!.ingress![0]!.ports).toEqual([{ port: 8080, protocol: "TCP" }]);
    });

    it("selects pods by a stable label subset that never includes the version", () => {
        const service = resolved(validManifest());
        const rollout = anyRollout(service, settings);
        expect(rollout.spec.selector.matchLabels).toEqual({ "app.kubernetes.io/name": "demo-api", "app.kubernetes.io/instance": "demo-api-dev" });
        expect(rollout.spec.template.metadata!.labels).toMatchObject({ ...rollout.spec.selector.matchLabels, "app.kubernetes.io/version": "1.0.0" });
    });

    it("leaves waiting to the health gate: no provider await, and the program's apply wins field conflicts", () => {
        const rollout = anyRollout(resolved(validManifest()), settings);
        expect(rollout.metadata.annotations!["pulumi.com/waitFor"]).toBeUndefined();
        expect(rollout.metadata.annotations!["pulumi.com/patchForce"]).toBe("true");
    });

    it("subscribes the channel (without #) to every trigger", () => {
        const annotations = notificationAnnotations("#demo-deploys");
        expect(Object.keys(annotations)).toHaveLength(7);
        expect(new Set(Object.values(annotations))).toEqual(new Set(["demo-deploys"]));
    });
});

describe("labels", () => {
    it("keeps label values valid", () => {
        expect(labelValue("1.0.0+build.5")).toBe("1.0.0_build.5");
        expect(labelValue("-x-")).toBe("x");
        expect(labelValue("a".repeat(80))).toHaveLength(63);
        expect(serviceLabels({ name: "a", version: "1", environment: "dev", team: "t" })).toMatchObject(selectorLabels({ name: "a", environment: "dev" }));
    });
});

describe("image references", () => {
    it("splits digest-pinned references", () => {
        expect(parseDigestReference("a", `registry.example:5000/team/a@${digest}`)).toEqual({ repository: "registry.example:5000/team/a", digest });
        expect(parseDigestReference("a", `registry.example/a:1.0@${digest}`)).toEqual({ repository: "registry.example/a", digest });
    });

    it("rejects floating tags and malformed digests with a clear error", () => {
        expect(() => parseDigestReference("catalog-api", "registry.example/catalog-api:latest")).toThrow(
            "service catalog-api: image uses a floating tag; give a reference pinned by digest (repo@sha256:<64 hex>)",
        );
        expect(() => parseDigestReference("catalog-api", "registry.example/catalog-api@sha256:abc")).toThrow(/reference is not a valid sha256 digest/);
    });

    it("labels images with OCI revision, version and source", () => {
        expect(ociLabels({ service: "a", version: "1", commit: "c", source: "s" })).toEqual({
            "org.opencontainers.image.title": "a",
            "org.opencontainers.image.version": "1",
            "org.opencontainers.image.revision": "c",
            "org.opencontainers.image.source": "s",
        });
    });
});

describe("platform", () => {
    it("labels namespaces for the restricted Pod Security profile", () => {
        expect(restrictedNamespaceLabels("prod")).toMatchObject({ "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted" });
    });

    it("runs two controllers in prod and keeps notification config out of the chart", () => {
        expect((rolloutsChartValues("prod") as any).controller.replicas).toBe(2);
        expect((rolloutsChartValues("dev") as any).controller.replicas).toBe(1);
        expect((rolloutsChartValues("dev") as any).notifications).toEqual({ configmap: { create: false }, secret: { create: false } });
    });

    it("configures Slack with the token reference only, and an optional API URL", () => {
        const data = notificationConfigData({ slackApiUrl: "http://127.0.0.1:9999/api" });
        expect(data["service.slack"]).toContain("token: $slack-token");
        expect(data["service.slack"]).toContain("apiURL: http://127.0.0.1:9999/api/");
        expect(data["trigger.on-rollout-aborted"]).toBe("- send: [slipway-rollout-aborted]\n");
        const template = YAML.parse(data["template.slipway-rollout-aborted"]!);
        expect(template.message).toContain("ABORTED");
        expect(JSON.parse(template.slack.attachments)[0].fields[1].value).toContain("slipway.dev/commit-url");
        expect(notificationConfigData({})["service.slack"]).not.toContain("apiURL");
    });
});

describe("inventory", () => {
    it("is sorted, versioned, and turns back into a snapshot", () => {
        const entry = (service: string) => ({
            service,
            team: "t",
            slack: "#c",
            repository: `o/${service}`,
            namespace: "ns",
            image: `r/${service}@${digest}`,
            digest,
            version: "1.0.0",
            commit: "abc1234",
            commitUrl: commitUrl("https://github.com/", `o/${service}`, "abc1234"),
            strategy: "canary" as const,
            replicas: 2,
            health: "Healthy",
        });
        const inventory = buildInventory({ stack: "dev", environment: "dev", namespace: "ns" }, [entry("zeta"), entry("alpha")]);
        expect(Object.keys(inventory.services)).toEqual(["alpha", "zeta"]);
        expect(inventory.services.alpha!.commitUrl).toBe("https://github.com/o/alpha/commit/abc1234");
        expect(snapshotOf(inventory)).toEqual({
            alpha: { ref: `r/alpha@${digest}`, version: "1.0.0", commit: "abc1234" },
            zeta: { ref: `r/zeta@${digest}`, version: "1.0.0", commit: "abc1234" },
        });
    });
});
