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
import { ObjectCache } from "./cache";
import { Obj, kindOf, namespaceOf, obj, objectName, objectRef } from "./k8s";
import { Workload, WorkloadKind, workloadKindOf, workloadOf } from "./workloads";

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

const configCache = new WeakMap<object, { schema: PolicyConfigSchema | undefined; merged: unknown }>();

/** Reads a policy's config, filling in the schema defaults for anything the pack config left out. */
export function configOf<T extends object>(getConfig: () => object, schema: PolicyConfigSchema | undefined): T {
    const given = getConfig() as Record<string, unknown> | undefined;
    const cached = given ? configCache.get(given) : undefined;
    if (cached && cached.schema === schema) return cached.merged as T;
    const result: Record<string, unknown> = {};
    for (const [key, property] of Object.entries(schema?.properties ?? {})) {
        const fallback = (property as { default?: unknown }).default;
        if (fallback !== undefined) result[key] = fallback;
    }
    for (const [key, value] of Object.entries(given ?? {})) {
        if (value !== undefined && value !== null) result[key] = value;
    }
    // The engine passes the same config object on every call; the Pulumi server passes a fresh one.
    if (given) configCache.set(given, { schema, merged: result });
    return result as T;
}

/** Type filters of the policies built here, so a runner can skip resources a policy never applies to. */
const typeFilters = new WeakMap<object, (type: string) => boolean>();

/**
 * The type filter of a policy built by these builders, if any. A policy whose filter rejects a type
 * would call `args.notApplicable` for it; the engine skips the call instead (as the Pulumi policy
 * server does for policies built with `validateResourceOfType`).
 */
export function typeFilterOf(policy: object): ((type: string) => boolean) | undefined {
    return typeFilters.get(policy);
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

interface Facts {
    type: string;
    resourceName: string;
    kind: string;
    name: string;
    namespace: string;
    ref: string;
}

const factsCache = new ObjectCache<object, Facts>();

/** Kind, name, namespace and `Kind/name` of a resource, computed once per props object. */
function factsOf(type: string, resourceName: string, props: Obj): Facts {
    const cached = factsCache.get(props);
    if (cached && cached.type === type && cached.resourceName === resourceName) return cached;
    const kind = kindOf(type, props);
    const name = objectName(resourceName, props);
    const facts = { type, resourceName, kind, name, namespace: namespaceOf(props), ref: objectRef(kind, name) };
    factsCache.set(props, facts);
    return facts;
}

class Context<C> implements ResourceContext<C> {
    readonly type: string;
    readonly kind: string;
    readonly name: string;
    readonly namespace: string;
    readonly ref: string;

    constructor(
        readonly args: ResourceValidationArgs,
        readonly props: Obj,
        readonly config: C,
        private readonly reportViolation: ReportViolation,
    ) {
        const facts = factsOf(args.type, args.name, props);
        this.type = args.type;
        this.kind = facts.kind;
        this.name = facts.name;
        this.namespace = facts.namespace;
        this.ref = facts.ref;
    }

    report(message: string): void {
        this.reportViolation(`${this.ref}: ${message}`);
    }
}

class WorkloadContext<C> extends Context<C> implements PodContext<C> {
    constructor(args: ResourceValidationArgs, props: Obj, config: C, reportViolation: ReportViolation, readonly workload: Workload) {
        super(args, props, config, reportViolation);
    }
}

/** A policy over single resources of any type; `applies` filters by type token cheaply. */
export function resourcePolicy<C extends object = Record<string, never>>(
    meta: PolicyMeta,
    applies: (type: string) => boolean,
    check: (ctx: ResourceContext<C>) => void,
): ResourceValidationPolicy {
    const policy: ResourceValidationPolicy = {
        ...meta,
        validateResource: (args, reportViolation) => {
            if (!applies(args.type)) return args.notApplicable(`${meta.name} does not apply to ${args.type}`);
            const config = configOf<C>(() => args.getConfig<C>(), meta.configSchema);
            check(new Context(args, obj(args.props) ?? {}, config, reportViolation));
        },
    };
    typeFilters.set(policy, applies);
    return policy;
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
    const policy: ResourceValidationPolicy = {
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
            check(new WorkloadContext(args, props, config, reportViolation, workload));
        },
    };
    typeFilters.set(policy, (type) => {
        const kind = workloadKindOf(type);
        return kind !== undefined && (!options.kinds || options.kinds.has(kind));
    });
    return policy;
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
const stackResources = new ObjectCache<PolicyResource, StackResource>();

function stackResourceOf(resource: PolicyResource): StackResource {
    const cached = stackResources.get(resource);
    if (cached) return cached;
    const props = obj(resource.props) ?? {};
    const facts = factsOf(resource.type, resource.name, props);
    return stackResources.set(resource, {
        resource,
        type: resource.type,
        props,
        kind: facts.kind,
        name: facts.name,
        namespace: facts.namespace,
        ref: facts.ref,
        urn: resource.urn,
    });
}

export function stackPolicy<C extends object = Record<string, never>>(
    meta: PolicyMeta,
    check: (ctx: StackContext<C>) => void,
): StackValidationPolicy {
    return {
        ...meta,
        validateStack: (args, reportViolation) => {
            const config = configOf<C>(() => args.getConfig<C>(), meta.configSchema);
            const resources = args.resources.map(stackResourceOf);
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
