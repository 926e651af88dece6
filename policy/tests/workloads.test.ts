import { describe, expect, it } from "vitest";
import { canonicalJson, fieldPath, parseIntOrPercent, parseQuantity, parseTypeToken, selectorMatches } from "../lib/k8s";
import { containersOf, workloadKindOf, workloadOf } from "../lib/workloads";
import { WORKLOAD_KINDS, compliantContainer, compliantPodSpec, rollout, workloadOfKind } from "./helpers";

describe("workload extraction by type token", () => {
    const expected: Record<string, string> = {
        Pod: "spec",
        Deployment: "spec.template.spec",
        ReplicaSet: "spec.template.spec",
        StatefulSet: "spec.template.spec",
        DaemonSet: "spec.template.spec",
        Job: "spec.template.spec",
        CronJob: "spec.jobTemplate.spec.template.spec",
        Rollout: "spec.template.spec",
    };
    for (const kind of WORKLOAD_KINDS) {
        it(`finds the pod spec of a ${kind} at ${expected[kind]}`, () => {
            const resource = workloadOfKind(kind);
            const workload = workloadOf(resource.type, resource.props);
            expect(workload?.kind).toBe(kind);
            expect(workload?.podSpecPath).toBe(expected[kind]);
            expect(workload?.podSpec?.containers).toHaveLength(1);
        });
    }
    it("lists regular, init and ephemeral containers with their paths", () => {
        const spec = compliantPodSpec();
        spec.initContainers = [compliantContainer("init")];
        spec.ephemeralContainers = [{ name: "debug", image: "busybox:1" }];
        const resource = workloadOfKind("CronJob", spec);
        const workload = workloadOf(resource.type, resource.props);
        expect(workload && containersOf(workload).map((c) => `${c.path} ${c.name}`)).toEqual([
            "spec.jobTemplate.spec.template.spec.containers[0] app",
            "spec.jobTemplate.spec.template.spec.initContainers[0] init",
            "spec.jobTemplate.spec.template.spec.ephemeralContainers[0] debug",
        ]);
    });
    it("marks a Rollout with workloadRef as having no pod template", () => {
        const withRef = rollout((p) => {
            delete p.spec.template;
            p.spec.workloadRef = { kind: "Deployment", name: "x" };
        });
        const workload = workloadOf(withRef.type, withRef.props);
        expect(workload?.usesWorkloadRef).toBe(true);
        expect(workload?.podSpec).toBeUndefined();
    });
    it("recognises older API versions and ignores non-workloads", () => {
        expect(workloadKindOf("kubernetes:batch/v1beta1:CronJob")).toBe("CronJob");
        expect(workloadKindOf("kubernetes:extensions/v1beta1:Deployment")).toBe("Deployment");
        expect(workloadKindOf("kubernetes:core/v1:Service")).toBeUndefined();
        expect(workloadKindOf("aws:s3/bucket:Bucket")).toBeUndefined();
        expect(parseTypeToken("kubernetes:networking.k8s.io/v1:NetworkPolicy")).toEqual({ group: "networking.k8s.io", version: "v1", kind: "NetworkPolicy" });
    });
});

describe("Kubernetes value helpers", () => {
    it("parses quantities", () => {
        expect(parseQuantity("250m")).toBeCloseTo(0.25);
        expect(parseQuantity("128Mi")).toBe(128 * 2 ** 20);
        expect(parseQuantity("1G")).toBe(1e9);
        expect(parseQuantity("1e3")).toBe(1000);
        expect(parseQuantity(2)).toBe(2);
        expect(parseQuantity("-1")).toBeUndefined();
        expect(parseQuantity("12 MB")).toBeUndefined();
    });
    it("evaluates label selectors", () => {
        const labels = { app: "web", tier: "front" };
        expect(selectorMatches({ matchLabels: { app: "web" } }, labels)).toBe(true);
        expect(selectorMatches({ matchExpressions: [{ key: "tier", operator: "In", values: ["front", "back"] }] }, labels)).toBe(true);
        expect(selectorMatches({ matchExpressions: [{ key: "tier", operator: "DoesNotExist" }] }, labels)).toBe(false);
        expect(selectorMatches({ matchExpressions: [{ key: "env", operator: "NotIn", values: ["prod"] }] }, labels)).toBe(true);
        expect(selectorMatches({ matchExpressions: [{ key: "env", operator: "Bogus" }] }, labels)).toBe(false);
        expect(selectorMatches({}, labels)).toBe(true);
    });
    it("builds field paths and canonical JSON", () => {
        expect(fieldPath("metadata", "annotations", "kube-score/ignore")).toBe('metadata.annotations["kube-score/ignore"]');
        expect(fieldPath("spec", "containers", 0, "image")).toBe("spec.containers[0].image");
        expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe(canonicalJson({ a: [{ c: 3, d: 2 }], b: 1 }));
        expect(parseIntOrPercent("25%")).toEqual({ kind: "percent", value: 25 });
        expect(parseIntOrPercent("x")).toBeUndefined();
    });
});
