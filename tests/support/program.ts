/**
 * Runs the real program (index.ts) under Pulumi's mock engine with a stack's real config file, and
 * records every resource it registers. One call per test file: mocks are process-wide.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";

export const projectDir = path.resolve(__dirname, "../..");

/** A resource the program registered, with the inputs it gave. */
export interface RecordedResource {
    /** Type token, e.g. `kubernetes:argoproj.io/v1alpha1:Rollout`. */
    type: string;
    /** Pulumi resource name. */
    name: string;
    /** Inputs as the program passed them (secrets unwrapped by the mock engine). */
    inputs: Record<string, any>;
}

/** An invoke the program made. */
export interface RecordedCall {
    token: string;
    inputs: Record<string, any>;
}

/**
 * Reads `Pulumi.<stack>.yaml` (and the defaults declared in Pulumi.yaml) into the string map the
 * engine hands the program: objects and scalars other than strings as JSON.
 */
export function stackConfig(stack: string, dir = projectDir): Record<string, string> {
    const project = YAML.parse(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"));
    const result: Record<string, string> = {};
    for (const [key, decl] of Object.entries<any>(project.config ?? {})) {
        if (decl && typeof decl === "object" && "default" in decl) {
            const full = key.includes(":") ? key : `${project.name}:${key}`;
            result[full] = typeof decl.default === "string" ? decl.default : JSON.stringify(decl.default);
        }
    }
    const file = YAML.parse(fs.readFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "utf8"));
    for (const [key, value] of Object.entries<any>(file.config ?? {})) {
        if (value && typeof value === "object" && "secure" in value) {
            throw new Error(`Pulumi.${stack}.yaml: ${key} is an encrypted secret; tests pass secrets explicitly`);
        }
        result[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return result;
}

/** A fake but well-formed digest, stable per name. */
export function fakeDigest(seed: string): string {
    return `sha256:${crypto.createHash("sha256").update(seed).digest("hex")}`;
}

export interface RunOptions {
    /** Stack whose config file is loaded. */
    stack: string;
    /** Extra or replacing config values (`slipway:key` to string). */
    config?: Record<string, string>;
    /** Config keys to treat as secrets. */
    secretKeys?: string[];
    /** Environment variables for the run (e.g. SLIPWAY_SERVICES_DIR). */
    env?: Record<string, string>;
    /** Run as a preview (outputs of resources stay unknown). */
    preview?: boolean;
}

/** What a run produced. */
export interface ProgramRun {
    resources: RecordedResource[];
    calls: RecordedCall[];
    /** The program module's exports (stack outputs), resolved. */
    outputs: Record<string, any>;
}

function resolve<T>(value: pulumi.Input<T>): Promise<T> {
    return new Promise((done) => pulumi.output(value).apply((v) => done(v as T)));
}

async function resolveDeep(value: any): Promise<any> {
    if (pulumi.Output.isInstance(value)) {
        return resolveDeep(await resolve(value));
    }
    if (Array.isArray(value)) {
        return Promise.all(value.map(resolveDeep));
    }
    if (value && typeof value === "object") {
        const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveDeep(v)] as const));
        return Object.fromEntries(entries);
    }
    return value;
}

/**
 * Evaluates index.ts under mocks. Rejects with the program's own error when it throws (bad config,
 * bad manifests), which is what tests of those errors assert on.
 */
export async function runProgram(options: RunOptions): Promise<ProgramRun> {
    const resources: RecordedResource[] = [];
    const calls: RecordedCall[] = [];
    for (const [key, value] of Object.entries(options.env ?? {})) {
        process.env[key] = value;
    }
    pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                resources.push({ type: args.type, name: args.name, inputs: args.inputs });
                const state: Record<string, any> = { ...args.inputs };
                if (args.type === "docker-build:index:Image") {
                    state.digest = fakeDigest(args.name);
                    state.ref = `${args.inputs.tags?.[0]}@${state.digest}`;
                }
                return { id: `${args.name}-id`, state };
            },
            call(args: pulumi.runtime.MockCallArgs) {
                calls.push({ token: args.token, inputs: args.inputs });
                if (args.token === "github:index/getTeam:getTeam") {
                    return { id: String(1000 + String(args.inputs.slug).length), slug: args.inputs.slug, name: args.inputs.slug };
                }
                return {};
            },
        },
        "slipway",
        options.stack,
        options.preview ?? false,
    );
    const config = { ...stackConfig(options.stack), ...(options.config ?? {}) };
    pulumi.runtime.setAllConfig(config, options.secretKeys ?? []);
    const program = await import("../../index");
    const outputs = await resolveDeep({ ...program });
    // Components register children asynchronously; let the queue drain before reading the record.
    await new Promise((r) => setTimeout(r, 50));
    return { resources, calls, outputs };
}

/** Pulumi's wire marker of a secret value: `{ [secretSig]: secretValueSig, value }`. */
const specialSig = "4dabf18193072939515e22adb298388d";
const secretSig = "1b47061264138c4ac30d75fd1eb44270";

/** True when a recorded input is a value the engine was told is secret. */
export function isSecretValue(value: unknown): value is { value: unknown } {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[specialSig] === secretSig;
}

/** The inputs with secret markers replaced by their values (for schema validation). */
export function unwrapSecrets(value: any): any {
    if (isSecretValue(value)) {
        return unwrapSecrets(value.value);
    }
    if (Array.isArray(value)) {
        return value.map(unwrapSecrets);
    }
    if (value && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
    }
    return value;
}

/** The resource among `list` whose metadata.name is `name`. */
export function byName(list: RecordedResource[], name: string): RecordedResource | undefined {
    return list.find((r) => r.inputs.metadata?.name === name);
}

/** Resources of one type token. */
export function ofType(run: ProgramRun, type: string): RecordedResource[] {
    return run.resources.filter((r) => r.type === type);
}

export const types = {
    rollout: "kubernetes:argoproj.io/v1alpha1:Rollout",
    analysisTemplate: "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate",
    service: "kubernetes:core/v1:Service",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    namespace: "kubernetes:core/v1:Namespace",
    secret: "kubernetes:core/v1:Secret",
    configMap: "kubernetes:core/v1:ConfigMap",
    release: "kubernetes:helm.sh/v3:Release",
    image: "docker-build:index:Image",
} as const;

/** The secret values every test run passes, so tests can prove they never leak. */
export const testSecrets = {
    slackToken: "xoxb-test-0000-SLACK-TOKEN-NEVER-PRINT",
    registryPassword: "registry-password-NEVER-PRINT",
    pulumiAccessToken: "pul-TEST-ACCESS-TOKEN-NEVER-PRINT",
};

/** Config for the secrets of a stack, and the keys to mark secret. */
export function secretConfig(): { config: Record<string, string>; secretKeys: string[] } {
    return {
        config: {
            "slipway:slackToken": testSecrets.slackToken,
            "slipway:registryPassword": testSecrets.registryPassword,
            "slipway:actionsSecrets": JSON.stringify({ PULUMI_ACCESS_TOKEN: testSecrets.pulumiAccessToken }),
        },
        secretKeys: ["slipway:slackToken", "slipway:registryPassword", "slipway:actionsSecrets"],
    };
}
