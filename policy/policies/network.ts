/**
 * Network and identity: every workload is fenced by a NetworkPolicy in prod, runs under its own
 * ServiceAccount without an automounted token, and is only exposed outside the cluster on purpose.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { Obj, fieldPath, obj, parseTypeToken, selectorMatches, stringMap, text } from "../lib/k8s";
import { EnforcementLevel, StackResource, podPolicy, resourcePolicy, schema, stackPolicy } from "../lib/policy";
import { Workload, podLabelsOf, workloadOf } from "../lib/workloads";

/** Annotation that opts a LoadBalancer or NodePort Service in to external exposure. */
export const ALLOW_EXTERNAL_SERVICE_ANNOTATION = "slipway.dev/allow-external-service";

/** Workloads that run pods (a PodTemplate object runs nothing). */
function runningWorkloads(resources: StackResource[]): { resource: StackResource; workload: Workload }[] {
    const result: { resource: StackResource; workload: Workload }[] = [];
    for (const resource of resources) {
        const workload = workloadOf(resource.type, resource.props);
        if (workload && workload.kind !== "PodTemplate") result.push({ resource, workload });
    }
    return result;
}

function groupByNamespace(resources: StackResource[], group: string, kind: string): Map<string, StackResource[]> {
    const result = new Map<string, StackResource[]>();
    for (const resource of resources) {
        const token = parseTypeToken(resource.type);
        if (token?.group !== group || token.kind !== kind) continue;
        const existing = result.get(resource.namespace);
        if (existing) existing.push(resource);
        else result.set(resource.namespace, [resource]);
    }
    return result;
}

interface NetworkPolicyConfig {
    requireNetworkPolicy: boolean;
}

export function networkPolicyCoverage(enforcementLevel: EnforcementLevel = "mandatory"): StackValidationPolicy {
    return stackPolicy<NetworkPolicyConfig>(
        {
            name: "network-policy-coverage",
            description:
                "Every workload's pods must be selected by at least one NetworkPolicy in the same namespace (an empty podSelector " +
                "selects all pods), so traffic to them is denied unless allowed.",
            enforcementLevel,
            configSchema: {
                properties: { requireNetworkPolicy: schema.boolean(true, "Require every workload to be selected by a NetworkPolicy in its namespace.") },
            },
        },
        (ctx) => {
            if (!ctx.config.requireNetworkPolicy) return;
            const policies = groupByNamespace(ctx.resources, "networking.k8s.io", "NetworkPolicy");
            for (const { resource, workload } of runningWorkloads(ctx.resources)) {
                const labels = podLabelsOf(workload, resource.props);
                const selected = (policies.get(resource.namespace) ?? []).some((policy) => {
                    const podSelector = obj(obj(policy.props.spec)?.podSelector) ?? {};
                    return selectorMatches(podSelector, labels);
                });
                if (!selected) {
                    ctx.report(
                        resource,
                        `no NetworkPolicy in namespace "${resource.namespace}" selects its pods (${workload.podMetadataPath}.labels); add a NetworkPolicy whose podSelector matches them and allows only the traffic it needs.`,
                    );
                }
            }
        },
    );
}

export function serviceAccountToken(enforcementLevel: EnforcementLevel = "mandatory"): StackValidationPolicy {
    return stackPolicy(
        {
            name: "service-account-token",
            description:
                "Pods must not automount a service account token: set automountServiceAccountToken: false on the pod template, " +
                "or on its ServiceAccount when the template leaves it unset. A stolen token is a key to the API server.",
            enforcementLevel,
        },
        (ctx) => {
            const accounts = groupByNamespace(ctx.resources, "core", "ServiceAccount");
            for (const { resource, workload } of runningWorkloads(ctx.resources)) {
                const spec = workload.podSpec;
                if (!spec) continue;
                const path = fieldPath(workload.podSpecPath, "automountServiceAccountToken");
                const value = spec.automountServiceAccountToken;
                if (value === false) continue;
                if (value === true || value === "true") {
                    ctx.report(resource, `${path} is true; set it to false (mount a projected token explicitly if the workload must call the API).`);
                    continue;
                }
                const accountName = text(spec.serviceAccountName) ?? text(spec.serviceAccount) ?? "default";
                const account = (accounts.get(resource.namespace) ?? []).find((candidate) => candidate.name === accountName);
                if (account && account.props.automountServiceAccountToken === false) continue;
                const where = account ? `ServiceAccount/${accountName} does not disable it either` : `ServiceAccount "${accountName}" is not part of this set`;
                ctx.report(resource, `${path} is not set and ${where}; set automountServiceAccountToken: false on the pod template.`);
            }
        },
    );
}

export function defaultServiceAccount(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return podPolicy(
        {
            name: "default-service-account",
            description: "Workloads must run under their own ServiceAccount, never the namespace's `default` account, so permissions stay per workload.",
            enforcementLevel,
        },
        (ctx) => {
            const spec = ctx.workload.podSpec ?? {};
            const name = text(spec.serviceAccountName) ?? text(spec.serviceAccount);
            const path = fieldPath(ctx.workload.podSpecPath, "serviceAccountName");
            if (name === undefined || name === "") {
                ctx.report(`${path} is not set, so the pods run as the namespace's default ServiceAccount; create a ServiceAccount for this workload and name it here.`);
            } else if (name === "default") {
                ctx.report(`${path} is "default"; create a ServiceAccount for this workload and name it here.`);
            }
        },
    );
}

export function serviceExternalExposure(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    const isService = (type: string) => {
        const token = parseTypeToken(type);
        return token?.group === "core" && token.kind === "Service";
    };
    return resourcePolicy(
        {
            name: "service-external-exposure",
            description:
                `Services of type LoadBalancer or NodePort expose a workload outside the cluster and need the explicit opt-in annotation ` +
                `${ALLOW_EXTERNAL_SERVICE_ANNOTATION}: "true".`,
            enforcementLevel,
        },
        isService,
        (ctx) => {
            const spec: Obj = obj(ctx.props.spec) ?? {};
            const type = text(spec.type);
            if (type !== "LoadBalancer" && type !== "NodePort") return;
            const annotations = stringMap(obj(ctx.props.metadata)?.annotations);
            if (annotations[ALLOW_EXTERNAL_SERVICE_ANNOTATION] === "true") return;
            ctx.report(
                `spec.type is ${type}, which exposes it outside the cluster; use ClusterIP behind the ingress, or add the annotation ${ALLOW_EXTERNAL_SERVICE_ANNOTATION}: "true" if exposure is intended.`,
            );
        },
    );
}

export function networkPolicies(): (ResourceValidationPolicy | StackValidationPolicy)[] {
    return [networkPolicyCoverage(), serviceAccountToken(), defaultServiceAccount(), serviceExternalExposure()];
}
