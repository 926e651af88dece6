/**
 * Each component on its own under the mock engine: shape of the tree, names, tokens and failures.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { RecordedResource, unwrapSecrets } from "./support/program";

/** Registration is asynchronous: let the mock engine record children before inspecting them. */
const drain = () => new Promise((r) => setTimeout(r, 100));

const recorded: Array<RecordedResource & { parent?: string; urn: string }> = [];

beforeAll(() => {
    pulumi.runtime.setMocks(
        {
            newResource(args) {
                const urn = `urn:pulumi:test::slipway::${args.type}::${args.name}`;
                recorded.push({ type: args.type, name: args.name, inputs: args.inputs, urn });
                return { id: `${args.name}-id`, state: { ...args.inputs, digest: args.type === "docker-build:index:Image" ? `sha256:${"c".repeat(64)}` : undefined } };
            },
            call(args) {
                return args.token === "github:index/getTeam:getTeam" ? { id: "42" } : {};
            },
        },
        "slipway",
        "test",
        false,
    );
});

function settle<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

describe("ServiceImage", () => {
    it("builds, pushes and pins the result by digest", async () => {
        const { ServiceImage } = await import("../components/serviceImage");
        const image = new ServiceImage("svc-a", {
            service: "svc-a",
            version: "1.2.3",
            commit: "0123456789abcdef",
            source: "https://github.com/o/svc-a",
            registry: "registry.dev.example",
            build: { context: "/src/svc-a", dockerfile: "/src/svc-a/Dockerfile" },
            auth: { username: "ci", password: pulumi.secret("pw") },
        });
        expect(await settle(image.ref)).toBe(`registry.dev.example/svc-a@sha256:${"c".repeat(64)}`);
        await drain();
        const built = recorded.find((r) => r.name === "svc-a-image")!;
        expect(built.type).toBe("docker-build:index:Image");
        expect(built.inputs.tags).toEqual(["registry.dev.example/svc-a:1.2.3-0123456789ab"]);
        expect(unwrapSecrets(built.inputs.registries)[0]).toMatchObject({ address: "registry.dev.example", username: "ci" });
        expect(recorded.find((r) => r.name === "svc-a" && r.type === "slipway:image:ServiceImage")).toBeDefined();
    });

    it("takes a prebuilt digest reference as given and rejects a floating tag", async () => {
        const { ServiceImage } = await import("../components/serviceImage");
        const ref = `registry.prod.example/svc-b@sha256:${"d".repeat(64)}`;
        const image = new ServiceImage("svc-b", { service: "svc-b", version: "1", commit: "abc1234", source: "s", registry: "registry.prod.example", ref });
        expect(await settle(image.ref)).toBe(ref);
        expect(() => new ServiceImage("svc-c", { service: "svc-c", version: "1", commit: "abc1234", source: "s", registry: "r", ref: "r/svc-c:1.0" })).toThrow(/floating tag/);
        expect(() => new ServiceImage("svc-d", { service: "svc-d", version: "1", commit: "abc1234", source: "s", registry: "r" })).toThrow(
            "service svc-d: this stack does not build images, so it needs a prebuilt reference (slipway:images.svc-d.ref)",
        );
    });
});

