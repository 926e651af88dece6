/**
 * Runs the pack's real policy objects outside the Pulumi engine: every resource policy on every
 * resource and every stack policy on the whole set, with the same pack config format
 * (`--policy-pack-config`) and the same config resolution as the Pulumi CLI:
 *
 * 1. each policy starts at its own enforcement level, with the `default`s of its configSchema;
 * 2. `"all": <level>` sets every policy's level;
 * 3. `"<policy>": <level>` or `"<policy>": {"enforcementLevel": <level>, ...properties}` overrides one policy.
 *
 * Unlike the CLI, unknown policy names and unknown or mistyped properties are errors, so a typo in
 * a stack's config cannot silently switch a check off.
 *
 * Used by the gate CLI (plain YAML), by the pack's tests, and by the program's tests that run the
 * prod stack (collected from Pulumi mocks) through the pack.
 */
import type {
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { kindOf, obj, objectName, safeId } from "./lib/k8s";
import { resetCaches } from "./lib/cache";
import { typeFilterOf } from "./lib/policy";
import { SlipwayPolicy, slipwayPolicies } from "./policies/all";

export type { EnforcementLevel };

/** A resource to check: a Pulumi type token, a resource name and the resource's input properties. */
export interface ResourceInput {
    type: string;
    name: string;
    urn?: string;
    props: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- plain data from YAML or Pulumi mocks
}

/** One policy violation. `level` is never "disabled" (disabled policies do not run). */
export interface Violation {
    policy: string;
    level: EnforcementLevel;
    kind: string;
    name: string;
    message: string;
}

/** The config of a policy pack, as in a `--policy-pack-config` file. */
export type PackConfig = Record<string, unknown>;

export interface ResolvedPolicy {
    policy: SlipwayPolicy;
    level: EnforcementLevel;
    properties: Record<string, unknown>;
}

export class PackConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PackConfigError";
    }
}

const LEVELS: ReadonlySet<string> = new Set(["advisory", "mandatory", "remediate", "disabled"]);

function checkLevel(value: unknown, where: string): EnforcementLevel {
    if (typeof value !== "string" || !LEVELS.has(value)) {
        throw new PackConfigError(`${where}: ${JSON.stringify(value)} is not an enforcement level (advisory, mandatory, remediate or disabled)`);
    }
    return value as EnforcementLevel;
}

function typeMatches(type: string, value: unknown): boolean {
    switch (type) {
        case "string":
            return typeof value === "string";
        case "number":
            return typeof value === "number" && Number.isFinite(value);
        case "integer":
            return typeof value === "number" && Number.isInteger(value);
        case "boolean":
            return typeof value === "boolean";
        case "array":
            return Array.isArray(value);
        case "object":
            return typeof value === "object" && value !== null && !Array.isArray(value);
        case "null":
            return value === null;
        default:
            return true;
    }
}

/** Validates a value against the subset of JSON schema the pack's configSchemas use. */
function validateValue(definition: PolicyConfigJSONSchema, value: unknown, where: string): void {
    const types = definition.type === undefined ? [] : Array.isArray(definition.type) ? definition.type : [definition.type];
    if (types.length > 0 && !types.some((type) => typeMatches(type, value))) {
        throw new PackConfigError(`${where} must be of type ${types.join(" or ")}`);
    }
    if (definition.enum && !definition.enum.some((allowed) => allowed === value)) {
        throw new PackConfigError(`${where} must be one of ${definition.enum.map((v) => JSON.stringify(v)).join(", ")}`);
    }
    if (typeof value === "number") {
        if (definition.minimum !== undefined && value < definition.minimum) throw new PackConfigError(`${where} must be >= ${definition.minimum}`);
        if (definition.maximum !== undefined && value > definition.maximum) throw new PackConfigError(`${where} must be <= ${definition.maximum}`);
    }
    if (Array.isArray(value) && definition.items && typeof definition.items === "object" && !Array.isArray(definition.items)) {
        const items = definition.items;
        value.forEach((item, index) => validateValue(items, item, `${where}[${index}]`));
    }
}

function defaultsOf(configSchema: PolicyConfigSchema | undefined): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    for (const [key, definition] of Object.entries(configSchema?.properties ?? {})) {
        if (definition.default !== undefined) result[key] = structuredClone(definition.default);
    }
    return result;
}

