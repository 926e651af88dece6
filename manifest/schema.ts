/**
 * The service manifest (`services/<name>/service.yaml`): one typed description of a service that
 * every stack deploys. The zod schema below is the single source of truth; the TypeScript types are
 * inferred from it, and `npm run schema` writes the JSON Schema editors use from it.
 */
import { z } from "zod";
import { isQuantity, parseQuantity } from "./quantity";

/** RFC 1035 label: what Kubernetes requires of Service names. */
const dnsLabel = z
    .string()
    .regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, "expected a lowercase RFC 1035 label (a-z, 0-9, '-', starting with a letter, at most 63 characters)");

const portNumber = z.number().int().min(1, "expected a port between 1 and 65535").max(65535, "expected a port between 1 and 65535");

/** Go-style durations as Argo Rollouts accepts them: `30s`, `5m`, `1h`. */
export const duration = z.string().regex(/^\d+(s|m|h)$/, "expected a duration such as 30s, 5m or 1h");

const quantity = z
    .union([z.string(), z.number()])
    .refine((v) => isQuantity(v), "expected a Kubernetes quantity such as 100m, 0.5, 128Mi or 1Gi");

const resourceList = z.strictObject({
    /** CPU, e.g. `100m`. */
    cpu: quantity,
    /** Memory, e.g. `128Mi`. */
    memory: quantity,
});

const resources = z
    .strictObject({
        requests: resourceList,
        limits: resourceList,
    })
    .superRefine((value, ctx) => {
        for (const key of ["cpu", "memory"] as const) {
            const request = parseQuantity(value.requests[key]);
            const limit = parseQuantity(value.limits[key]);
            if (request !== undefined && limit !== undefined && limit < request) {
                ctx.addIssue({
                    code: "custom",
                    path: ["limits", key],
                    message: `expected a limit at or above the request (${value.requests[key]}), got ${value.limits[key]}`,
                });
            }
        }
    });

const port = z.strictObject({
    /** IANA-style port name, referenced by probes and Services. */
    name: z.string().regex(/^[a-z]([-a-z0-9]{0,13}[a-z0-9])?$/, "expected an IANA service name (at most 15 lowercase characters)"),
    /** Port the container listens on. */
    containerPort: portNumber,
    /** Port the Service exposes; defaults to containerPort. */
    servicePort: portNumber.optional(),
    /** Transport protocol. */
    protocol: z.enum(["TCP", "UDP"]).default("TCP"),
});

/** Env var names that hold credentials: their values must come from a Secret, never the manifest. */
export const secretLikeName = /(pass(word|wd)?|secret|token|api[-_]?key|private[-_]?key|credential|auth)/i;

/** Literal values that are credentials whatever their name. */
export const secretLikeValue = /(-----BEGIN [A-Z ]*PRIVATE KEY-----|\bgh[pousr]_[A-Za-z0-9]{20,}|\bxox[abprs]-[A-Za-z0-9-]{10,}|\bAKIA[0-9A-Z]{16}\b|\bsk_live_[A-Za-z0-9]{16,})/;

const envVar = z
    .strictObject({
        /** Variable name. */
        name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*)"),
        /** Plain, non-secret value. */
        value: z.string().optional(),
        /** Reference to a key of a Kubernetes Secret; the value never appears in the manifest. */
        secretRef: z
            .strictObject({
                /** Secret name. */
                name: dnsLabel,
                /** Key inside the Secret. */
                key: z.string().min(1),
            })
            .optional(),
    })
    .superRefine((value, ctx) => {
        if ((value.value === undefined) === (value.secretRef === undefined)) {
            ctx.addIssue({ code: "custom", path: [], message: "expected exactly one of value or secretRef" });
        }
        // Name the problem, never the value: a manifest is committed and error messages end up in CI logs.
        if (value.value !== undefined && value.value !== "" && (secretLikeName.test(value.name) || secretLikeValue.test(value.value))) {
            ctx.addIssue({
                code: "custom",
                path: ["value"],
                message: `literal secret value for ${value.name}; reference a Kubernetes Secret with secretRef: {name, key} instead`,
            });
        }
    });

