/**
 * Argo Rollouts: progressive delivery must be automated, bounded and able to abort.
 * Checks the Rollout custom resource (`kubernetes:argoproj.io/v1alpha1:Rollout`), AnalysisTemplates
 * and, for the surge/unavailable check, Deployments' rolling updates too.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { Obj, fieldPath, list, obj, parseIntOrPercent, parseTypeToken, safeId, text } from "../lib/k8s";
import { EnforcementLevel, StackResource, resourcePolicy, schema, stackPolicy } from "../lib/policy";

function isRollout(type: string): boolean {
    const token = parseTypeToken(type);
    return token?.group === "argoproj.io" && token.kind === "Rollout";
}

function isAnalysisTemplate(type: string): boolean {
    const token = parseTypeToken(type);
    return token?.group === "argoproj.io" && (token.kind === "AnalysisTemplate" || token.kind === "ClusterAnalysisTemplate" || token.kind === "AnalysisRun");
}

function strategyOf(props: Obj): { canary?: Obj; blueGreen?: Obj } {
    const strategy = obj(obj(props.spec)?.strategy) ?? {};
    return { canary: obj(strategy.canary), blueGreen: obj(strategy.blueGreen) };
}

/** An analysis block (`{templates: [...]}`) that references at least one template. */
function referencesTemplates(analysis: unknown): boolean {
    return list(obj(analysis)?.templates).some((template) => {
        const entry = obj(template);
        return !!entry && (typeof entry.templateName === "string" || typeof entry.clusterScope === "boolean");
    });
}

/** True when a canary runs automated analysis: background analysis, an analysis step, or an experiment with analyses. */
export function canaryHasAnalysis(canary: Obj): boolean {
    if (referencesTemplates(canary.analysis)) return true;
    return list(canary.steps).some((raw) => {
        const step = obj(raw);
        if (!step) return false;
        if (referencesTemplates(step.analysis)) return true;
        return list(obj(step.experiment)?.analyses).some((analysis) => typeof obj(analysis)?.templateName === "string");
    });
}

interface AnalysisConfig {
    requireAnalysis: boolean;
}

export function rolloutAnalysis(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return resourcePolicy<AnalysisConfig>(
        {
            name: "rollout-analysis",
            description:
                "Every canary Rollout must run automated analysis, in the background or as analysis steps, so a bad version is " +
                "aborted by measurements rather than promoted by the clock.",
            enforcementLevel,
            configSchema: { properties: { requireAnalysis: schema.boolean(true, "Require automated analysis on every canary.") } },
        },
        isRollout,
        (ctx) => {
            if (!ctx.config.requireAnalysis) return;
            const { canary } = strategyOf(ctx.props);
            if (canary && !canaryHasAnalysis(canary)) {
                ctx.report(
                    "spec.strategy.canary has no automated analysis; add spec.strategy.canary.analysis (background) or an analysis step that references an AnalysisTemplate.",
                );
            }
        },
    );
}

export function rolloutIndefinitePause(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return resourcePolicy(
        {
            name: "rollout-indefinite-pause",
            description:
                "A canary without automated analysis must not pause indefinitely (`pause: {}`): the release would wait for a human " +
                "with nothing measured. Give the pause a duration or add analysis.",
            enforcementLevel,
        },
        isRollout,
        (ctx) => {
            const { canary } = strategyOf(ctx.props);
            if (!canary || canaryHasAnalysis(canary)) return;
            list(canary.steps).forEach((raw, index) => {
                const step = obj(raw);
                if (!step || !Object.prototype.hasOwnProperty.call(step, "pause")) return;
                const duration = obj(step.pause)?.duration;
                if (duration === undefined || duration === null || duration === "") {
                    ctx.report(
                        `${fieldPath("spec.strategy.canary.steps", index)}.pause has no duration and the canary has no analysis, so it waits indefinitely; set pause.duration (e.g. "5m") or add an analysis step.`,
                    );
                }
            });
        },
    );
}

function isZero(value: unknown): boolean {
    const parsed = parseIntOrPercent(value);
    return parsed !== undefined && parsed.value === 0;
}

export function rolloutSurgeUnavailable(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    const isDeployment = (type: string) => {
        const token = parseTypeToken(type);
        return (token?.group === "apps" || token?.group === "extensions") && token.kind === "Deployment";
    };
    return resourcePolicy(
        {
            name: "rollout-surge-unavailable",
            description: "A canary Rollout or rolling Deployment must not set both maxSurge and maxUnavailable to zero: the update could never make progress.",
            enforcementLevel,
        },
        (type) => isRollout(type) || isDeployment(type),
        (ctx) => {
            let holder: Obj | undefined;
            let path: string;
            if (isRollout(ctx.type)) {
                holder = strategyOf(ctx.props).canary;
                path = "spec.strategy.canary";
            } else {
                holder = obj(obj(obj(ctx.props.spec)?.strategy)?.rollingUpdate);
                path = "spec.strategy.rollingUpdate";
            }
            if (holder && isZero(holder.maxSurge) && isZero(holder.maxUnavailable)) {
                ctx.report(`${path}.maxSurge and ${path}.maxUnavailable are both zero, so no pod can be replaced; set maxSurge to at least 1 (or 25%).`);
            }
        },
    );
}