/** Resolves a pack config against the policies, like the Pulumi CLI does. Throws PackConfigError. */
export function resolvePackConfig(packConfig: unknown, policies: readonly SlipwayPolicy[] = defaultPolicies()): ResolvedPolicy[] {
    if (packConfig !== undefined && packConfig !== null && (typeof packConfig !== "object" || Array.isArray(packConfig))) {
        throw new PackConfigError("the policy pack config must be a JSON object");
    }
    const config = (packConfig ?? {}) as PackConfig;
    const byName = new Map<string, ResolvedPolicy>();
    for (const policy of policies) {
        byName.set(policy.name, { policy, level: policy.enforcementLevel ?? "advisory", properties: defaultsOf(policy.configSchema) });
    }
    if (config.all !== undefined) {
        const level = typeof config.all === "string" ? config.all : obj(config.all)?.enforcementLevel;
        const allLevel = checkLevel(level, `"all"`);
        for (const entry of byName.values()) entry.level = allLevel;
    }
    for (const [name, value] of Object.entries(config)) {
        if (name === "all") continue;
        const entry = byName.get(name);
        if (!entry) throw new PackConfigError(`unknown policy "${safeId(name)}" in the pack config; known policies: ${[...byName.keys()].join(", ")}`);
        if (typeof value === "string") {
            entry.level = checkLevel(value, `"${name}"`);
            continue;
        }
        const settings = obj(value);
        if (!settings) throw new PackConfigError(`"${name}": must be an enforcement level or an object`);
        const schemaProperties = entry.policy.configSchema?.properties ?? {};
        for (const [key, setting] of Object.entries(settings)) {
            if (key === "enforcementLevel") {
                entry.level = checkLevel(setting, `"${name}".enforcementLevel`);
                continue;
            }
            const definition = schemaProperties[key];
            if (definition === undefined) {
                const known = Object.keys(schemaProperties);
                throw new PackConfigError(`"${name}".${key} is not a setting of this policy${known.length ? ` (settings: ${known.join(", ")})` : " (it has none)"}`);
            }
            if (typeof definition === "object") validateValue(definition, setting, `"${name}".${key}`);
            entry.properties[key] = setting;
        }
    }
    for (const entry of byName.values()) {
        for (const required of entry.policy.configSchema?.required ?? []) {
            if (entry.properties[required] === undefined) throw new PackConfigError(`"${entry.policy.name}".${required} is required`);
        }
    }
    return [...byName.values()];
}

let cachedPolicies: readonly SlipwayPolicy[] | undefined;

function defaultPolicies(): readonly SlipwayPolicy[] {
    cachedPolicies ??= slipwayPolicies();
    return cachedPolicies;
}

/** Thrown by `notApplicable`; a shared object, so skipping a policy costs no stack trace. */
const NOT_APPLICABLE = { notApplicable: true };

function notApplicable(): never {
    throw NOT_APPLICABLE;
}

const NO_OPTIONS: PolicyResourceOptions = {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
};

const NO_TAGS: ReadonlyMap<string, string> = new Map();

function isResourcePolicy(policy: SlipwayPolicy): policy is ResourceValidationPolicy {
    return (policy as StackValidationPolicy).validateStack === undefined;
}

function reportedLevel(level: EnforcementLevel): EnforcementLevel {
    // As in the Pulumi policy server: a violation left after remediation is reported as mandatory.
    return level === "remediate" ? "mandatory" : level;
}

function assertSync(result: unknown, policy: string): void {
    if (result && typeof (result as PromiseLike<unknown>).then === "function") {
        throw new Error(`policy ${policy} returned a promise; evaluate() runs synchronous policies only`);
    }
}

function crashMessage(ref: string, policy: string, error: unknown): string {
    const reason = error instanceof Error ? error.message.split("\n")[0] ?? "" : "unknown error";
    return `${ref}: the ${policy} policy could not evaluate this object (${safeId(reason)}); check that the object is well-formed.`;
}

export interface EvaluateOptions {
    /** Policies to run instead of the whole pack (tests). */
    policies?: readonly SlipwayPolicy[];
    /** Stack tags passed to policies. */
    stackTags?: ReadonlyMap<string, string>;
}

/**
 * Runs every resource policy on every resource and every stack policy on the whole set, with the
 * given pack config (same format as `pulumi preview --policy-pack-config`). Throws PackConfigError
 * for an invalid config.
 */
