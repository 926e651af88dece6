import { describe, expect, it } from "vitest";
import {
    analysisDryRun,
    analysisFailureLimit,
    rolloutAnalysis,
    rolloutBlueGreenPromotion,
    rolloutIndefinitePause,
    rolloutPolicies,
    rolloutProgressDeadlineAbort,
    rolloutServices,
    rolloutSurgeUnavailable,
    rolloutWeights,
} from "../policies/rollouts";
import { analysisTemplate, blueGreenRollout, deployment, messagesOf, rollout, service } from "./helpers";

const canary = (p: any) => p.spec.strategy.canary; // eslint-disable-line @typescript-eslint/no-explicit-any
const services = [service("catalog-api-canary"), service("catalog-api-stable")];

describe("rollouts: every policy passes a compliant canary set", () => {
    for (const policy of rolloutPolicies()) {
        it(`${policy.name} passes`, () => {
            expect(messagesOf(policy, [rollout(), ...services, analysisTemplate(), deployment()])).toEqual([]);
        });
    }
});

describe("rollout-analysis", () => {
    it("rejects a canary without analysis", () => {
        expect(messagesOf(rolloutAnalysis(), rollout((p) => delete canary(p).analysis))).toEqual([
            "Rollout/catalog-api: spec.strategy.canary has no automated analysis; add spec.strategy.canary.analysis (background) or an analysis step that references an AnalysisTemplate.",
        ]);
    });
    it("accepts an analysis step instead of background analysis", () => {
        const edit = (p: any) => { // eslint-disable-line @typescript-eslint/no-explicit-any
            delete canary(p).analysis;
            canary(p).steps.push({ analysis: { templates: [{ templateName: "smoke" }] } });
        };
        expect(messagesOf(rolloutAnalysis(), rollout(edit))).toEqual([]);
    });
    it("does not count an analysis block without templates", () => {
        expect(messagesOf(rolloutAnalysis(), rollout((p) => (canary(p).analysis = { templates: [] })))).toHaveLength(1);
    });
    it("is off when requireAnalysis is false", () => {
        expect(messagesOf(rolloutAnalysis(), rollout((p) => delete canary(p).analysis), { requireAnalysis: false })).toEqual([]);
    });
});

describe("rollout-indefinite-pause", () => {
    it("hostile: rejects `pause: {}` in a canary without analysis", () => {
        const edit = (p: any) => { // eslint-disable-line @typescript-eslint/no-explicit-any
            delete canary(p).analysis;
            canary(p).steps = [{ setWeight: 20 }, { pause: {} }, { setWeight: 100 }];
        };
        expect(messagesOf(rolloutIndefinitePause(), rollout(edit))).toEqual([
            'Rollout/catalog-api: spec.strategy.canary.steps[1].pause has no duration and the canary has no analysis, so it waits indefinitely; set pause.duration (e.g. "5m") or add an analysis step.',
        ]);
    });
    it("allows an indefinite pause when analysis runs", () => {
        expect(messagesOf(rolloutIndefinitePause(), rollout((p) => canary(p).steps.push({ pause: {} })))).toEqual([]);
    });
});

describe("rollout-surge-unavailable", () => {
    it("rejects maxSurge and maxUnavailable both zero on a canary", () => {
        const edit = (p: any) => Object.assign(canary(p), { maxSurge: 0, maxUnavailable: "0%" }); // eslint-disable-line @typescript-eslint/no-explicit-any
        expect(messagesOf(rolloutSurgeUnavailable(), rollout(edit))).toEqual([
            "Rollout/catalog-api: spec.strategy.canary.maxSurge and spec.strategy.canary.maxUnavailable are both zero, so no pod can be replaced; set maxSurge to at least 1 (or 25%).",
        ]);
    });
    it("checks a Deployment's rolling update, and allows one of them zero", () => {
        const both = deployment((p) => (p.spec.strategy = { rollingUpdate: { maxSurge: "0", maxUnavailable: 0 } }));
        expect(messagesOf(rolloutSurgeUnavailable(), both)[0]).toContain("spec.strategy.rollingUpdate.maxSurge and spec.strategy.rollingUpdate.maxUnavailable are both zero");
        expect(messagesOf(rolloutSurgeUnavailable(), rollout((p) => (canary(p).maxUnavailable = 0)))).toEqual([]);
    });
});

