/**
 * Small builders that turn a check function into a CrossGuard policy.
 *
 * Every policy module uses these so that all policies share one shape: a factory taking the
 * enforcement level, a kebab-case name, a full-sentence description, a `configSchema` whose
 * `default`s are the values used when the pack config says nothing, and messages that start with
 * the object (`Kind/name: ...`).
 */
import type {
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { Obj, kindOf, namespaceOf, obj, objectName, objectRef } from "./k8s";
import { Workload, WorkloadKind, workloadOf } from "./workloads";

export type { EnforcementLevel };

export interface PolicyMeta {
    /** Kebab-case policy name, unique in the pack. */
    name: string;
    /** One or more full sentences saying what the policy requires and why. */
    description: string;
    enforcementLevel: EnforcementLevel;
    /** Config properties with their defaults (the defaults are the values used without pack config). */
    configSchema?: PolicyConfigSchema;
}

/** Reads a policy's config, filling in the schema defaults for anything the pack config left out. */
export function configOf<T extends object>(getConfig: () => object, schema: PolicyConfigSchema | undefined): T {
    const result: Record<string, unknown> = {};
    for (const [key, property] of Object.entries(schema?.properties ?? {})) {
        const fallback = (property as { default?: unknown }).default;
        if (fallback !== undefined) result[key] = fallback;
    }
    const given = getConfig() as Record<string, unknown> | undefined;
    for (const [key, value] of Object.entries(given ?? {})) {
        if (value !== undefined && value !== null) result[key] = value;
    }
    return result as T;
}

/** What a resource check sees. */
export interface ResourceContext<C> {
    args: ResourceValidationArgs;
    type: string;
    props: Obj;
    kind: string;
    /** The Kubernetes object name (metadata.name, or the resource name when auto-named). */
    name: string;
    namespace: string;
    /** `Kind/name` for messages. */
    ref: string;
    config: C;
    /** Reports a violation; the message is prefixed with `Kind/name: `. */
    report(message: string): void;
}

/** What a pod-template check sees. */
export interface PodContext<C> extends ResourceContext<C> {
    workload: Workload;
}

function resourceContext<C>(args: ResourceValidationArgs, report: ReportViolation, config: C): ResourceContext<C> {
    const props = obj(args.props) ?? {};
    const kind = kindOf(args.type, props);
    const name = objectName(args.name, props);
    const ref = objectRef(kind, name);
    return {
        args,
        type: args.type,
        props,
        kind,
        name,
        namespace: namespaceOf(props),
        ref,
        config,
        report: (message: string) => report(`${ref}: ${message}`),
    };
}

/** A policy over single resources of any type; `applies` filters by type token cheaply. */
export function resourcePolicy<C extends object = Record<string, never>>(
    meta: PolicyMeta,
    applies: (type: string) => boolean,
    check: (ctx: ResourceContext<C>) => void,
): ResourceValidationPolicy {
    return {
        ...meta,
        validateResource: (args, reportViolation) => {
            if (!applies(args.type)) return args.notApplicable(`${meta.name} does not apply to ${args.type}`);
            const config = configOf<C>(() => args.getConfig<C>(), meta.configSchema);
            check(resourceContext(args, reportViolation, config));
        },
    };
}

export interface PodPolicyOptions {
    /** Only these workload kinds (default: every workload kind). */
    kinds?: ReadonlySet<WorkloadKind>;
    /** Also run for a Rollout with spec.workloadRef (which has no pod template of its own). */
    includeWorkloadRef?: boolean;
}

/** A policy over the pod template of every workload kind (Pod, Deployment, ..., CronJob, Rollout). */
export function podPolicy<C extends object = Record<string, never>>(
    meta: PolicyMeta,
    check: (ctx: PodContext<C>) => void,
    options: PodPolicyOptions = {},
): ResourceValidationPolicy {
    return {
        ...meta,
        validateResource: (args, reportViolation) => {
            const props = obj(args.props) ?? {};
            const workload = workloadOf(args.type, props);
            if (!workload) return args.notApplicable(`${meta.name} applies to workloads with a pod template`);
            if (options.kinds && !options.kinds.has(workload.kind)) {
                return args.notApplicable(`${meta.name} does not apply to ${workload.kind}`);
            }
            if (workload.usesWorkloadRef && !options.includeWorkloadRef) {
                return args.notApplicable("the Rollout takes its pod template from spec.workloadRef; the referenced workload is checked instead");
            }
            const config = configOf<C>(() => args.getConfig<C>(), meta.configSchema);
            check({ ...resourceContext(args, reportViolation, config), workload });
        },
    };
}

/** One resource of the stack, with the facts stack checks need precomputed. */
export interface StackResource {
    resource: PolicyResource;
    type: string;
    props: Obj;
    kind: string;
    name: string;
    namespace: string;
    ref: string;
    urn: string;
}

export interface StackContext<C> {
    args: StackValidationArgs;
    resources: StackResource[];
    config: C;
    /** Reports a violation against one resource (message prefixed with `Kind/name: `) or the stack. */
    report(target: StackResource | undefined, message: string): void;
}

/** A policy over the whole set of resources (cross-resource checks). */
export function stackPolicy<C extends object = Record<string, never>>(
    meta: PolicyMeta,
    check: (ctx: StackContext<C>) => void,
): StackValidationPolicy {
    return {
        ...meta,
        validateStack: (args, reportViolation) => {
            const config = configOf<C>(() => args.getConfig<C>(), meta.configSchema);
            const resources = args.resources.map((resource): StackResource => {
                const props = obj(resource.props) ?? {};
                const kind = kindOf(resource.type, props);
                const name = objectName(resource.name, props);
                return {
                    resource,
                    type: resource.type,
                    props,
                    kind,
                    name,
                    namespace: namespaceOf(props),
                    ref: objectRef(kind, name),
                    urn: resource.urn,
                };
            });
            check({
                args,
                resources,
                config,
                report: (target, message) => {
                    if (target) reportViolation(`${target.ref}: ${message}`, target.urn);
                    else reportViolation(message);
                },
            });
        },
    };
}

/** JSON-schema snippets for configSchema properties. */
export const schema = {
    boolean: (defaultValue: boolean, description: string) => ({ type: "boolean" as const, default: defaultValue, description }),
    integer: (defaultValue: number, description: string, minimum?: number) => ({
        type: "integer" as const,
        default: defaultValue,
        description,
        ...(minimum !== undefined ? { minimum } : {}),
    }),
    number: (defaultValue: number, description: string, minimum?: number, maximum?: number) => ({
        type: "number" as const,
        default: defaultValue,
        description,
        ...(minimum !== undefined ? { minimum } : {}),
        ...(maximum !== undefined ? { maximum } : {}),
    }),
    strings: (defaultValue: string[], description: string) => ({
        type: "array" as const,
        items: { type: "string" as const },
        default: defaultValue,
        description,
    }),
    oneOf: (values: string[], defaultValue: string, description: string) => ({
        type: "string" as const,
        enum: values,
        default: defaultValue,
        description,
    }),
};