describe("Platform", () => {
    it("creates the restricted namespace, default deny, notification config and the pinned chart", async () => {
        const { Platform } = await import("../components/platform");
        const platform = new Platform("plat", {
            environment: "dev",
            namespace: "apps",
            controllerNamespace: "argo-rollouts",
            manageControllerNamespace: true,
            installRolloutsController: true,
            rolloutsChartVersion: "2.40.5",
            rolloutsChartRepo: "https://argoproj.github.io/argo-helm",
            notifications: true,
            slackToken: pulumi.secret("xoxb"),
        });
        expect(await settle(platform.namespace)).toBe("apps");
        await drain();
        const names = recorded.filter((r) => r.name.startsWith("plat-")).map((r) => r.name).sort();
        expect(names).toEqual(["plat-argo-rollouts", "plat-controller-namespace", "plat-default-deny", "plat-namespace", "plat-notification-config", "plat-notification-secret"]);
        expect(platform.ready).toHaveLength(5);
    });

    it("refuses notifications without a token", async () => {
        const { Platform } = await import("../components/platform");
        expect(
            () =>
                new Platform("plat2", {
                    environment: "dev",
                    namespace: "apps2",
                    controllerNamespace: "argo-rollouts",
                    manageControllerNamespace: false,
                    installRolloutsController: false,
                    rolloutsChartVersion: "2.40.5",
                    rolloutsChartRepo: "https://argoproj.github.io/argo-helm",
                    notifications: true,
                }),
        ).toThrow("platform: notifications are on but no Slack token was given (slipway:slackToken)");
    });
});

describe("GithubDelivery", () => {
    it("protects the default branch and sets environments, variables and secrets per repository", async () => {
        const { GithubDelivery } = await import("../components/githubDelivery");
        new GithubDelivery("gh", {
            repositories: [{ repository: "org/svc-a", service: "svc-a", variables: { SLIPWAY_SERVICE: "svc-a" } }],
            defaultBranch: "main",
            requiredChecks: ["test"],
            requiredApprovals: 1,
            prodReviewerTeams: ["leads"],
            actionsSecrets: pulumi.secret({ TOKEN: "t" }),
            actionsSecretNames: ["TOKEN"],
        });
        await drain();
        const mine = recorded.filter((r) => r.name.startsWith("gh-svc-a-"));
        expect(mine.map((r) => r.name).sort()).toEqual([
            "gh-svc-a-env-dev",
            "gh-svc-a-env-prod",
            "gh-svc-a-env-prod-branch",
            "gh-svc-a-protection",
            "gh-svc-a-secret-token",
            "gh-svc-a-var-slipway_service",
        ]);
        expect(mine.find((r) => r.name === "gh-svc-a-env-prod")!.inputs.reviewers).toEqual([{ teams: [42] }]);
    });
});

describe("ServiceWorkload", () => {
    it("registers the Rollout with its companions under one component", async () => {
        const YAML = await import("yaml");
        const { parseManifest } = await import("../manifest/load");
        const { validManifest } = await import("./support/manifests");
        const { ServiceWorkload } = await import("../components/serviceWorkload");
        const service = parseManifest("w/service.yaml", YAML.stringify(validManifest("wl-api"))).resolved.dev!;
        const workload = new ServiceWorkload("wl-api", {
            service,
            image: pulumi.output(`r/wl-api@sha256:${"e".repeat(64)}`),
            settings: {
                environment: "dev",
                namespace: "apps",
                version: "1.0.0",
                commit: "abc1234",
                commitUrl: "u",
                analysis: { provider: "web", webUrl: "http://x/metrics/summary", smokeTests: false },
                allowIngressFromNamespaces: [],
                controllerNamespace: "argo-rollouts",
                waitForRollout: true,
                rolloutTimeoutSeconds: 60,
                extraAnnotations: {},
            },
        });
        await settle(workload.rollout.urn);
        await drain();
        const names = recorded.filter((r) => r.name.startsWith("wl-api-")).map((r) => r.name).sort();
        expect(names).toEqual(["wl-api-canary", "wl-api-error-rate", "wl-api-hpa", "wl-api-netpol", "wl-api-pdb", "wl-api-rollout", "wl-api-sa", "wl-api-stable"]);
        const stable = recorded.find((r) => r.name === "wl-api-stable")!;
        expect(stable.inputs.metadata.annotations["pulumi.com/skipAwait"]).toBe("true");
        expect(workload.serviceNames).toEqual(["wl-api", "wl-api-canary"]);
        expect(recorded.find((r) => r.name === "wl-api")!.type).toBe("slipway:workload:ServiceWorkload");
    });
});
