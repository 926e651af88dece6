/**
 * All stack configuration, read in one place and validated: a wrong value stops the program with a
 * message naming the stack, the key and what was expected. `requireObject` is only a cast, so every
 * structured value goes through a zod schema here.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { evidenceSchema } from "./components/evidence";
import { formatPath } from "./manifest/load";

const digestRef = z.string().regex(/^[^\s@]+@sha256:[a-f0-9]{64}$/, "expected an image pinned by digest (repo@sha256:<64 hex>), never a floating tag");

/** One service's image in a snapshot: the digest to run and where it came from. */
export const snapshotEntrySchema = z.strictObject({
    /** Image reference pinned by digest. */
    ref: digestRef,
    /** Release version of the image. */
    version: z.string().min(1),
    /** Full git commit the image was built from. */
    commit: z.string().regex(/^[0-9a-f]{7,40}$/, "expected a git commit hash (7 to 40 hex characters)"),
    /** Quality evidence recorded when the image was verified, carried with it through promotion. */
    evidence: evidenceSchema.optional(),
});
export type SnapshotEntry = z.infer<typeof snapshotEntrySchema>;

const platformSchema = z.strictObject({
    /** Install the Argo Rollouts controller with its Helm chart (off where the cluster already runs it). */
    installRolloutsController: z.boolean().default(true),
    /** Pinned version of the argo-rollouts chart. */
    rolloutsChartVersion: z.string().regex(/^\d+\.\d+\.\d+$/, "expected an exact chart version such as 2.40.5").default("2.40.5"),
    /** Helm repository of the argo-rollouts chart. */
    rolloutsChartRepo: z.string().url().default("https://argoproj.github.io/argo-helm"),
    /** Namespace the controller runs in (its notification config lives there). */
    controllerNamespace: z.string().default("argo-rollouts"),
    /** Create the controller's namespace (true unless something else owns it). */
    manageControllerNamespace: z.boolean().default(true),
    /** Send deployment activity to Slack through the controller's notification engine. */
    notifications: z.boolean().default(true),
    /** Slack API base URL, for a local receiver in tests; Slack itself when unset. */
    slackApiUrl: z.string().url().optional(),
    /** Namespaces allowed to reach service pods (ingress controller, monitoring, the controller for web analysis). */
    allowIngressFromNamespaces: z.array(z.string()).default([]),
});

const analysisSchema = z.strictObject({
    /** Where error-rate metrics come from: a Prometheus server, or the service's JSON summary endpoint. */
    provider: z.enum(["prometheus", "web"]).default("prometheus"),
    /** Prometheus base URL, for provider prometheus. */
    prometheusAddress: z.string().url().optional(),
    /** URL of the metrics summary; `{service}`, `{namespace}` and `{port}` are filled in. */
    webUrlTemplate: z.string().default("http://{service}-canary.{namespace}.svc.cluster.local:{port}/metrics/summary"),
    /** Per-service URL overrides for provider web (e.g. a process on loopback in the local stack). */
    urls: z.record(z.string(), z.string().url()).default({}),
    /** Run smoke-test Jobs (off where pods can't really run, e.g. a simulated cluster). */
    smokeTests: z.boolean().default(true),
});

const githubSchema = z.strictObject({
    /** Manage the service repositories' settings in GitHub. */
    enabled: z.boolean().default(false),
    /** Status checks required on the default branch, in addition to each service's own. */
    requiredChecks: z.array(z.string().min(1)).default(["test", "gate", "pulumi-preview"]),
    /** Slugs of the teams whose review is required to deploy to prod. */
    prodReviewerTeams: z.array(z.string().min(1)).default([]),
    /** Default branch of the service repositories. */
    defaultBranch: z.string().default("main"),
    /** Required approving reviews on pull requests. */
    requiredApprovals: z.number().int().min(1).max(6).default(1),
    /** Names of the Actions secrets set on every repository; values come from the secret slipway:actionsSecrets. */
    actionsSecretNames: z.array(z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "expected an Actions secret name (A-Z, 0-9, _)")).default([]),
});

