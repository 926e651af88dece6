/**
 * The real program with the real Pulumi.prod.yaml under mocks: the recorded resource graph is what
 * prod promises (replicas, digests, security, disruption budgets, network policies, GitHub).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { byName, isSecretValue, ofType, unwrapSecrets, ProgramRun, runProgram, secretConfig, stackConfig, testSecrets, types } from "./support/program";
import { schemaErrors } from "./support/schemas";

let run: ProgramRun;

beforeAll(async () => {
    const secrets = secretConfig();
    run = await runProgram({ stack: "prod", config: secrets.config, secretKeys: secrets.secretKeys });
});

describe("prod stack", () => {
    it("registers one Rollout per service manifest, in the prod namespace", () => {
        const rollouts = ofType(run, types.rollout);
        expect(rollouts.map((r) => r.inputs.metadata.name).sort()).toEqual(["catalog-api", "orders-api"]);
        for (const rollout of rollouts) {
            expect(rollout.inputs.metadata.namespace).toBe("slipway-prod");
        }
    });

    it("runs at least 2 replicas of every service, as its prod overrides say", () => {
        const rollouts = ofType(run, types.rollout);
        for (const rollout of rollouts) {
            expect(rollout.inputs.spec.replicas).toBeGreaterThanOrEqual(2);
        }
        expect(byName(rollouts, "catalog-api")!.inputs.spec.replicas).toBe(3);
        expect(byName(rollouts, "orders-api")!.inputs.spec.replicas).toBe(3);
    });

    it("runs exactly the snapshot's digests from the production registry, never a tag", () => {
        const prod = stackConfig("prod");
        const snapshot = JSON.parse(prod["slipway:images"]!);
        for (const rollout of ofType(run, types.rollout)) {
            const name = rollout.inputs.metadata.name;
            const images = rollout.inputs.spec.template.spec.containers.map((c: any) => c.image);
            expect(images).toEqual([snapshot[name].ref]);
            expect(images[0]).toMatch(/^registry\.prod\.slipway\.internal\/[a-z-]+@sha256:[a-f0-9]{64}$/);
        }
    });

    it("builds no image in prod", () => {
        expect(ofType(run, types.image)).toHaveLength(0);
    });

    it("gives every Rollout its Services, AnalysisTemplate, PDB, NetworkPolicy, HPA and ServiceAccount", () => {
        for (const rollout of ofType(run, types.rollout)) {
            const name = rollout.inputs.metadata.name as string;
            const strategy = rollout.inputs.spec.strategy;
            const [first, second] = strategy.canary
                ? [strategy.canary.stableService, strategy.canary.canaryService]
                : [strategy.blueGreen.activeService, strategy.blueGreen.previewService];
            expect(byName(ofType(run, types.service), first), `${name} ${first}`).toBeDefined();
            expect(byName(ofType(run, types.service), second), `${name} ${second}`).toBeDefined();
            expect(first).not.toBe(second);
            expect(ofType(run, types.analysisTemplate).some((t) => t.inputs.metadata.name.startsWith(`${name}-`))).toBe(true);
            expect(byName(ofType(run, types.pdb), name)!.inputs.spec.maxUnavailable).toBe(1);
            expect(byName(ofType(run, types.networkPolicy), name)!.inputs.spec.podSelector.matchLabels["app.kubernetes.io/name"]).toBe(name);
            const hpa = byName(ofType(run, types.hpa), name)!;
            expect(hpa.inputs.spec.scaleTargetRef).toEqual({ apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name });
            expect(byName(ofType(run, types.serviceAccount), name)!.inputs.automountServiceAccountToken).toBe(false);
            expect(rollout.inputs.spec.template.spec.serviceAccountName).toBe(name);
        }
    });

    it("runs every pod under the restricted security profile", () => {
        for (const rollout of ofType(run, types.rollout)) {
            const pod = rollout.inputs.spec.template.spec;
            expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
            expect(pod.securityContext.runAsUser).not.toBe(0);
            expect(pod.automountServiceAccountToken).toBe(false);
            for (const container of pod.containers) {
                expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true });
                expect(container.readinessProbe).toBeDefined();
                expect(container.livenessProbe).toBeDefined();
                expect(container.resources.requests).toBeDefined();
                expect(container.resources.limits).toBeDefined();
            }
        }
    });

    it("uses the prod overrides of the manifests (limits, analysis cadence, blue/green timing)", () => {
        const catalog = byName(ofType(run, types.rollout), "catalog-api")!;
        expect(catalog.inputs.spec.template.spec.containers[0].resources.limits).toEqual({ cpu: "1", memory: "512Mi" });
        const errorRate = byName(ofType(run, types.analysisTemplate), "catalog-api-error-rate")!;
        expect(errorRate.inputs.spec.metrics[0]).toMatchObject({ interval: "30s", count: 5, failureLimit: 1 });
        const orders = byName(ofType(run, types.rollout), "orders-api")!;
        expect(orders.inputs.spec.strategy.blueGreen).toMatchObject({ autoPromotionEnabled: true, autoPromotionSeconds: 120, scaleDownDelaySeconds: 300 });
        expect(orders.inputs.spec.strategy.blueGreen.prePromotionAnalysis.templates).toEqual([{ templateName: "orders-api-error-rate" }]);
    });

    it("queries Prometheus for the error rate in prod", () => {
        const template = byName(ofType(run, types.analysisTemplate), "orders-api-error-rate")!;
        const metric = template.inputs.spec.metrics[0];
        expect(metric.provider.prometheus.address).toBe("http://prometheus-server.monitoring.svc.cluster.local:9090");
        expect(metric.provider.prometheus.query).toBe(
            'sum(rate(http_request_errors_total{service="{{args.service-name}}",route!~"/healthz|/readyz|/metrics.*"}[2m])) / ' +
                'sum(rate(http_requests_total{service="{{args.service-name}}",route!~"/healthz|/readyz|/metrics.*"}[2m]))',
        );
        expect(metric.successCondition).toContain("<= 0.02");
    });

    it("carries each snapshot's quality evidence on its Rollout", () => {
        const catalog = byName(ofType(run, types.rollout), "catalog-api")!;
        expect(catalog.inputs.metadata.annotations).toMatchObject({
            "evidence.slipway.dev/coverage-lines": "91.2",
            "evidence.slipway.dev/tests-failed": "0",
            "evidence.slipway.dev/vulns-critical": "0",
            "evidence.slipway.dev/scanner": "trivy",
        });
    });

    it("installs the Argo Rollouts controller from its pinned chart", () => {
        const [release] = ofType(run, types.release);
        expect(release!.inputs).toMatchObject({ chart: "argo-rollouts", version: "2.40.5", namespace: "argo-rollouts" });
        expect(release!.inputs.values.controller.replicas).toBe(2);
        expect(release!.inputs.values.notifications).toEqual({ configmap: { create: false }, secret: { create: false } });
    });

    it("validates every Kubernetes object against the real Kubernetes and Argo Rollouts schemas", () => {
        const kube = run.resources.filter((r) => r.type.startsWith("kubernetes:") && r.type !== types.release);
        expect(kube.length).toBeGreaterThan(15);
        expect(kube.map(schemaErrors).filter(Boolean)).toEqual([]);
    });

    it("manages GitHub as the manifests say: protection, environments, variables and secrets per repository", () => {
        const protections = ofType(run, "github:index/branchProtection:BranchProtection");
        expect(protections.map((p) => p.inputs.repositoryId).sort()).toEqual(["catalog-api", "orders-api"]);
        for (const protection of protections) {
            expect(protection.inputs).toMatchObject({ pattern: "main", enforceAdmins: true, allowsForcePushes: false });
            expect(protection.inputs.requiredStatusChecks[0].contexts).toEqual(["test", "gate", "pulumi-preview"]);
            expect(protection.inputs.requiredPullRequestReviews[0].requiredApprovingReviewCount).toBe(2);
        }
        const environments = ofType(run, "github:index/repositoryEnvironment:RepositoryEnvironment");
        expect(environments.map((e) => `${e.inputs.repository}/${e.inputs.environment}`).sort()).toEqual([
            "catalog-api/dev",
            "catalog-api/prod",
            "orders-api/dev",
            "orders-api/prod",
        ]);
        const prod = environments.filter((e) => e.inputs.environment === "prod");
        for (const env of prod) {
            expect(env.inputs.reviewers[0].teams).toHaveLength(1);
            expect(env.inputs.deploymentBranchPolicy).toEqual({ protectedBranches: false, customBranchPolicies: true });
        }
        const branchPolicies = ofType(run, "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy");
        expect(branchPolicies.map((p) => p.inputs.branchPattern)).toEqual(["main", "main"]);
        expect(run.calls.filter((c) => c.token === "github:index/getTeam:getTeam").map((c) => c.inputs.slug)).toContain("platform-leads");
        const variables = ofType(run, "github:index/actionsVariable:ActionsVariable");
        expect(variables.filter((v) => v.inputs.variableName === "SLIPWAY_SERVICE").map((v) => v.inputs.value).sort()).toEqual(["catalog-api", "orders-api"]);
        const secrets = ofType(run, "github:index/actionsSecret:ActionsSecret");
        expect(secrets.map((s) => `${s.inputs.repository}/${s.inputs.secretName}`).sort()).toEqual(["catalog-api/PULUMI_ACCESS_TOKEN", "orders-api/PULUMI_ACCESS_TOKEN"]);
    });

    it("keeps secrets out of everything but Secrets: no ConfigMap, annotation, env or output holds them", () => {
        const leaks = run.resources.filter((r) => {
            if (r.type === types.secret || r.type === "github:index/actionsSecret:ActionsSecret") {
                return false;
            }
            const text = JSON.stringify(r.inputs);
            return Object.values(testSecrets).some((secret) => text.includes(secret));
        });
        expect(leaks.map((r) => r.name)).toEqual([]);
        expect(JSON.stringify(run.outputs)).not.toContain(testSecrets.slackToken);
        const [secret] = ofType(run, types.secret);
        // The token reaches the cluster only inside a Secret, and Pulumi holds it as a secret (encrypted in state).
        const stringData = secret!.inputs.stringData;
        expect(isSecretValue(stringData)).toBe(true);
        expect(unwrapSecrets(stringData)["slack-token"]).toBe(testSecrets.slackToken);
        for (const actionsSecret of ofType(run, "github:index/actionsSecret:ActionsSecret")) {
            expect(isSecretValue(actionsSecret.inputs.value) && actionsSecret.inputs.value.value).toBe(testSecrets.pulumiAccessToken);
        }
    });

    it("exports an inventory of digest, version, commit and commit URL per service", () => {
        const inventory = run.outputs.inventory;
        expect(inventory.schemaVersion).toBe(1);
        expect(inventory.environment).toBe("prod");
        expect(inventory.services["catalog-api"]).toMatchObject({
            version: "1.4.0",
            commit: "9c1e5a7d3b2f48e6a0c4d8b1f3e5a7c9d2b4f6e8",
            commitUrl: "https://github.com/slipway-demo/catalog-api/commit/9c1e5a7d3b2f48e6a0c4d8b1f3e5a7c9d2b4f6e8",
            strategy: "canary",
            namespace: "slipway-prod",
            digest: "sha256:4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192",
        });
        expect(inventory.services["orders-api"].strategy).toBe("blueGreen");
        expect(run.outputs.platformInfo).toMatchObject({ environment: "prod", rolloutsController: { managedBy: "slipway", chartVersion: "2.40.5" } });
    });
});
