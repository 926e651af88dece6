/**
 * Shared test helpers: compliant base objects to break one field at a time, and runners that
 * evaluate a single policy (through the real policy object) and return its messages.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { PackConfig, ResourceInput, Violation, evaluate } from "../engine";
import { parseManifests } from "../gate/load";
import type { SlipwayPolicy } from "../policies/all";
import { loadStackConfig, readDigestList, withVerifiedDigests } from "../stacks";

export const FIXTURES = path.join(__dirname, "fixtures");

export function fixture(relative: string): ResourceInput[] {
    const file = path.join(FIXTURES, relative);
    return parseManifests(readFileSync(file, "utf8"), file);
}

export function fromYaml(text: string): ResourceInput[] {
    return parseManifests(text, "test.yaml");
}

/** The prod pack config with the good fixtures' digests verified, as the promotion step would write it. */
export function prodConfig(): PackConfig {
    return withVerifiedDigests(loadStackConfig("prod"), readDigestList(path.join(FIXTURES, "verified-digests.txt")));
}

/** Runs one policy at mandatory level with the given properties and returns its violations. */
export function violationsOf(policy: SlipwayPolicy, resources: ResourceInput | ResourceInput[], properties: Record<string, unknown> = {}): Violation[] {
    const config: PackConfig = { all: "mandatory" };
    if (Object.keys(properties).length > 0) config[policy.name] = properties;
    return evaluate(Array.isArray(resources) ? resources : [resources], config, { policies: [policy] });
}

/** Runs one policy and returns only the messages. */
export function messagesOf(policy: SlipwayPolicy, resources: ResourceInput | ResourceInput[], properties: Record<string, unknown> = {}): string[] {
    return violationsOf(policy, resources, properties).map((violation) => violation.message);
}

export const DIGEST = "sha256:1463700c5e276214fe683a20e43ecd7b29b1d50041e1b06c46f6a88e9dcd41ba";
export const IMAGE = `registry.prod.slipway.internal/catalog-api:1.4.2@${DIGEST}`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Props = any;

export function compliantContainer(name = "app"): Props {
    return {
        name,
        image: IMAGE,
        ports: [{ name: "http", containerPort: 8080 }],
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
        readinessProbe: { httpGet: { path: "/readyz", port: "http" }, periodSeconds: 5 },
        livenessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 10, failureThreshold: 6 },
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
    };
}

export const LABELS = {
    "app.kubernetes.io/name": "catalog-api",
    "app.kubernetes.io/instance": "catalog-api-prod",
};

export function compliantPodSpec(): Props {
    return {
        serviceAccountName: "catalog-api",
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
        topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { ...LABELS } } },
        ],
        containers: [compliantContainer()],
        volumes: [{ name: "tmp", emptyDir: {} }],
    };
}

export const EVIDENCE_ANNOTATIONS: Record<string, string> = {
    "slipway.dev/git-commit": "7baab665584ff0fac6ab9abd62a27113acbc5e7a",
    "slipway.dev/service": "catalog-api",
    "evidence.slipway.dev/tests-passed": "42",
    "evidence.slipway.dev/tests-failed": "0",
    "evidence.slipway.dev/coverage-lines": "87.5",
    "evidence.slipway.dev/vulns-critical": "0",
    "evidence.slipway.dev/vulns-high": "1",
    "evidence.slipway.dev/vulns-medium": "3",
    "evidence.slipway.dev/vulns-low": "7",
    "evidence.slipway.dev/scanner": "trivy",
};

export const WORKLOAD_LABELS: Record<string, string> = {
    ...LABELS,
    "app.kubernetes.io/version": "1.4.2",
    "app.kubernetes.io/part-of": "slipway",
    "app.kubernetes.io/managed-by": "pulumi",
};

function metadata(name: string): Props {
    return { name, namespace: "slipway", labels: { ...WORKLOAD_LABELS }, annotations: { ...EVIDENCE_ANNOTATIONS } };
}

/** A compliant Deployment; `edit` may change anything (the object is a fresh copy). */
export function deployment(edit: (props: Props) => void = () => {}, name = "catalog-api"): ResourceInput {
    const props: Props = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: metadata(name),
        spec: {
            replicas: 3,
            selector: { matchLabels: { ...LABELS } },
            template: { metadata: { labels: { ...LABELS } }, spec: compliantPodSpec() },
        },
    };
    edit(props);
    return { type: "kubernetes:apps/v1:Deployment", name, props };
}

