/**
 * Finds the pod template inside every workload kind, by Pulumi type token, so that each policy
 * checks a Rollout exactly as it checks a Deployment.
 *
 * | type token (any version)                          | pod spec path                       |
 * |---------------------------------------------------|-------------------------------------|
 * | kubernetes:core/v1:Pod                            | spec                                |
 * | kubernetes:core/v1:ReplicationController          | spec.template.spec                  |
 * | kubernetes:core/v1:PodTemplate                    | template.spec                       |
 * | kubernetes:apps/*:Deployment|ReplicaSet|StatefulSet|DaemonSet (also extensions/*) | spec.template.spec |
 * | kubernetes:batch/*:Job                            | spec.template.spec                  |
 * | kubernetes:batch/*:CronJob                        | spec.jobTemplate.spec.template.spec |
 * | kubernetes:argoproj.io/v1alpha1:Rollout           | spec.template.spec (none with spec.workloadRef) |
 */
import { ObjectCache } from "./cache";
import { Obj, fieldPath, isObj, obj, parseTypeToken, stringMap, text } from "./k8s";

export type WorkloadKind =
    | "Pod"
    | "ReplicationController"
    | "PodTemplate"
    | "Deployment"
    | "ReplicaSet"
    | "StatefulSet"
    | "DaemonSet"
    | "Job"
    | "CronJob"
    | "Rollout";

interface WorkloadShape {
    kind: WorkloadKind;
    /** Path from the object to the pod template (empty for a Pod: the object is its own template). */
    templatePath: string[];
}

const SHAPES: Record<string, WorkloadShape> = {
    "core/Pod": { kind: "Pod", templatePath: [] },
    "core/ReplicationController": { kind: "ReplicationController", templatePath: ["spec", "template"] },
    "core/PodTemplate": { kind: "PodTemplate", templatePath: ["template"] },
    "apps/Deployment": { kind: "Deployment", templatePath: ["spec", "template"] },
    "apps/ReplicaSet": { kind: "ReplicaSet", templatePath: ["spec", "template"] },
    "apps/StatefulSet": { kind: "StatefulSet", templatePath: ["spec", "template"] },
    "apps/DaemonSet": { kind: "DaemonSet", templatePath: ["spec", "template"] },
    "extensions/Deployment": { kind: "Deployment", templatePath: ["spec", "template"] },
    "extensions/ReplicaSet": { kind: "ReplicaSet", templatePath: ["spec", "template"] },
    "extensions/DaemonSet": { kind: "DaemonSet", templatePath: ["spec", "template"] },
    "batch/Job": { kind: "Job", templatePath: ["spec", "template"] },
    "batch/CronJob": { kind: "CronJob", templatePath: ["spec", "jobTemplate", "spec", "template"] },
    "argoproj.io/Rollout": { kind: "Rollout", templatePath: ["spec", "template"] },
};

/** Workload kinds that keep a set of long-running replicas (subject to replicas, PDB, anti-affinity). */
export const REPLICATED_KINDS: ReadonlySet<WorkloadKind> = new Set<WorkloadKind>([
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "ReplicationController",
    "Rollout",
]);

/** Workload kinds whose pods serve until replaced (subject to readiness probes). */
export const LONG_RUNNING_KINDS: ReadonlySet<WorkloadKind> = new Set<WorkloadKind>([
    "Pod",
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "ReplicationController",
    "Rollout",
]);

/** What a policy needs to know about a workload and its pod template. */
export interface Workload {
    kind: WorkloadKind;
    /** The workload object's own metadata. */
    metadata: Obj;
    /** The pod template's metadata (the object's own metadata for a Pod). */
    podMetadata: Obj;
    /** Field path of the pod template's metadata, e.g. `spec.template.metadata`. */
    podMetadataPath: string;
    /** The pod spec, or undefined when the workload has none (a Rollout with spec.workloadRef). */
    podSpec: Obj | undefined;
    /** Field path of the pod spec, e.g. `spec.template.spec`. */
    podSpecPath: string;
    /** True for a Rollout that takes its pod template from another object through spec.workloadRef. */
    usesWorkloadRef: boolean;
}

const shapeCache = new Map<string, WorkloadShape | null>();