describe("rollout-weights", () => {
    it("hostile: rejects weight 120", () => {
        expect(messagesOf(rolloutWeights(), rollout((p) => (canary(p).steps[0] = { setWeight: 120 })))).toEqual([
            'Rollout/catalog-api: spec.strategy.canary.steps[0].setWeight is 120; use a whole number from 0 to 100.',
        ]);
    });
    it("rejects negative, fractional and textual weights, and bad setCanaryScale weights", () => {
        const edit = (p: any) => (canary(p).steps = [{ setWeight: -5 }, { setWeight: 12.5 }, { setWeight: "50" }, { setCanaryScale: { weight: 101 } }]); // eslint-disable-line @typescript-eslint/no-explicit-any
        const messages = messagesOf(rolloutWeights(), rollout(edit));
        expect(messages).toHaveLength(4);
        expect(messages[2]).toContain('spec.strategy.canary.steps[2].setWeight is "50"');
        expect(messages[3]).toContain("spec.strategy.canary.steps[3].setCanaryScale.weight is 101;");
    });
    it("accepts 0 and 100", () => {
        expect(messagesOf(rolloutWeights(), rollout((p) => (canary(p).steps = [{ setWeight: 0 }, { setWeight: 100 }])))).toEqual([]);
    });
});

describe("rollout-progress-deadline-abort", () => {
    it("requires progressDeadlineAbort: true", () => {
        expect(messagesOf(rolloutProgressDeadlineAbort(), rollout((p) => delete p.spec.progressDeadlineAbort))).toEqual([
            "Rollout/catalog-api: spec.progressDeadlineAbort is not true; set it to true (with progressDeadlineSeconds) so a stalled update is aborted.",
        ]);
    });
});

describe("rollout-bluegreen-promotion", () => {
    it("passes blue/green with pre-promotion analysis", () => {
        expect(messagesOf(rolloutBlueGreenPromotion(), blueGreenRollout())).toEqual([]);
    });
    it("hostile: rejects auto-promotion (the default) without pre-promotion analysis", () => {
        expect(messagesOf(rolloutBlueGreenPromotion(), blueGreenRollout((p) => delete p.spec.strategy.blueGreen.prePromotionAnalysis))).toEqual([
            "Rollout/catalog-api: spec.strategy.blueGreen promotes automatically without prePromotionAnalysis; add prePromotionAnalysis with an AnalysisTemplate, or set autoPromotionEnabled: false.",
        ]);
        const explicit = blueGreenRollout((p) => {
            delete p.spec.strategy.blueGreen.prePromotionAnalysis;
            p.spec.strategy.blueGreen.autoPromotionEnabled = true;
        });
        expect(messagesOf(rolloutBlueGreenPromotion(), explicit)).toHaveLength(1);
    });
    it("allows manual promotion without analysis", () => {
        const manual = blueGreenRollout((p) => {
            delete p.spec.strategy.blueGreen.prePromotionAnalysis;
            p.spec.strategy.blueGreen.autoPromotionEnabled = false;
        });
        expect(messagesOf(rolloutBlueGreenPromotion(), manual)).toEqual([]);
    });
});

