import { describe, expect, it } from "vitest";
import {
    containerReadinessProbe,
    containerResources,
    podDisruptionBudget,
    reliabilityPolicies,
    workloadAntiAffinity,
    workloadMinReplicas,
    workloadSelectorMatch,
} from "../policies/reliability";
import { compliantContainer, deployment, firstContainer, messagesOf, pdb, rollout, workloadOfKind } from "./helpers";

describe("reliability: every resource policy passes compliant workloads", () => {
    for (const policy of reliabilityPolicies()) {
        it(`${policy.name} passes`, () => {
            expect(messagesOf(policy, [deployment(), rollout((p) => (p.metadata.name = "catalog-api-r")), pdb()])).toEqual([]);
        });
    }
});

describe("container-resources", () => {
    it("reports missing requests and limits", () => {
        expect(messagesOf(containerResources(), deployment((p) => delete firstContainer(p).resources))).toEqual([
            'Deployment/catalog-api: spec.template.spec.containers[0].resources is missing requests.cpu, requests.memory, limits.memory, limits.cpu (container "app"); set CPU and memory requests and limits.',
        ]);
    });
    it("hostile: reports an init container without limits", () => {
        const init = { ...compliantContainer("migrate"), resources: { requests: { cpu: "10m", memory: "16Mi" } } };
        expect(messagesOf(containerResources(), deployment((p) => (p.spec.template.spec.initContainers = [init])))).toEqual([
            'Deployment/catalog-api: spec.template.spec.initContainers[0].resources is missing limits.memory, limits.cpu (init container "migrate"); set CPU and memory requests and limits.',
        ]);
    });
    it("rejects requests above limits", () => {
        const messages = messagesOf(containerResources(), deployment((p) => (firstContainer(p).resources.requests.memory = "1Gi")));
        expect(messages).toEqual([
            'Deployment/catalog-api: spec.template.spec.containers[0].resources.requests.memory is above spec.template.spec.containers[0].resources.limits.memory (container "app"); lower the request or raise the limit.',
        ]);
    });
    it("compares CPU across units (1 > 500m)", () => {
        const [message] = messagesOf(containerResources(), deployment((p) => (firstContainer(p).resources.requests.cpu = 1)));
        expect(message).toContain("resources.requests.cpu is above");
    });
    it("rejects a malformed quantity", () => {
        const [message] = messagesOf(containerResources(), deployment((p) => (firstContainer(p).resources.limits.memory = "lots")));
        expect(message).toContain('resources.limits.memory is "lots", not a valid quantity');
    });
    it("can drop the CPU limit requirement by config", () => {
        expect(messagesOf(containerResources(), deployment((p) => delete firstContainer(p).resources.limits.cpu), { requireCpuLimit: false })).toEqual([]);
    });
    it("does not ask ephemeral containers for resources", () => {
        const debug = { name: "debug", image: "busybox:1.36" };
        expect(messagesOf(containerResources(), deployment((p) => (p.spec.template.spec.ephemeralContainers = [debug])))).toEqual([]);
    });
});

describe("container-readiness-probe", () => {
    it("requires a readiness probe", () => {
        expect(messagesOf(containerReadinessProbe(), deployment((p) => delete firstContainer(p).readinessProbe))).toEqual([
            'Deployment/catalog-api: spec.template.spec.containers[0].readinessProbe is missing (container "app"); add a readiness probe so traffic only reaches ready pods.',
        ]);
    });
    it("rejects a readiness probe identical to the liveness probe (key order does not matter)", () => {
        const messages = messagesOf(
            containerReadinessProbe(),
            deployment((p) => {
                firstContainer(p).readinessProbe = { periodSeconds: 10, httpGet: { port: "http", path: "/healthz" } };
                firstContainer(p).livenessProbe = { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 10 };
            }),
        );
        expect(messages).toEqual([expect.stringContaining("spec.template.spec.containers[0].readinessProbe is identical to livenessProbe")]);
    });
    it("does not apply to Jobs and CronJobs", () => {
        const spec = { containers: [{ name: "job", image: "x:1" }] };
        expect(messagesOf(containerReadinessProbe(), [workloadOfKind("Job", spec), workloadOfKind("CronJob", spec)])).toEqual([]);
    });
});