function validWeight(value: unknown): boolean {
    return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 100;
}

export function rolloutWeights(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return resourcePolicy(
        {
            name: "rollout-weights",
            description: "Canary weights (setWeight, setCanaryScale.weight, experiment template weights) must be whole numbers from 0 to 100.",
            enforcementLevel,
        },
        isRollout,
        (ctx) => {
            const { canary } = strategyOf(ctx.props);
            if (!canary) return;
            const check = (value: unknown, path: string) => {
                if (value === undefined || value === null || validWeight(value)) return;
                const shown = typeof value === "number" ? String(value) : JSON.stringify(safeId(String(value)));
                ctx.report(`${path} is ${shown}; use a whole number from 0 to 100.`);
            };
            list(canary.steps).forEach((raw, index) => {
                const step = obj(raw);
                if (!step) return;
                const path = fieldPath("spec.strategy.canary.steps", index);
                check(step.setWeight, `${path}.setWeight`);
                check(obj(step.setCanaryScale)?.weight, `${path}.setCanaryScale.weight`);
                list(obj(step.experiment)?.templates).forEach((template, t) => {
                    check(obj(template)?.weight, `${fieldPath(path, "experiment", "templates", t)}.weight`);
                });
            });
        },
    );
}

export function rolloutProgressDeadlineAbort(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return resourcePolicy(
        {
            name: "rollout-progress-deadline-abort",
            description: "Every Rollout must set spec.progressDeadlineAbort to true, so an update that stops progressing is aborted and rolled back instead of hanging.",
            enforcementLevel,
        },
        isRollout,
        (ctx) => {
            if (obj(ctx.props.spec)?.progressDeadlineAbort !== true) {
                ctx.report("spec.progressDeadlineAbort is not true; set it to true (with progressDeadlineSeconds) so a stalled update is aborted.");
            }
        },
    );
}

export function rolloutBlueGreenPromotion(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return resourcePolicy(
        {
            name: "rollout-bluegreen-promotion",
            description:
                "A blue/green Rollout that promotes automatically (autoPromotionEnabled defaults to true) must run pre-promotion analysis, " +
                "so the preview is verified before it takes traffic.",
            enforcementLevel,
        },
        isRollout,
        (ctx) => {
            const { blueGreen } = strategyOf(ctx.props);
            if (!blueGreen || blueGreen.autoPromotionEnabled === false) return;
            if (!referencesTemplates(blueGreen.prePromotionAnalysis)) {
                ctx.report(
                    "spec.strategy.blueGreen promotes automatically without prePromotionAnalysis; add prePromotionAnalysis with an AnalysisTemplate, or set autoPromotionEnabled: false.",
                );
            }
        },
    );
}

export function analysisFailureLimit(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return resourcePolicy(
        {
            name: "analysis-failure-limit",
            description: "Analysis metrics must be able to fail: failureLimit must not be negative (-1 disables failure and lets every measurement pass).",
            enforcementLevel,
        },
        isAnalysisTemplate,
        (ctx) => {
            list(obj(ctx.props.spec)?.metrics).forEach((raw, index) => {
                const metric = obj(raw);
                if (!metric) return;
                const value = metric.failureLimit;
                const numeric = typeof value === "number" ? value : typeof value === "string" ? Number(value) : undefined;
                if (numeric !== undefined && Number.isFinite(numeric) && numeric < 0) {
                    const name = text(metric.name) ?? `#${index}`;
                    ctx.report(
                        `${fieldPath("spec.metrics", index)}.failureLimit is ${numeric} (metric ${JSON.stringify(safeId(name))}), which disables failure; set it to 0 or a small positive count.`,
                    );
                }
            });
        },
    );
}

const SAMPLE_METRIC_NAMES = ["success-rate", "error-rate", "latency-p99", "smoke-test", "x"];

function dryRunMatcher(pattern: string): (name: string) => boolean {
    try {
        const regex = new RegExp(pattern);
        return (name) => name === pattern || regex.test(name);
    } catch {
        return (name) => name === pattern;
    }
}

/** True when a dryRun list would match any metric name (e.g. `.*`). */
function dryRunMatchesEverything(dryRun: unknown): boolean {
    const matchers = list(dryRun).map((entry) => dryRunMatcher(text(obj(entry)?.metricName) ?? "\u0000"));
    return SAMPLE_METRIC_NAMES.every((name) => matchers.some((matches) => matches(name)));
}

