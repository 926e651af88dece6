/**
 * Reliability: resources, readiness, replicas, disruption budgets, spreading and selectors.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
    Obj,
    fieldPath,
    list,
    obj,
    parseIntOrPercent,
    parseQuantity,
    parseTypeToken,
    safeId,
    sameJson,
    scaleIntOrPercent,
    selectorIsEmpty,
    selectorMatches,
    stringMap,
    text,
} from "../lib/k8s";
import { EnforcementLevel, StackResource, podPolicy, resourcePolicy, schema, stackPolicy } from "../lib/policy";
import {
    LONG_RUNNING_KINDS,
    REPLICATED_KINDS,
    Workload,
    containersOf,
    describeContainer,
    podLabelsOf,
    workloadKindOf,
    workloadOf,
} from "../lib/workloads";

interface ResourcesConfig {
    requireCpuLimit: boolean;
}

export function containerResources(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    const configSchema = {
        properties: {
            requireCpuLimit: schema.boolean(true, "Require a CPU limit as well as CPU and memory requests and a memory limit."),
        },
    };
    return podPolicy<ResourcesConfig>(
        {
            name: "container-resources",
            description:
                "Every container and init container must declare well-formed CPU and memory requests and limits, " +
                "with each request no greater than its limit, so the scheduler can place it and a runaway container is contained.",
            enforcementLevel,
            configSchema,
        },
        (ctx) => {
            for (const ref of containersOf(ctx.workload, ["containers", "initContainers"])) {
                const resourcesPath = fieldPath(ref.path, "resources");
                const resources = obj(ref.container.resources) ?? {};
                const requests = obj(resources.requests) ?? {};
                const limits = obj(resources.limits) ?? {};
                const required: [string, Obj, string][] = [
                    ["requests", requests, "cpu"],
                    ["requests", requests, "memory"],
                    ["limits", limits, "memory"],
                ];
                if (ctx.config.requireCpuLimit) required.push(["limits", limits, "cpu"]);
                const missing = required.filter(([, values, resource]) => values[resource] === undefined || values[resource] === null);
                if (missing.length > 0) {
                    const names = missing.map(([group, , resource]) => `${group}.${resource}`).join(", ");
                    ctx.report(`${resourcesPath} is missing ${names} (${describeContainer(ref)}); set CPU and memory requests and limits.`);
                }
                const parsed: Record<string, number | undefined> = {};
                for (const [group, values] of [["requests", requests], ["limits", limits]] as const) {
                    for (const resource of ["cpu", "memory"]) {
                        const raw = values[resource];
                        if (raw === undefined || raw === null) continue;
                        const quantity = parseQuantity(raw);
                        parsed[`${group}.${resource}`] = quantity;
                        if (quantity === undefined) {
                            ctx.report(
                                `${fieldPath(resourcesPath, group, resource)} is ${JSON.stringify(safeId(String(raw)))}, not a valid quantity (${describeContainer(ref)}); use a value like "250m" or "256Mi".`,
                            );
                        }
                    }
                }
                for (const resource of ["cpu", "memory"]) {
                    const request = parsed[`requests.${resource}`];
                    const limit = parsed[`limits.${resource}`];
                    if (request !== undefined && limit !== undefined && request > limit) {
                        ctx.report(
                            `${fieldPath(resourcesPath, "requests", resource)} is above ${fieldPath(resourcesPath, "limits", resource)} (${describeContainer(ref)}); lower the request or raise the limit.`,
                        );
                    }
                }
            }
        },
    );
}

export function containerReadinessProbe(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return podPolicy(
        {
            name: "container-readiness-probe",
            description:
                "Every container of a long-running workload must have a readiness probe, and it must differ from the liveness probe: " +
                "identical probes restart a pod that is merely unready.",
            enforcementLevel,
        },
        (ctx) => {
            for (const ref of containersOf(ctx.workload, ["containers"])) {
                const readiness = ref.container.readinessProbe;
                if (!obj(readiness)) {
                    ctx.report(`${fieldPath(ref.path, "readinessProbe")} is missing (${describeContainer(ref)}); add a readiness probe so traffic only reaches ready pods.`);
                    continue;
                }
                const liveness = ref.container.livenessProbe;
                if (obj(liveness) && sameJson(liveness, readiness)) {
                    ctx.report(
                        `${fieldPath(ref.path, "readinessProbe")} is identical to livenessProbe (${describeContainer(ref)}); give liveness a cheaper check or a higher failureThreshold so an unready pod is not restarted.`,
                    );
                }
            }
        },
        { kinds: LONG_RUNNING_KINDS },
    );
}

interface ReplicasConfig {
    minReplicas: number;
}

export function workloadMinReplicas(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    const configSchema = {
        properties: { minReplicas: schema.integer(2, "Minimum replicas for replicated workloads and HorizontalPodAutoscaler.minReplicas.", 0) },
    };
    const isHpa = (type: string) => {
        const token = parseTypeToken(type);
        return token?.group === "autoscaling" && token.kind === "HorizontalPodAutoscaler";
    };
    return resourcePolicy<ReplicasConfig>(
        {
            name: "workload-min-replicas",
            description:
                "Replicated workloads (Deployment, StatefulSet, ReplicaSet, Rollout) must run at least minReplicas replicas, and a " +
                "HorizontalPodAutoscaler must not scale below it; a Rollout or Deployment without replicas runs 1.",
            enforcementLevel,
            configSchema,
        },
        (type) => isHpa(type) || REPLICATED_KINDS.has(workloadKindOf(type) ?? "Pod"),
        (ctx) => {
            const min = ctx.config.minReplicas;
            const spec = obj(ctx.props.spec) ?? {};
            const field = isHpa(ctx.type) ? "minReplicas" : "replicas";
            const raw = spec[field];
            const absent = raw === undefined || raw === null;
            const value = absent ? 1 : typeof raw === "number" ? raw : Number.NaN;
            if (!Number.isInteger(value) || value < 0) {
                ctx.report(`spec.${field} is not a whole number; set it to at least ${min}.`);
            } else if (value < min) {
                const note = absent ? "not set, which means 1" : String(value);
                ctx.report(`spec.${field} is ${note}; set it to at least ${min} so one pod can fail or be evicted without an outage.`);
            }
        },
    );
}

interface AntiAffinityConfig {
    requireAntiAffinity: boolean;
}

export function workloadAntiAffinity(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    const configSchema = {
        properties: {
            requireAntiAffinity: schema.boolean(true, "Require pod anti-affinity or topology spread constraints on replicated workloads."),
        },
    };
    return podPolicy<AntiAffinityConfig>(
        {
            name: "workload-anti-affinity",
            description:
                "Replicated workloads must spread their pods, through pod anti-affinity or topology spread constraints, " +
                "so one node failure cannot take every replica down.",
            enforcementLevel,
            configSchema,
        },
        (ctx) => {
            if (!ctx.config.requireAntiAffinity) return;
            const spec = ctx.workload.podSpec ?? {};
            const antiAffinity = obj(obj(spec.affinity)?.podAntiAffinity);
            const hasAntiAffinity =
                !!antiAffinity &&
                (list(antiAffinity.requiredDuringSchedulingIgnoredDuringExecution).length > 0 ||
                    list(antiAffinity.preferredDuringSchedulingIgnoredDuringExecution).length > 0);
            const hasSpread = list(spec.topologySpreadConstraints).length > 0;
            if (!hasAntiAffinity && !hasSpread) {
                ctx.report(
                    `${ctx.workload.podSpecPath} has neither affinity.podAntiAffinity nor topologySpreadConstraints; add a topologySpreadConstraint on kubernetes.io/hostname (or pod anti-affinity) for the app's labels.`,
                );
            }
        },
        { kinds: REPLICATED_KINDS },
    );
}

export function workloadSelectorMatch(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return podPolicy(
        {
            name: "workload-selector-match",
            description:
                "A workload's selector must be present, non-empty, match its pod template's labels and leave out app.kubernetes.io/version, " +
                "because the selector is immutable and must keep selecting the pods across releases.",
            enforcementLevel,
        },
        (ctx) => {
            const { workload } = ctx;
            const spec = obj(ctx.props.spec) ?? {};
            const labels = stringMap(workload.podMetadata.labels);
            const labelsPath = fieldPath(workload.podMetadataPath, "labels");
            if (workload.kind === "ReplicationController") {
                const selector = stringMap(spec.selector);
                const mismatch = Object.entries(selector).some(([key, value]) => labels[key] !== value);
                if (Object.keys(selector).length > 0 && mismatch) {
                    ctx.report(`spec.selector does not match ${labelsPath}; make every selector label appear in the template labels.`);
                }
                return;
            }
            const optional = workload.kind === "Job" || workload.kind === "CronJob";
            const selectorHolder = workload.kind === "CronJob" ? obj(obj(spec.jobTemplate)?.spec) ?? {} : spec;
            const selectorPath = workload.kind === "CronJob" ? "spec.jobTemplate.spec.selector" : "spec.selector";
            const rawSelector = selectorHolder.selector;
            if (rawSelector === undefined || rawSelector === null) {
                if (!optional) ctx.report(`${selectorPath} is missing; set matchLabels to the stable subset of ${labelsPath} (name and instance).`);
                return;
            }
            const selector = obj(rawSelector);
            if (!selector || selectorIsEmpty(selector)) {
                ctx.report(`${selectorPath} is empty; set matchLabels to the stable subset of ${labelsPath} (name and instance).`);
                return;
            }
            if (!selectorMatches(selector, labels)) {
                ctx.report(`${selectorPath} does not match ${labelsPath}; the controller would not own its own pods. Make the template labels satisfy the selector.`);
            }
            if (Object.prototype.hasOwnProperty.call(stringMap(selector.matchLabels), "app.kubernetes.io/version")) {
                ctx.report(`${selectorPath}.matchLabels includes app.kubernetes.io/version, which changes every release while the selector is immutable; select on name and instance only.`);
            }
        },
        { kinds: new Set(["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Rollout", "Job", "CronJob", "ReplicationController"]) },
    );
}

/** Replicas a workload runs at least: spec.replicas (default 1), raised by an HPA's minReplicas. */
function effectiveReplicas(workload: StackResource, hpaMin: Map<string, number>): number {
    const raw = obj(workload.props.spec)?.replicas;
    const replicas = typeof raw === "number" && Number.isInteger(raw) && raw >= 0 ? raw : 1;
    const fromHpa = hpaMin.get(`${workload.namespace}/${workload.kind}/${workload.name}`) ?? 0;
    return Math.max(replicas, fromHpa);
}