/** The whole validated configuration of one stack. */
export interface SlipwayConfig {
    /** The stack name (e.g. dev, prod, local, pr-42). */
    stack: string;
    /** The environment the stack is (review stacks are dev). */
    environment: "dev" | "prod" | "local";
    /** Namespace the services run in. */
    namespace: string;
    /** Build images from the services' Dockerfiles (otherwise take them from `images`). */
    buildImages: boolean;
    /** Registry (host[/path]) images are pushed to or must come from. */
    registry: string;
    /** Registry credentials for pushing, when building. */
    registryAuth?: { username: string; password: pulumi.Output<string> };
    /** The snapshot of prebuilt images per service, for stacks that don't build. */
    images: Record<string, SnapshotEntry>;
    /** Git commit being built (build stacks). */
    gitCommit: string;
    /** Base URL of the source repositories for commit links. */
    sourceBaseUrl: string;
    /** Platform add-ons. */
    platform: z.infer<typeof platformSchema>;
    /** Slack bot token for the notification engine; required when notifications are on. */
    slackToken?: pulumi.Output<string>;
    /** Analysis settings. */
    analysis: z.infer<typeof analysisSchema>;
    /** GitHub delivery settings. */
    github: z.infer<typeof githubSchema>;
    /** Actions secrets (name to value) to set on every service repository. */
    actionsSecrets?: pulumi.Output<Record<string, string>>;
    /** Make `pulumi up` wait until each Rollout is Healthy. */
    waitForRollouts: boolean;
    /** Seconds `pulumi up` waits for a Rollout before failing. */
    rolloutTimeoutSeconds: number;
    /** Directory with each service's quality evidence (`<service>.json`). */
    evidenceDir: string;
}