export function analysisDryRun(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return resourcePolicy(
        {
            name: "analysis-dry-run",
            description:
                "Not every analysis metric may run in dry-run mode: a dry-run metric never fails the analysis, so an all-dry-run " +
                "analysis verifies nothing. Applies to AnalysisTemplates and to analysis blocks inside Rollouts.",
            enforcementLevel,
        },
        (type) => isAnalysisTemplate(type) || isRollout(type),
        (ctx) => {
            if (isAnalysisTemplate(ctx.type)) {
                const spec = obj(ctx.props.spec) ?? {};
                const names = list(spec.metrics).map((raw, index) => text(obj(raw)?.name) ?? `#${index}`);
                if (names.length === 0) return;
                const matchers = list(spec.dryRun).map((entry) => dryRunMatcher(text(obj(entry)?.metricName) ?? "\u0000"));
                if (matchers.length > 0 && names.every((name) => matchers.some((matches) => matches(name)))) {
                    ctx.report("spec.dryRun covers every metric in spec.metrics, so the analysis can never fail; remove dryRun or keep at least one metric enforcing.");
                }
                return;
            }
            const { canary, blueGreen } = strategyOf(ctx.props);
            const blocks: [unknown, string][] = [];
            if (canary) {
                blocks.push([canary.analysis, "spec.strategy.canary.analysis"]);
                list(canary.steps).forEach((step, index) => blocks.push([obj(step)?.analysis, `${fieldPath("spec.strategy.canary.steps", index)}.analysis`]));
            }
            if (blueGreen) {
                blocks.push([blueGreen.prePromotionAnalysis, "spec.strategy.blueGreen.prePromotionAnalysis"]);
                blocks.push([blueGreen.postPromotionAnalysis, "spec.strategy.blueGreen.postPromotionAnalysis"]);
            }
            for (const [block, path] of blocks) {
                const dryRun = obj(block)?.dryRun;
                if (list(dryRun).length > 0 && dryRunMatchesEverything(dryRun)) {
                    ctx.report(`${path}.dryRun matches every metric, so this analysis can never fail; remove it or name only the metrics being trialled.`);
                }
            }
        },
    );
}

/** True when `service` is the Service a Rollout names, allowing for Pulumi auto-naming (`<resource name>-<7 chars>`). */
function serviceHasName(service: StackResource, wanted: string): boolean {
    if (service.name === wanted) return true;
    const explicit = text(obj(service.props.metadata)?.name);
    if (explicit !== undefined) return false;
    const resourceName = service.resource.name;
    return wanted.startsWith(`${resourceName}-`) && /^[a-z0-9]{7,8}$/.test(wanted.slice(resourceName.length + 1));
}

export function rolloutServices(enforcementLevel: EnforcementLevel = "mandatory"): StackValidationPolicy {
    return stackPolicy(
        {
            name: "rollout-services",
            description:
                "A Rollout's canary and stable Services (or blue/green active and preview Services) must be two different Services " +
                "that exist in the Rollout's namespace; blue/green requires an active Service.",
            enforcementLevel,
        },
        (ctx) => {
            const services = new Map<string, StackResource[]>();
            for (const resource of ctx.resources) {
                const token = parseTypeToken(resource.type);
                if (token?.group !== "core" || token.kind !== "Service") continue;
                const existing = services.get(resource.namespace);
                if (existing) existing.push(resource);
                else services.set(resource.namespace, [resource]);
            }
            for (const rollout of ctx.resources) {
                if (!isRollout(rollout.type)) continue;
                const { canary, blueGreen } = strategyOf(rollout.props);
                const pairs: [string, string, Obj, boolean][] = [];
                if (canary) pairs.push(["canaryService", "stableService", canary, false]);
                if (blueGreen) pairs.push(["previewService", "activeService", blueGreen, true]);
                for (const [firstField, secondField, strategy, secondRequired] of pairs) {
                    const base = canary === strategy ? "spec.strategy.canary" : "spec.strategy.blueGreen";
                    const first = text(strategy[firstField]);
                    const second = text(strategy[secondField]);
                    const needsBoth = !secondRequired && strategy.trafficRouting !== undefined && strategy.trafficRouting !== null;
                    if (secondRequired && !second) {
                        ctx.report(rollout, `${base}.${secondField} is missing; name the Service that receives production traffic.`);
                    }
                    if (needsBoth && (!first || !second)) {
                        ctx.report(rollout, `${base}.trafficRouting needs both ${firstField} and ${secondField}; name two different Services.`);
                    }
                    if (first && second && first === second) {
                        ctx.report(rollout, `${base}.${firstField} and ${base}.${secondField} are both "${safeId(first)}"; they must be two different Services.`);
                        continue;
                    }
                    for (const [field, value] of [[firstField, first], [secondField, second]] as const) {
                        if (!value) continue;
                        const found = (services.get(rollout.namespace) ?? []).some((service) => serviceHasName(service, value));
                        if (!found) {
                            ctx.report(rollout, `${base}.${field} names Service "${safeId(value)}", which does not exist in namespace "${rollout.namespace}"; create it or fix the name.`);
                        }
                    }
                }
            }
        },
    );
}

export function rolloutPolicies(): (ResourceValidationPolicy | StackValidationPolicy)[] {
    return [
        rolloutAnalysis(),
        rolloutIndefinitePause(),
        rolloutSurgeUnavailable(),
        rolloutWeights(),
        rolloutProgressDeadlineAbort(),
        rolloutBlueGreenPromotion(),
        rolloutServices(),
        analysisFailureLimit(),
        analysisDryRun(),
    ];
}