interface Budget {
    resource: StackResource;
    selector: Obj | undefined;
    emptySelectsAll: boolean;
}

export function podDisruptionBudget(enforcementLevel: EnforcementLevel = "mandatory"): StackValidationPolicy {
    return stackPolicy(
        {
            name: "pod-disruption-budget",
            description:
                "Every replicated workload must be selected by exactly one PodDisruptionBudget in its namespace, and that budget must " +
                "allow at least one voluntary disruption so node drains can proceed without taking the service down.",
            enforcementLevel,
        },
        (ctx) => {
            const budgets = new Map<string, Budget[]>();
            const hpaMin = new Map<string, number>();
            const workloads: { resource: StackResource; workload: Workload }[] = [];
            for (const resource of ctx.resources) {
                const token = parseTypeToken(resource.type);
                if (token?.group === "policy" && token.kind === "PodDisruptionBudget") {
                    const spec = obj(resource.props.spec) ?? {};
                    const entry: Budget = { resource, selector: obj(spec.selector), emptySelectsAll: token.version !== "v1beta1" };
                    const existing = budgets.get(resource.namespace);
                    if (existing) existing.push(entry);
                    else budgets.set(resource.namespace, [entry]);
                } else if (token?.group === "autoscaling" && token.kind === "HorizontalPodAutoscaler") {
                    const spec = obj(resource.props.spec) ?? {};
                    const target = obj(spec.scaleTargetRef) ?? {};
                    const min = typeof spec.minReplicas === "number" ? spec.minReplicas : 1;
                    hpaMin.set(`${resource.namespace}/${text(target.kind) ?? ""}/${text(target.name) ?? ""}`, min);
                } else {
                    const workload = workloadOf(resource.type, resource.props);
                    if (workload && REPLICATED_KINDS.has(workload.kind)) workloads.push({ resource, workload });
                }
            }
            for (const { resource, workload } of workloads) {
                const labels = podLabelsOf(workload, resource.props);
                const matching = (budgets.get(resource.namespace) ?? []).filter(({ selector, emptySelectsAll }) => {
                    if (!selector) return false;
                    if (selectorIsEmpty(selector)) return emptySelectsAll;
                    return selectorMatches(selector, labels);
                });
                if (matching.length === 0) {
                    ctx.report(
                        resource,
                        `no PodDisruptionBudget in namespace "${resource.namespace}" selects its pods (${workload.podMetadataPath}.labels); add one with maxUnavailable: 1 and a selector matching those labels.`,
                    );
                    continue;
                }
                if (matching.length > 1) {
                    const names = matching.map((budget) => budget.resource.ref).join(", ");
                    ctx.report(resource, `its pods are selected by ${matching.length} PodDisruptionBudgets (${names}); evictions fail when more than one applies, so keep exactly one.`);
                    continue;
                }
                const budget = matching[0];
                if (!budget) continue;
                const spec = obj(budget.resource.props.spec) ?? {};
                const replicas = effectiveReplicas(resource, hpaMin);
                const maxUnavailable = parseIntOrPercent(spec.maxUnavailable);
                const minAvailable = parseIntOrPercent(spec.minAvailable);
                let allowed: number;
                let how: string;
                if (maxUnavailable) {
                    allowed = scaleIntOrPercent(maxUnavailable, replicas);
                    how = "spec.maxUnavailable";
                } else if (minAvailable) {
                    allowed = replicas - scaleIntOrPercent(minAvailable, replicas);
                    how = "spec.minAvailable";
                } else {
                    ctx.report(resource, `${budget.resource.ref} sets neither spec.minAvailable nor spec.maxUnavailable as a number or percentage; set maxUnavailable: 1.`);
                    continue;
                }
                if (allowed < 1) {
                    ctx.report(
                        resource,
                        `${budget.resource.ref} allows no voluntary disruption for ${replicas} replica(s) (${how}); use maxUnavailable: 1 or lower minAvailable below the replica count.`,
                    );
                }
            }
        },
    );
}

export function reliabilityPolicies(): (ResourceValidationPolicy | StackValidationPolicy)[] {
    return [
        containerResources(),
        containerReadinessProbe(),
        workloadMinReplicas(),
        workloadAntiAffinity(),
        workloadSelectorMatch(),
        podDisruptionBudget(),
    ];
}