/** Raised for invalid stack configuration; the message names the stack and key. */
export class ConfigError extends Error {
    constructor(stack: string, problems: string[]) {
        super(`invalid configuration for stack ${stack}:\n${problems.map((p) => `  ${p}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

/** Plain view of a stack's config values (strings, as Pulumi stores them), for pure validation. */
export interface RawConfig {
    /** Returns the raw value of `slipway:<key>` or undefined. */
    get(key: string): string | undefined;
}

/** Pulumi stores every value as a string: objects, lists, booleans and numbers as JSON. */
function parseJson(text: string | undefined): unknown {
    if (text === undefined) {
        return undefined;
    }
    try {
        return JSON.parse(text);
    } catch {
        // Not JSON: the schema decides whether a plain string is acceptable.
        return text;
    }
}

function check<T extends z.ZodType>(key: string, schema: T, value: unknown, problems: string[]): z.infer<T> | undefined {
    const result = schema.safeParse(value);
    if (result.success) {
        return result.data;
    }
    for (const issue of result.error.issues) {
        const at = issue.code === "unrecognized_keys" ? [...issue.path, issue.keys.join(", ")] : issue.path;
        const where = at.length ? `${key}.${formatPath(at)}` : key;
        const message = issue.code === "unrecognized_keys" ? "unknown key" : issue.message.replace(/^Invalid input: /, "");
        problems.push(`slipway:${where}: ${message}`);
    }
    return undefined;
}

/** The secrets a stack can carry; read separately so they stay Pulumi secrets. */
export interface SecretConfig {
    /** `slipway:registryPassword`. */
    registryPassword?: pulumi.Output<string>;
    /** `slipway:slackToken`. */
    slackToken?: pulumi.Output<string>;
    /** `slipway:actionsSecrets`. */
    actionsSecrets?: pulumi.Output<Record<string, string>>;
}

/**
 * Validates a stack's configuration. Pure apart from the secrets passed in, so tests can check every
 * error without an engine.
 */
export function parseConfig(stack: string, raw: RawConfig, secrets: SecretConfig, defaults: { gitCommit?: string } = {}): SlipwayConfig {
    const problems: string[] = [];
    const get = (key: string) => parseJson(raw.get(key));
    const getString = (key: string) => raw.get(key);

    const environment = check("environment", z.enum(["dev", "prod", "local"], "expected one of dev, prod, local"), getString("environment"), problems);
    const namespace =
        check("namespace", z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "expected a namespace name (RFC 1123 label)").optional(), getString("namespace"), problems) ??
        `slipway-${environment ?? stack}`;
    const buildImages = check("buildImages", z.boolean("expected true or false").default(false), get("buildImages"), problems) ?? false;
    const registry = check("registry", z.string().regex(/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/, "expected a registry host[/path], without a scheme"), getString("registry"), problems);
    const images = check("images", z.record(z.string(), snapshotEntrySchema).default({}), get("images"), problems) ?? {};
    const platform = check("platform", platformSchema.default(platformSchema.parse({})), get("platform"), problems);
    const analysis = check("analysis", analysisSchema.default(analysisSchema.parse({})), get("analysis"), problems);
    const github = check("github", githubSchema.default(githubSchema.parse({})), get("github"), problems);
    const waitForRollouts = check("waitForRollouts", z.boolean("expected true or false").default(true), get("waitForRollouts"), problems) ?? true;
    const rolloutTimeoutSeconds = check("rolloutTimeoutSeconds", z.number().int().min(30).default(900), get("rolloutTimeoutSeconds"), problems) ?? 900;
    const evidenceDir = check("evidenceDir", z.string().default(".slipway/evidence"), getString("evidenceDir"), problems) ?? ".slipway/evidence";
    const sourceBaseUrl = check("sourceBaseUrl", z.string().url().default("https://github.com"), getString("sourceBaseUrl"), problems) ?? "https://github.com";
    const registryUsername = check("registryUsername", z.string().optional(), getString("registryUsername"), problems);
    const gitCommit = check(
        "gitCommit",
        z.string().regex(/^[0-9a-f]{7,40}$/, "expected a git commit hash").optional(),
        getString("gitCommit") ?? defaults.gitCommit,
        problems,
    );

    if (buildImages && environment === "prod") {
        problems.push("slipway:buildImages: prod never builds; it runs the snapshot verified in dev (set buildImages: false and images)");
    }
    if (buildImages && !gitCommit) {
        problems.push("slipway:gitCommit: expected the commit being built (set it, or SLIPWAY_GIT_COMMIT, or run inside a git checkout)");
    }
    if (buildImages && registryUsername && !secrets.registryPassword) {
        problems.push("slipway:registryPassword: expected a secret when registryUsername is set (pulumi config set --secret registryPassword)");
    }
    if (platform?.notifications && !secrets.slackToken) {
        problems.push("slipway:slackToken: expected a secret when platform.notifications is on (pulumi config set --secret slackToken)");
    }
    if (analysis?.provider === "prometheus" && !analysis.prometheusAddress) {
        problems.push("slipway:analysis.prometheusAddress: expected the Prometheus URL for analysis.provider prometheus");
    }
    if (registry && environment) {
        for (const [service, entry] of Object.entries(images)) {
            if (!entry.ref.startsWith(`${registry}/`)) {
                problems.push(`slipway:images.${service}.ref: expected an image from the ${environment} registry ${registry}/`);
            }
        }
    }
    if (github?.enabled && github.actionsSecretNames.length > 0 && !secrets.actionsSecrets) {
        problems.push("slipway:actionsSecrets: expected a secret object with a value for each of github.actionsSecretNames (pulumi config set --secret --path actionsSecrets.NAME ...)");
    }
    if (problems.length > 0 || !environment || !registry || !platform || !analysis || !github) {
        throw new ConfigError(stack, problems);
    }
    return {
        stack,
        environment,
        namespace,
        buildImages,
        registry,
        registryAuth: registryUsername && secrets.registryPassword ? { username: registryUsername, password: secrets.registryPassword } : undefined,
        images,
        gitCommit: gitCommit ?? "0000000",
        sourceBaseUrl,
        platform,
        slackToken: secrets.slackToken,
        analysis,
        github,
        actionsSecrets: secrets.actionsSecrets,
        waitForRollouts,
        rolloutTimeoutSeconds,
        evidenceDir,
    };
}

/** The commit of the working tree, from SLIPWAY_GIT_COMMIT or `git rev-parse HEAD`. */
function currentCommit(): string | undefined {
    if (process.env.SLIPWAY_GIT_COMMIT) {
        return process.env.SLIPWAY_GIT_COMMIT;
    }
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { execFileSync } = require("child_process") as typeof import("child_process");
        return execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
        return undefined;
    }
}

/** Reads and validates the current stack's configuration through the Pulumi engine. */
export function loadConfig(): SlipwayConfig {
    const config = new pulumi.Config("slipway");
    const stack = pulumi.getStack();
    return parseConfig(
        stack,
        { get: (key) => config.get(key) },
        {
            registryPassword: config.getSecret("registryPassword"),
            slackToken: config.getSecret("slackToken"),
            actionsSecrets: config.getSecretObject<Record<string, string>>("actionsSecrets"),
        },
        { gitCommit: currentCommit() },
    );
}