describe("workload-min-replicas", () => {
    it("treats a Rollout without replicas as 1", () => {
        expect(messagesOf(workloadMinReplicas(), rollout((p) => delete p.spec.replicas))).toEqual([
            "Rollout/catalog-api: spec.replicas is not set, which means 1; set it to at least 2 so one pod can fail or be evicted without an outage.",
        ]);
    });
    it("uses the configured minimum", () => {
        expect(messagesOf(workloadMinReplicas(), deployment(), { minReplicas: 4 })).toEqual([
            "Deployment/catalog-api: spec.replicas is 3; set it to at least 4 so one pod can fail or be evicted without an outage.",
        ]);
        expect(messagesOf(workloadMinReplicas(), rollout((p) => (p.spec.replicas = 1)), { minReplicas: 1 })).toEqual([]);
    });
    it("checks HorizontalPodAutoscaler.minReplicas", () => {
        const hpa = { type: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", name: "h", props: { kind: "HorizontalPodAutoscaler", metadata: { name: "h" }, spec: { maxReplicas: 5 } } };
        expect(messagesOf(workloadMinReplicas(), hpa)).toEqual([
            "HorizontalPodAutoscaler/h: spec.minReplicas is not set, which means 1; set it to at least 2 so one pod can fail or be evicted without an outage.",
        ]);
    });
    it("does not apply to DaemonSets or Jobs", () => {
        expect(messagesOf(workloadMinReplicas(), [workloadOfKind("DaemonSet"), workloadOfKind("Job")])).toEqual([]);
    });
});

describe("workload-anti-affinity", () => {
    it("requires anti-affinity or topology spread", () => {
        expect(messagesOf(workloadAntiAffinity(), deployment((p) => delete p.spec.template.spec.topologySpreadConstraints))).toEqual([
            "Deployment/catalog-api: spec.template.spec has neither affinity.podAntiAffinity nor topologySpreadConstraints; add a topologySpreadConstraint on kubernetes.io/hostname (or pod anti-affinity) for the app's labels.",
        ]);
    });
    it("accepts preferred pod anti-affinity", () => {
        const edit = (p: any) => { // eslint-disable-line @typescript-eslint/no-explicit-any
            delete p.spec.template.spec.topologySpreadConstraints;
            p.spec.template.spec.affinity = { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: { topologyKey: "kubernetes.io/hostname" } }] } };
        };
        expect(messagesOf(workloadAntiAffinity(), deployment(edit))).toEqual([]);
    });
    it("can be switched off by config (dev-style)", () => {
        expect(messagesOf(workloadAntiAffinity(), deployment((p) => delete p.spec.template.spec.topologySpreadConstraints), { requireAntiAffinity: false })).toEqual([]);
    });
});

describe("workload-selector-match", () => {
    it("rejects a selector that does not match the template labels", () => {
        expect(messagesOf(workloadSelectorMatch(), deployment((p) => (p.spec.selector.matchLabels["app.kubernetes.io/name"] = "other")))).toEqual([
            "Deployment/catalog-api: spec.selector does not match spec.template.metadata.labels; the controller would not own its own pods. Make the template labels satisfy the selector.",
        ]);
    });
    it("rejects a missing selector and a version label in the selector", () => {
        expect(messagesOf(workloadSelectorMatch(), rollout((p) => delete p.spec.selector))[0]).toContain("spec.selector is missing");
        const [message] = messagesOf(
            workloadSelectorMatch(),
            deployment((p) => {
                p.spec.selector.matchLabels["app.kubernetes.io/version"] = "1.4.2";
                p.spec.template.metadata.labels["app.kubernetes.io/version"] = "1.4.2";
            }),
        );
        expect(message).toContain("spec.selector.matchLabels includes app.kubernetes.io/version");
    });
    it("evaluates matchExpressions", () => {
        const edit = (operator: string) => (p: any) => (p.spec.selector = { matchExpressions: [{ key: "app.kubernetes.io/name", operator, values: ["catalog-api"] }] }); // eslint-disable-line @typescript-eslint/no-explicit-any
        expect(messagesOf(workloadSelectorMatch(), deployment(edit("In")))).toEqual([]);
        expect(messagesOf(workloadSelectorMatch(), deployment(edit("NotIn")))).toHaveLength(1);
    });
});