const probe = z.strictObject({
    /** HTTP path probed with GET. */
    path: z.string().startsWith("/", "expected an absolute HTTP path starting with /"),
    /** Port name or number; defaults to the first port. */
    port: z.union([z.string(), portNumber]).optional(),
    /** Seconds before the first probe. */
    initialDelaySeconds: z.number().int().min(0).default(0),
    /** Seconds between probes. */
    periodSeconds: z.number().int().min(1).default(10),
    /** Seconds before a probe times out. */
    timeoutSeconds: z.number().int().min(1).default(2),
    /** Consecutive failures before the probe fails. */
    failureThreshold: z.number().int().min(1).default(3),
});

const autoscaling = z
    .strictObject({
        /** Lower bound of replicas. */
        minReplicas: z.number().int().min(1),
        /** Upper bound of replicas. */
        maxReplicas: z.number().int().min(1),
        /** Average CPU utilisation (percent of requests) the autoscaler aims for. */
        targetCPUUtilizationPercentage: z.number().int().min(1).max(100).default(70),
    })
    .superRefine((value, ctx) => {
        if (value.maxReplicas < value.minReplicas) {
            ctx.addIssue({ code: "custom", path: ["maxReplicas"], message: `expected maxReplicas at or above minReplicas (${value.minReplicas})` });
        }
    });

/** One canary step: shift weight, wait, or run the service's analysis inline. */
const canaryStep = z.union([
    z.strictObject({ setWeight: z.number().int().min(0, "expected a weight between 0 and 100").max(100, "expected a weight between 0 and 100") }),
    z.strictObject({ pause: z.union([duration, z.literal("manual")]) }),
    z.strictObject({ analysis: z.literal(true) }),
]);

const canary = z.strictObject({
    /** Ordered steps; the rollout is fully promoted after the last one. */
    steps: z.array(canaryStep).min(1),
    /** Run the analysis in the background for the whole rollout, from this step on. */
    backgroundAnalysisFromStep: z.number().int().min(0).optional(),
    /** Extra pods during the update. */
    maxSurge: z.union([z.number().int().min(0), z.string().regex(/^\d+%$/)]).default("25%"),
    /** Pods that may be unavailable during the update. */
    maxUnavailable: z.union([z.number().int().min(0), z.string().regex(/^\d+%$/)]).default(0),
});

const blueGreen = z.strictObject({
    /** Promote the preview automatically once it is ready and analysis passed. */
    autoPromotion: z.boolean().default(false),
    /** Seconds to wait before auto-promotion. */
    autoPromotionSeconds: z.number().int().min(0).optional(),
    /** Replicas of the preview stack before promotion; defaults to all. */
    previewReplicaCount: z.number().int().min(1).optional(),
    /** Seconds the old stack stays up after promotion, for a fast switch back. */
    scaleDownDelaySeconds: z.number().int().min(0).default(30),
});

const analysis = z
    .strictObject({
        /** Time between measurements. */
        interval: duration.default("30s"),
        /** Number of measurements. */
        count: z.number().int().min(1).default(5),
        /** Failed measurements tolerated before the analysis fails (never -1: that disables failure). */
        failureLimit: z.number().int().min(0, "expected 0 or more (-1 would disable failure and promote anything)").default(1),
        /** Error-rate check against the service's request metrics. */
        errorRate: z
            .strictObject({
                /** Highest acceptable ratio of 5xx responses to requests (0..1). */
                max: z.number().min(0).max(1),
            })
            .optional(),
        /** Smoke/BDD test run as a Kubernetes Job against the canary or preview Service. */
        smokeTest: z
            .strictObject({
                /** Test image, pinned by digest. */
                image: z.string().regex(/@sha256:[a-f0-9]{64}$/, "expected an image pinned by digest (repo@sha256:<64 hex>)"),
                /** Arguments to the test image; `{{args.service-url}}` is the Service under test. */
                args: z.array(z.string()).default([]),
            })
            .optional(),
    })
    .superRefine((value, ctx) => {
        if (!value.errorRate && !value.smokeTest) {
            ctx.addIssue({ code: "custom", path: [], message: "expected at least one check: errorRate or smokeTest" });
        }
    });