describe("rollout-services", () => {
    it("rejects identical canary and stable Services", () => {
        const same = rollout((p) => (canary(p).canaryService = "catalog-api-stable"));
        expect(messagesOf(rolloutServices(), [same, ...services])).toEqual([
            'Rollout/catalog-api: spec.strategy.canary.canaryService and spec.strategy.canary.stableService are both "catalog-api-stable"; they must be two different Services.',
        ]);
    });
    it("rejects a Service that does not exist, or exists only in another namespace", () => {
        expect(messagesOf(rolloutServices(), [rollout(), service("catalog-api-stable")])).toEqual([
            'Rollout/catalog-api: spec.strategy.canary.canaryService names Service "catalog-api-canary", which does not exist in namespace "slipway"; create it or fix the name.',
        ]);
        expect(messagesOf(rolloutServices(), [rollout(), service("catalog-api-stable"), service("catalog-api-canary", () => {}, "other")])).toHaveLength(1);
    });
    it("finds a Service auto-named by Pulumi (metadata.name absent)", () => {
        const autoNamed = { ...service("catalog-api-canary", (p) => delete p.metadata.name) };
        const ref = rollout((p) => (canary(p).canaryService = "catalog-api-canary-1a2b3c4"));
        expect(messagesOf(rolloutServices(), [ref, autoNamed, service("catalog-api-stable")])).toEqual([]);
    });
    it("requires an active Service for blue/green and different active and preview Services", () => {
        const noActive = blueGreenRollout((p) => delete p.spec.strategy.blueGreen.activeService);
        expect(messagesOf(rolloutServices(), [noActive, service("catalog-api-preview")])).toEqual([
            "Rollout/catalog-api: spec.strategy.blueGreen.activeService is missing; name the Service that receives production traffic.",
        ]);
        const same = blueGreenRollout((p) => (p.spec.strategy.blueGreen.previewService = "catalog-api-active"));
        expect(messagesOf(rolloutServices(), [same, service("catalog-api-active")])[0]).toContain(
            'spec.strategy.blueGreen.previewService and spec.strategy.blueGreen.activeService are both "catalog-api-active"',
        );
    });
    it("requires both Services when traffic routing is used", () => {
        const edit = (p: any) => { // eslint-disable-line @typescript-eslint/no-explicit-any
            delete canary(p).canaryService;
            canary(p).trafficRouting = { nginx: { stableIngress: "catalog-api" } };
        };
        expect(messagesOf(rolloutServices(), [rollout(edit), ...services])[0]).toContain("spec.strategy.canary.trafficRouting needs both canaryService and stableService");
    });
});

describe("analysis-failure-limit", () => {
    it("hostile: rejects failureLimit -1", () => {
        expect(messagesOf(analysisFailureLimit(), analysisTemplate((p) => (p.spec.metrics[0].failureLimit = -1)))).toEqual([
            'AnalysisTemplate/catalog-api-success-rate: spec.metrics[0].failureLimit is -1 (metric "error-rate"), which disables failure; set it to 0 or a small positive count.',
        ]);
    });
    it("checks ClusterAnalysisTemplates too", () => {
        const cluster = analysisTemplate((p) => (p.spec.metrics[1].failureLimit = "-1"));
        cluster.type = "kubernetes:argoproj.io/v1alpha1:ClusterAnalysisTemplate";
        cluster.props.kind = "ClusterAnalysisTemplate";
        expect(messagesOf(analysisFailureLimit(), cluster)[0]).toContain("ClusterAnalysisTemplate/catalog-api-success-rate: spec.metrics[1].failureLimit is -1");
    });
});

describe("analysis-dry-run", () => {
    it("hostile: rejects a template whose metrics are all dry-run", () => {
        const all = analysisTemplate((p) => (p.spec.dryRun = [{ metricName: "error-rate" }, { metricName: "latency" }]));
        expect(messagesOf(analysisDryRun(), all)).toEqual([
            "AnalysisTemplate/catalog-api-success-rate: spec.dryRun covers every metric in spec.metrics, so the analysis can never fail; remove dryRun or keep at least one metric enforcing.",
        ]);
        expect(messagesOf(analysisDryRun(), analysisTemplate((p) => (p.spec.dryRun = [{ metricName: ".*" }])))).toHaveLength(1);
    });
    it("allows trialling one metric in dry-run", () => {
        expect(messagesOf(analysisDryRun(), analysisTemplate((p) => (p.spec.dryRun = [{ metricName: "latency" }])))).toEqual([]);
    });
    it("rejects a Rollout analysis that runs every metric dry", () => {
        const edit = (p: any) => (canary(p).analysis.dryRun = [{ metricName: ".*" }]); // eslint-disable-line @typescript-eslint/no-explicit-any
        expect(messagesOf(analysisDryRun(), rollout(edit))).toEqual([
            "Rollout/catalog-api: spec.strategy.canary.analysis.dryRun matches every metric, so this analysis can never fail; remove it or name only the metrics being trialled.",
        ]);
    });
});