/** A compliant canary Rollout with background analysis. */
export function rollout(edit: (props: Props) => void = () => {}, name = "catalog-api"): ResourceInput {
    const props: Props = {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Rollout",
        metadata: metadata(name),
        spec: {
            replicas: 3,
            progressDeadlineAbort: true,
            progressDeadlineSeconds: 600,
            selector: { matchLabels: { ...LABELS } },
            template: { metadata: { labels: { ...LABELS } }, spec: compliantPodSpec() },
            strategy: {
                canary: {
                    canaryService: "catalog-api-canary",
                    stableService: "catalog-api-stable",
                    analysis: { templates: [{ templateName: "catalog-api-success-rate" }] },
                    steps: [{ setWeight: 20 }, { pause: { duration: "2m" } }, { setWeight: 100 }],
                },
            },
        },
    };
    edit(props);
    return { type: "kubernetes:argoproj.io/v1alpha1:Rollout", name, props };
}

/** A compliant blue/green Rollout. */
export function blueGreenRollout(edit: (props: Props) => void = () => {}): ResourceInput {
    return rollout((props) => {
        props.spec.strategy = {
            blueGreen: {
                activeService: "catalog-api-active",
                previewService: "catalog-api-preview",
                prePromotionAnalysis: { templates: [{ templateName: "catalog-api-smoke" }] },
            },
        };
        edit(props);
    });
}

/** Wraps a pod spec in any workload kind, at that kind's template path. */
export function workloadOfKind(kind: string, podSpec: Props = compliantPodSpec(), name = "w"): ResourceInput {
    const template = { metadata: { labels: { ...LABELS } }, spec: podSpec };
    const meta = { name, labels: { ...LABELS } };
    const selector = { matchLabels: { ...LABELS } };
    switch (kind) {
        case "Pod":
            return { type: "kubernetes:core/v1:Pod", name, props: { apiVersion: "v1", kind, metadata: { ...meta }, spec: podSpec } };
        case "Job":
            return { type: "kubernetes:batch/v1:Job", name, props: { apiVersion: "batch/v1", kind, metadata: meta, spec: { template } } };
        case "CronJob":
            return {
                type: "kubernetes:batch/v1:CronJob",
                name,
                props: { apiVersion: "batch/v1", kind, metadata: meta, spec: { schedule: "0 * * * *", jobTemplate: { spec: { template } } } },
            };
        case "Rollout":
            return { type: "kubernetes:argoproj.io/v1alpha1:Rollout", name, props: { apiVersion: "argoproj.io/v1alpha1", kind, metadata: meta, spec: { replicas: 2, selector, template } } };
        default:
            return { type: `kubernetes:apps/v1:${kind}`, name, props: { apiVersion: "apps/v1", kind, metadata: meta, spec: { replicas: 2, selector, template } } };
    }
}

export const WORKLOAD_KINDS = ["Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "Rollout"];

export function service(name: string, edit: (props: Props) => void = () => {}, namespace = "slipway"): ResourceInput {
    const props: Props = {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name, namespace },
        spec: { selector: { ...LABELS }, ports: [{ port: 80, targetPort: "http" }] },
    };
    edit(props);
    return { type: "kubernetes:core/v1:Service", name, props };
}

export function pdb(edit: (props: Props) => void = () => {}, name = "catalog-api", namespace = "slipway"): ResourceInput {
    const props: Props = {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: { name, namespace },
        spec: { maxUnavailable: 1, selector: { matchLabels: { ...LABELS } } },
    };
    edit(props);
    return { type: "kubernetes:policy/v1:PodDisruptionBudget", name, props };
}

export function networkPolicy(edit: (props: Props) => void = () => {}, name = "catalog-api", namespace = "slipway"): ResourceInput {
    const props: Props = {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name, namespace },
        spec: { podSelector: { matchLabels: { "app.kubernetes.io/name": "catalog-api" } }, policyTypes: ["Ingress"] },
    };
    edit(props);
    return { type: "kubernetes:networking.k8s.io/v1:NetworkPolicy", name, props };
}

export function analysisTemplate(edit: (props: Props) => void = () => {}, name = "catalog-api-success-rate"): ResourceInput {
    const props: Props = {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "AnalysisTemplate",
        metadata: { name, namespace: "slipway" },
        spec: {
            metrics: [
                { name: "error-rate", interval: "1m", count: 5, failureLimit: 1, successCondition: "result < 0.01", provider: { web: { url: "http://x/metrics" } } },
                { name: "latency", interval: "1m", count: 5, failureLimit: 1, successCondition: "result < 0.5", provider: { web: { url: "http://x/latency" } } },
            ],
        },
    };
    edit(props);
    return { type: "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate", name, props };
}

/** The first container of a workload built by these helpers. */
export function firstContainer(props: Props): Props {
    return props.spec.template.spec.containers[0];
}