const rollout = z
    .strictObject({
        /** canary shifts traffic in steps; blueGreen switches a preview stack live at once. */
        strategy: z.enum(["canary", "blueGreen"]),
        /** Canary settings, required for strategy canary. */
        canary: canary.optional(),
        /** Blue/green settings, required for strategy blueGreen. */
        blueGreen: blueGreen.optional(),
        /** Automated analysis that promotes or aborts. */
        analysis: analysis,
        /** Seconds without progress before the rollout is aborted. */
        progressDeadlineSeconds: z.number().int().min(30).default(600),
    })
    .superRefine((value, ctx) => {
        if (value.strategy === "canary" && !value.canary) {
            ctx.addIssue({ code: "custom", path: ["canary"], message: "expected canary settings for strategy canary" });
        }
        if (value.strategy === "blueGreen" && !value.blueGreen) {
            ctx.addIssue({ code: "custom", path: ["blueGreen"], message: "expected blueGreen settings for strategy blueGreen" });
        }
        if (value.strategy === "canary" && value.blueGreen) {
            ctx.addIssue({ code: "custom", path: ["blueGreen"], message: "blueGreen settings given for strategy canary" });
        }
        if (value.strategy === "blueGreen" && value.canary) {
            ctx.addIssue({ code: "custom", path: ["canary"], message: "canary settings given for strategy blueGreen" });
        }
        const steps = value.canary?.steps ?? [];
        const analysed = value.canary?.backgroundAnalysisFromStep !== undefined || steps.some((s) => "analysis" in s);
        steps.forEach((step, index) => {
            if ("pause" in step && step.pause === "manual" && !analysed) {
                ctx.addIssue({
                    code: "custom",
                    path: ["canary", "steps", index, "pause"],
                    message: "a manual pause needs an analysis step or background analysis, or the rollout waits for a person with nothing verified",
                });
            }
        });
        if (value.canary && !analysed) {
            ctx.addIssue({
                code: "custom",
                path: ["canary", "steps"],
                message: "expected an analysis step or backgroundAnalysisFromStep, so the canary is verified before promotion",
            });
        }
    });

const image = z
    .strictObject({
        /** Build from a Dockerfile in the service folder (stacks that build images). */
        build: z
            .strictObject({
                /** Build context, relative to the service folder. */
                context: z.string().default("."),
                /** Dockerfile, relative to the service folder. */
                dockerfile: z.string().default("Dockerfile"),
                /** Multi-stage target to build. */
                target: z.string().optional(),
            })
            .optional(),
        /** A prebuilt image pinned by digest, used when no stack value overrides it. */
        ref: z.string().regex(/^[^\s@]+@sha256:[a-f0-9]{64}$/, "expected an image pinned by digest (repo@sha256:<64 hex>), never a floating tag").optional(),
    })
    .superRefine((value, ctx) => {
        if (!value.build && !value.ref) {
            ctx.addIssue({ code: "custom", path: [], message: "expected build (context and Dockerfile) or ref (a repo@sha256: reference)" });
        }
    });

/** The fields a stack may override; everything else is the same in every stack. */
const overridable = {
    /** Replicas when not autoscaled (and the autoscaler's floor when it is). */
    replicas: z.number().int().min(1),
    /** Horizontal autoscaling bounds. */
    autoscaling: autoscaling,
    /** CPU and memory requests and limits. */
    resources: resources,
    /** Environment variables. */
    env: z.array(envVar),
    /** Rollout strategy and analysis. */
    rollout: rollout,
};