function shapeOf(type: string): WorkloadShape | undefined {
    const cached = shapeCache.get(type);
    if (cached !== undefined) return cached ?? undefined;
    const token = parseTypeToken(type);
    const shape = token ? SHAPES[`${token.group}/${token.kind}`] : undefined;
    shapeCache.set(type, shape ?? null);
    return shape;
}

/** The workload kind for a type token, or undefined when the token is not a workload. */
export function workloadKindOf(type: string): WorkloadKind | undefined {
    return shapeOf(type)?.kind;
}

const cache = new ObjectCache<object, Workload | null>();

/** Extracts the workload view of a resource, or undefined when the resource is not a workload. */
export function workloadOf(type: string, props: Obj): Workload | undefined {
    const cached = cache.get(props);
    if (cached !== undefined) return cached ?? undefined;
    const result = extract(type, props);
    cache.set(props, result ?? null);
    return result;
}

function extract(type: string, props: Obj): Workload | undefined {
    const shape = shapeOf(type);
    if (!shape) return undefined;
    const metadata = obj(props.metadata) ?? {};

    if (shape.templatePath.length === 0) {
        const spec = obj(props.spec);
        return {
            kind: shape.kind,
            metadata,
            podMetadata: metadata,
            podMetadataPath: "metadata",
            podSpec: spec ?? {},
            podSpecPath: "spec",
            usesWorkloadRef: false,
        };
    }

    let template: unknown = props;
    for (const segment of shape.templatePath) template = isObj(template) ? template[segment] : undefined;
    const templatePath = shape.templatePath.join(".");
    const usesWorkloadRef = shape.kind === "Rollout" && isObj(obj(props.spec)?.workloadRef) && !isObj(template);
    const templateObj = obj(template);
    return {
        kind: shape.kind,
        metadata,
        podMetadata: obj(templateObj?.metadata) ?? {},
        podMetadataPath: fieldPath(templatePath, "metadata"),
        podSpec: usesWorkloadRef ? undefined : obj(templateObj?.spec) ?? {},
        podSpecPath: fieldPath(templatePath, "spec"),
        usesWorkloadRef,
    };
}

export type ContainerGroup = "containers" | "initContainers" | "ephemeralContainers";

export interface ContainerRef {
    container: Obj;
    group: ContainerGroup;
    index: number;
    /** The container's name, safe to print (container names are never secret). */
    name: string;
    /** Field path of the container, e.g. `spec.template.spec.initContainers[0]`. */
    path: string;
}

const GROUPS: ContainerGroup[] = ["containers", "initContainers", "ephemeralContainers"];
const containerCache = new ObjectCache<Workload, ContainerRef[]>();

/** Every container of the pod spec (regular, init and ephemeral, or only `groups`), with its field path. */
export function containersOf(workload: Workload, groups: readonly ContainerGroup[] = GROUPS): readonly ContainerRef[] {
    const all = containerCache.get(workload) ?? containerCache.set(workload, listContainers(workload));
    return groups === GROUPS || groups.length === 3 ? all : all.filter((ref) => groups.includes(ref.group));
}

function listContainers(workload: Workload): ContainerRef[] {
    const spec = workload.podSpec;
    if (!spec) return [];
    const result: ContainerRef[] = [];
    for (const group of GROUPS) {
        const entries = spec[group];
        if (!Array.isArray(entries)) continue;
        entries.forEach((entry, index) => {
            if (!isObj(entry)) return;
            result.push({
                container: entry,
                group,
                index,
                name: text(entry.name) ?? `#${index}`,
                path: fieldPath(workload.podSpecPath, group, index),
            });
        });
    }
    return result;
}

/** Labels the workload's pods carry: the template's labels, or the selector's for a workloadRef Rollout. */
export function podLabelsOf(workload: Workload, props: Obj): Readonly<Record<string, string>> {
    const labels = stringMap(workload.podMetadata.labels);
    if (Object.keys(labels).length > 0 || !workload.usesWorkloadRef) return labels;
    return stringMap(obj(obj(props.spec)?.selector)?.matchLabels);
}

/** Describes a container for messages: `container "app"` or `init container "setup"`. */
export function describeContainer(ref: ContainerRef): string {
    const prefix = ref.group === "initContainers" ? "init container" : ref.group === "ephemeralContainers" ? "ephemeral container" : "container";
    return `${prefix} ${JSON.stringify(ref.name.length > 60 ? `${ref.name.slice(0, 57)}...` : ref.name)}`;
}
