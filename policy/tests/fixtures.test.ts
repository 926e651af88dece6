import { describe, expect, it } from "vitest";
import { evaluate } from "../engine";
import { loadStackConfig } from "../stacks";
import { fixture, prodConfig } from "./helpers";

describe("good fixtures", () => {
    const prodSet = fixture("good/prod-rollout.yaml");
    const deploymentSet = fixture("good/deployment.yaml");

    it("parse into the expected objects", () => {
        expect(prodSet.map((r) => r.type)).toEqual([
            "kubernetes:core/v1:ServiceAccount",
            "kubernetes:argoproj.io/v1alpha1:Rollout",
            "kubernetes:core/v1:Service",
            "kubernetes:core/v1:Service",
            "kubernetes:policy/v1:PodDisruptionBudget",
            "kubernetes:networking.k8s.io/v1:NetworkPolicy",
            "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
            "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate",
            "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate",
        ]);
        expect(deploymentSet.map((r) => r.props.kind)).toEqual(["ServiceAccount", "Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy"]);
    });
    it("the compliant prod Rollout set has zero violations in prod", () => {
        expect(evaluate(prodSet, prodConfig())).toEqual([]);
    });
    it("the compliant Deployment set has zero violations in prod", () => {
        expect(evaluate(deploymentSet, prodConfig())).toEqual([]);
    });
    it("both together have zero violations in prod", () => {
        expect(evaluate([...prodSet, ...deploymentSet], prodConfig())).toEqual([]);
    });
    it("in prod without their digests verified, promotion rejects them and nothing else", () => {
        const violations = evaluate(prodSet, loadStackConfig("prod"));
        expect(violations.map((v) => v.policy)).toEqual(["promotion-verified-digests"]);
    });
    it("in dev only the registry differs (prod images are not in the dev registry)", () => {
        const violations = evaluate([...prodSet, ...deploymentSet], loadStackConfig("dev"));
        expect(new Set(violations.map((v) => `${v.level} ${v.policy}`))).toEqual(new Set(["advisory image-registry"]));
    });
});

describe("bad fixtures", () => {
    const expectations: Record<string, string[]> = {
        "bad/privileged-pod.yaml": ["container-privileged", "pod-host-namespaces", "pod-volume-types"],
        "bad/cronjob-root.yaml": ["pod-run-as-user", "image-tag", "secret-literals"],
        "bad/rollout-unsafe.yaml": ["rollout-weights", "rollout-indefinite-pause", "rollout-analysis", "analysis-failure-limit", "analysis-dry-run", "rollout-services"],
        "bad/release.yaml": ["helm-release-allow-list", "helm-release-version"],
    };
    for (const [file, policies] of Object.entries(expectations)) {
        it(`${file} is rejected in prod by ${policies.join(", ")}`, () => {
            const violations = evaluate(fixture(file), prodConfig());
            const names = new Set(violations.filter((v) => v.level === "mandatory").map((v) => v.policy));
            for (const policy of policies) expect(names).toContain(policy);
        });
    }
});