describe("pod-disruption-budget", () => {
    it("passes with a budget allowing one disruption", () => {
        expect(messagesOf(podDisruptionBudget(), [deployment(), pdb()])).toEqual([]);
    });
    it("requires a budget selecting the workload", () => {
        expect(messagesOf(podDisruptionBudget(), [deployment()])).toEqual([
            'Deployment/catalog-api: no PodDisruptionBudget in namespace "slipway" selects its pods (spec.template.metadata.labels); add one with maxUnavailable: 1 and a selector matching those labels.',
        ]);
    });
    it("does not count a budget in another namespace, nor one in default for a workload in slipway", () => {
        expect(messagesOf(podDisruptionBudget(), [deployment(), pdb(() => {}, "catalog-api", "other")])).toHaveLength(1);
        const noNamespace = pdb((p) => delete p.metadata.namespace);
        expect(messagesOf(podDisruptionBudget(), [deployment(), noNamespace])).toHaveLength(1);
        const workloadInDefault = deployment((p) => delete p.metadata.namespace);
        expect(messagesOf(podDisruptionBudget(), [workloadInDefault, noNamespace])).toEqual([]);
    });
    it("rejects a budget that allows no disruption", () => {
        const messages = messagesOf(podDisruptionBudget(), [deployment(), pdb((p) => (p.spec = { minAvailable: 3, selector: p.spec.selector }))]);
        expect(messages).toEqual([
            "Deployment/catalog-api: PodDisruptionBudget/catalog-api allows no voluntary disruption for 3 replica(s) (spec.minAvailable); use maxUnavailable: 1 or lower minAvailable below the replica count.",
        ]);
        expect(messagesOf(podDisruptionBudget(), [deployment(), pdb((p) => (p.spec = { minAvailable: "100%", selector: p.spec.selector }))])).toHaveLength(1);
        expect(messagesOf(podDisruptionBudget(), [deployment(), pdb((p) => (p.spec.maxUnavailable = 0))])).toHaveLength(1);
    });
    it("counts replicas from an HPA's minReplicas", () => {
        const hpa = {
            type: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
            name: "catalog-api",
            props: { metadata: { name: "catalog-api", namespace: "slipway" }, spec: { minReplicas: 4, scaleTargetRef: { kind: "Rollout", name: "catalog-api" } } },
        };
        const budget = pdb((p) => (p.spec = { minAvailable: 3, selector: p.spec.selector }));
        expect(messagesOf(podDisruptionBudget(), [rollout(), budget, hpa])).toEqual([]);
        expect(messagesOf(podDisruptionBudget(), [rollout(), budget])).toHaveLength(1);
    });
    it("rejects two budgets selecting the same pods", () => {
        const [message] = messagesOf(podDisruptionBudget(), [deployment(), pdb(), pdb(() => {}, "second")]);
        expect(message).toContain("its pods are selected by 2 PodDisruptionBudgets (PodDisruptionBudget/catalog-api, PodDisruptionBudget/second)");
    });
    it("matches a workloadRef Rollout by its selector", () => {
        const withRef = rollout((p) => {
            delete p.spec.template;
            p.spec.workloadRef = { apiVersion: "apps/v1", kind: "Deployment", name: "catalog-api" };
        });
        expect(messagesOf(podDisruptionBudget(), [withRef, pdb()])).toEqual([]);
    });
});