export const serviceManifestSchema = z
    .strictObject({
        /** Service name: names every Kubernetes object of the service. */
        name: dnsLabel,
        /** Release version (semver) of the service. */
        version: z.string().regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, "expected a semantic version such as 1.4.2"),
        /** Owning team. */
        team: dnsLabel,
        /** Slack channel of the owning team, where deployment activity is announced. */
        slack: z.string().regex(/^#[a-z0-9][a-z0-9._-]{0,79}$/, "expected a Slack channel such as #team-deploys"),
        /** GitHub repository (owner/name) holding the service's code. */
        repository: z.string().regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, "expected a GitHub repository as owner/name"),
        /** Short description. */
        description: z.string().optional(),
        /** Where the image comes from. */
        image: image,
        /** Ports the container listens on; the first is the primary one. */
        ports: z.array(port).min(1, "expected at least one port"),
        /** Readiness and liveness probes. */
        probes: z.strictObject({ readiness: probe, liveness: probe }),
        ...overridable,
        replicas: overridable.replicas.default(1),
        env: overridable.env.default([]),
        autoscaling: overridable.autoscaling.optional(),
        /** Per-environment overrides, deep-merged over the fields above (lists replace). */
        overrides: z
            .partialRecord(
                z.enum(["dev", "prod", "local"]),
                z.strictObject({
                    replicas: overridable.replicas.optional(),
                    autoscaling: z.looseObject({}).optional(),
                    resources: z.looseObject({}).optional(),
                    env: z.array(z.unknown()).optional(),
                    rollout: z.looseObject({}).optional(),
                }),
            )
            .default({}),
    })
    .superRefine((value, ctx) => {
        const names = new Set<string>();
        const numbers = new Set<number>();
        value.ports.forEach((p, index) => {
            if (names.has(p.name)) {
                ctx.addIssue({ code: "custom", path: ["ports", index, "name"], message: `duplicate port name ${p.name}` });
            }
            if (numbers.has(p.containerPort)) {
                ctx.addIssue({ code: "custom", path: ["ports", index, "containerPort"], message: `duplicate containerPort ${p.containerPort}` });
            }
            names.add(p.name);
            numbers.add(p.containerPort);
        });
        for (const kind of ["readiness", "liveness"] as const) {
            const target = value.probes[kind].port;
            if (target !== undefined && !(typeof target === "string" ? names.has(target) : numbers.has(target))) {
                ctx.addIssue({ code: "custom", path: ["probes", kind, "port"], message: `expected a port declared in ports, got ${target}` });
            }
        }
        const envNames = new Set<string>();
        value.env.forEach((e, index) => {
            if (envNames.has(e.name)) {
                ctx.addIssue({ code: "custom", path: ["env", index, "name"], message: `duplicate environment variable ${e.name}` });
            }
            envNames.add(e.name);
        });
        if (value.autoscaling && value.autoscaling.minReplicas < value.replicas) {
            ctx.addIssue({
                code: "custom",
                path: ["autoscaling", "minReplicas"],
                message: `expected minReplicas at or above replicas (${value.replicas}), or the autoscaler scales below the floor`,
            });
        }
    });

/** A service manifest as written (before per-environment overrides are applied). */
export type ServiceManifest = z.infer<typeof serviceManifestSchema>;
/** A service manifest with one environment's overrides applied. */
export type ResolvedService = Omit<ServiceManifest, "overrides">;
export type CanaryStep = z.infer<typeof canaryStep>;
export type AnalysisSpec = z.infer<typeof analysis>;
export type RolloutSpec = z.infer<typeof rollout>;
export type EnvVar = z.infer<typeof envVar>;
export type Probe = z.infer<typeof probe>;
export type Port = z.infer<typeof port>;
export type Environment = "dev" | "prod" | "local";