export function evaluate(resources: readonly ResourceInput[], packConfig: object = {}, options: EvaluateOptions = {}): Violation[] {
    const resolved = resolvePackConfig(packConfig, options.policies ?? defaultPolicies()).filter((entry) => entry.level !== "disabled");
    resetCaches();
    const stackTags = options.stackTags ?? NO_TAGS;
    const violations: Violation[] = [];

    const usedUrns = new Set<string>();
    const prepared = resources.map((resource, index) => {
        const props = (obj(resource.props) ?? {}) as Record<string, unknown>;
        let urn = resource.urn ?? `urn:pulumi:gate::slipway::${resource.type}::${resource.name}`;
        if (usedUrns.has(urn)) urn = `${urn}$${index}`;
        usedUrns.add(urn);
        const kind = kindOf(resource.type, props);
        const name = objectName(resource.name, props);
        return { type: resource.type, name: resource.name, urn, props, kind, objectName: name, ref: `${safeId(kind)}/${safeId(name)}` };
    });

    // One args object and one report function serve every (resource, policy) call; only the fields
    // that change are updated. Policies never keep their args.
    let current = prepared[0];
    let currentPolicy = "";
    let currentLevel: EnforcementLevel = "mandatory";
    let currentProperties: Record<string, unknown> = {};
    const report = (message: string) => {
        violations.push({ policy: currentPolicy, level: currentLevel, kind: current?.kind ?? "", name: current?.objectName ?? "", message });
    };
    const args: ResourceValidationArgs = {
        type: "",
        props: {},
        urn: "",
        name: "",
        opts: NO_OPTIONS,
        stackTags,
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => currentProperties as T,
        notApplicable,
    };
    const resourcePolicies = resolved
        .filter((entry) => isResourcePolicy(entry.policy))
        .map((entry) => {
            const validations = (entry.policy as ResourceValidationPolicy).validateResource;
            return {
                ...entry,
                level: reportedLevel(entry.level),
                filter: typeFilterOf(entry.policy),
                validations: validations === undefined ? [] : Array.isArray(validations) ? validations : [validations],
            };
        });
    for (const resource of prepared) {
        current = resource;
        args.type = resource.type;
        args.props = resource.props;
        args.urn = resource.urn;
        args.name = resource.name;
        for (const entry of resourcePolicies) {
            if (entry.filter && !entry.filter(resource.type)) continue;
            currentPolicy = entry.policy.name;
            currentLevel = entry.level;
            currentProperties = entry.properties;
            for (const validation of entry.validations) {
                try {
                    assertSync(validation(args, report), entry.policy.name);
                } catch (error) {
                    if (error === NOT_APPLICABLE) break;
                    report(crashMessage(resource.ref, entry.policy.name, error));
                }
            }
        }
    }

    const stackPolicies = resolved.filter((entry) => !isResourcePolicy(entry.policy));
    if (stackPolicies.length > 0) {
        const byUrn = new Map(prepared.map((resource) => [resource.urn, resource]));
        const policyResources: PolicyResource[] = prepared.map((resource) => ({
            type: resource.type,
            props: resource.props,
            urn: resource.urn,
            name: resource.name,
            opts: NO_OPTIONS,
            dependencies: [],
            propertyDependencies: {},
            isType: () => false,
            asType: () => undefined,
        }));
        for (const { policy, level, properties } of stackPolicies) {
            const report = (message: string, urn?: string) => {
                const target = urn === undefined ? undefined : byUrn.get(urn);
                violations.push({
                    policy: policy.name,
                    level: reportedLevel(level),
                    kind: target?.kind ?? "Stack",
                    name: target?.objectName ?? "(stack)",
                    message,
                });
            };
            const args: StackValidationArgs = {
                resources: policyResources,
                stackTags,
                getConfig: <T extends object>() => properties as T,
                notApplicable,
            };
            try {
                assertSync((policy as StackValidationPolicy).validateStack(args, report), policy.name);
            } catch (error) {
                if (error !== NOT_APPLICABLE) report(crashMessage("Stack/(stack)", policy.name, error));
            }
        }
    }
    return violations;
}

/** Names of every policy in the pack, in order. */
export function policyNames(): string[] {
    return defaultPolicies().map((policy) => policy.name);
}
