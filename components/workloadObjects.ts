/**
 * Plain Kubernetes objects of one service: the Rollout, its Services, AnalysisTemplates,
 * ServiceAccount, PodDisruptionBudget, NetworkPolicy and HorizontalPodAutoscaler. Pure functions of
 * the resolved manifest and the stack's settings; the ServiceWorkload component only registers them.
 */
import type { IAnalysisTemplate, IRollout } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1";
import type { IHorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1";
import type { IPodTemplateSpec, IProbe, IService, IServiceAccount, ITopologySpreadConstraint } from "kubernetes-models/v1";
import type { AnalysisSpec, CanaryStep, Port, Probe, ResolvedService } from "../manifest/schema";
import { selectorLabels, serviceLabels, traceAnnotations } from "./labels";

/** Everything besides the manifest that shapes a service's objects in one stack. */
export interface WorkloadSettings {
    /** Environment (dev, prod, local). */
    environment: "dev" | "prod" | "local";
    /** Namespace the service runs in. */
    namespace: string;
    /** Image reference pinned by digest. */
    image: string;
    /** Release version. */
    version: string;
    /** Git commit of the image. */
    commit: string;
    /** Link to the commit. */
    commitUrl: string;
    /** Error-rate metric source. */
    analysis: {
        provider: "prometheus" | "web";
        prometheusAddress?: string;
        /** Resolved URL of the metrics summary for provider web. */
        webUrl?: string;
        /** Whether smoke-test Jobs may run. */
        smokeTests: boolean;
    };
    /** Namespaces allowed to reach the service's pods. */
    allowIngressFromNamespaces: string[];
    /** Namespace of the Argo Rollouts controller (it queries the canary for web analysis). */
    controllerNamespace: string;
    /** Make `pulumi up` wait for the Rollout to become Healthy. */
    waitForRollout: boolean;
    /** Seconds to wait. */
    rolloutTimeoutSeconds: number;
    /** The cluster the provider targets (kubeconfig context/contents), for the health gate. */
    cluster?: { context?: string; kubeconfig?: string };
    /** Extra annotations for the Rollout (evidence). */
    extraAnnotations: Record<string, string>;
}

/** Object metadata as the builders always set it. */
export interface BuiltMetadata {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
}

/**
 * A Kubernetes object as plain data, typed by the real Kubernetes and Argo Rollouts models so that a
 * misspelt field is a type error (and the tests validate every object against their schemas too).
 */
export type KubeObject = (IRollout | IAnalysisTemplate | IService | IServiceAccount | IPodDisruptionBudget | INetworkPolicy | IHorizontalPodAutoscaler) & {
    metadata: BuiltMetadata;
};
type Built<T> = T & { metadata: BuiltMetadata };

/** The Argo notification triggers each service subscribes its team's channel to. */
export const notificationTriggers = [
    "on-rollout-updated",
    "on-rollout-step-completed",
    "on-rollout-completed",
    "on-rollout-aborted",
    "on-rollout-paused",
    "on-analysis-run-failed",
    "on-analysis-run-error",
] as const;

/** `notifications.argoproj.io/subscribe.<trigger>.slack: <channel>` for every trigger. */
export function notificationAnnotations(slackChannel: string): Record<string, string> {
    const channel = slackChannel.replace(/^#/, "");
    return Object.fromEntries(notificationTriggers.map((trigger) => [`notifications.argoproj.io/subscribe.${trigger}.slack`, channel]));
}

/** Replicas the Rollout asks for: the manifest's, raised to the autoscaler's floor. */
export function effectiveReplicas(service: ResolvedService): number {
    return Math.max(service.replicas, service.autoscaling?.minReplicas ?? 0);
}

/** Names of a service's objects, fixed so Services and Rollout can refer to each other. */
export function objectNames(service: string) {
    return {
        rollout: service,
        serviceAccount: service,
        stableService: service,
        canaryService: `${service}-canary`,
        activeService: service,
        previewService: `${service}-preview`,
        errorRateTemplate: `${service}-error-rate`,
        smokeTemplate: `${service}-smoke`,
        pdb: service,
        networkPolicy: service,
        hpa: service,
    };
}

function ident(service: ResolvedService, settings: WorkloadSettings) {
    return { name: service.name, version: settings.version, environment: settings.environment, team: service.team };
}

function metadata(name: string, service: ResolvedService, settings: WorkloadSettings, annotations?: Record<string, string>): BuiltMetadata {
    return {
        name,
        namespace: settings.namespace,
        labels: serviceLabels(ident(service, settings)),
        ...(annotations && Object.keys(annotations).length ? { annotations } : {}),
    };
}

function probeSpec(probe: Probe, ports: Port[]): IProbe {
    const port = probe.port ?? ports[0]!.name;
    return {
        httpGet: { path: probe.path, port },
        initialDelaySeconds: probe.initialDelaySeconds,
        periodSeconds: probe.periodSeconds,
        timeoutSeconds: probe.timeoutSeconds,
        failureThreshold: probe.failureThreshold,
    };
}

/** The pod template: restricted security context, probes, resources, spread across nodes. */
export function podTemplate(service: ResolvedService, settings: WorkloadSettings): IPodTemplateSpec {
    const id = ident(service, settings);
    const names = objectNames(service.name);
    const trace = traceAnnotations({ service: service.name, commit: settings.commit, commitUrl: settings.commitUrl, image: settings.image });
    const spread: ITopologySpreadConstraint[] = [
        {
            maxSkew: 1,
            topologyKey: "kubernetes.io/hostname",
            whenUnsatisfiable: settings.environment === "prod" ? "DoNotSchedule" : "ScheduleAnyway",
            labelSelector: { matchLabels: selectorLabels(id) },
        },
        {
            maxSkew: 1,
            topologyKey: "topology.kubernetes.io/zone",
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels: selectorLabels(id) },
        },
    ];
    return {
        metadata: { labels: serviceLabels(id), annotations: trace },
        spec: {
            serviceAccountName: names.serviceAccount,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: {
                runAsNonRoot: true,
                runAsUser: 65532,
                runAsGroup: 65532,
                fsGroup: 65532,
                seccompProfile: { type: "RuntimeDefault" },
            },
            topologySpreadConstraints: spread,
            affinity: {
                podAntiAffinity: {
                    preferredDuringSchedulingIgnoredDuringExecution: [
                        { weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: selectorLabels(id) } } },
                    ],
                },
            },
            terminationGracePeriodSeconds: 30,
            containers: [
                {
                    name: service.name,
                    image: settings.image,
                    imagePullPolicy: "IfNotPresent",
                    ports: service.ports.map((p) => ({ name: p.name, containerPort: p.containerPort, protocol: p.protocol })),
                    env: [
                        ...service.env.map((e) =>
                            e.secretRef ? { name: e.name, valueFrom: { secretKeyRef: { name: e.secretRef.name, key: e.secretRef.key } } } : { name: e.name, value: e.value ?? "" },
                        ),
                        { name: "SERVICE_VERSION", value: settings.version },
                        { name: "SLIPWAY_ENVIRONMENT", value: settings.environment },
                    ],
                    resources: {
                        requests: { cpu: String(service.resources.requests.cpu), memory: String(service.resources.requests.memory) },
                        limits: { cpu: String(service.resources.limits.cpu), memory: String(service.resources.limits.memory) },
                    },
                    readinessProbe: probeSpec(service.probes.readiness, service.ports),
                    livenessProbe: probeSpec(service.probes.liveness, service.ports),
                    securityContext: {
                        allowPrivilegeEscalation: false,
                        privileged: false,
                        readOnlyRootFilesystem: true,
                        runAsNonRoot: true,
                        capabilities: { drop: ["ALL"] },
                        seccompProfile: { type: "RuntimeDefault" },
                    },
                    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                },
            ],
            volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
        },
    };
}

/** Templates the rollout's analysis refers to, with the args they take. */
function analysisRefs(service: ResolvedService, settings: WorkloadSettings) {
    const names = objectNames(service.name);
    const templates = [];
    if (service.rollout.analysis.errorRate) {
        templates.push({ templateName: names.errorRateTemplate });
    }
    if (service.rollout.analysis.smokeTest && settings.analysis.smokeTests) {
        templates.push({ templateName: names.smokeTemplate });
    }
    const args = [{ name: "service-name", value: service.name }];
    return { templates, args };
}

function canaryStepSpec(step: CanaryStep, service: ResolvedService, settings: WorkloadSettings) {
    if ("setWeight" in step) {
        return { setWeight: step.setWeight };
    }
    if ("pause" in step) {
        return step.pause === "manual" ? { pause: {} } : { pause: { duration: step.pause } };
    }
    return { analysis: analysisRefs(service, settings) };
}

/** The Rollout spec: canary or blue/green as the manifest says, with its analysis. */
export function rolloutSpec(service: ResolvedService, settings: WorkloadSettings): IRollout["spec"] {
    const names = objectNames(service.name);
    const replicas = effectiveReplicas(service);
    const refs = analysisRefs(service, settings);
    const common = {
        replicas,
        revisionHistoryLimit: 5,
        progressDeadlineSeconds: service.rollout.progressDeadlineSeconds,
        progressDeadlineAbort: true,
        selector: { matchLabels: selectorLabels(ident(service, settings)) },
        template: podTemplate(service, settings),
    };
    if (service.rollout.strategy === "canary") {
        const canary = service.rollout.canary!;
        return {
            ...common,
            strategy: {
                canary: {
                    canaryService: names.canaryService,
                    stableService: names.stableService,
                    maxSurge: canary.maxSurge,
                    maxUnavailable: canary.maxUnavailable,
                    abortScaleDownDelaySeconds: 30,
                    ...(canary.backgroundAnalysisFromStep !== undefined ? { analysis: { ...refs, startingStep: canary.backgroundAnalysisFromStep } } : {}),
                    steps: canary.steps.map((step) => canaryStepSpec(step, service, settings)),
                },
            },
        };
    }
    const blueGreen = service.rollout.blueGreen!;
    return {
        ...common,
        strategy: {
            blueGreen: {
                activeService: names.activeService,
                previewService: names.previewService,
                autoPromotionEnabled: blueGreen.autoPromotion,
                ...(blueGreen.autoPromotionSeconds !== undefined ? { autoPromotionSeconds: blueGreen.autoPromotionSeconds } : {}),
                ...(blueGreen.previewReplicaCount !== undefined ? { previewReplicaCount: blueGreen.previewReplicaCount } : {}),
                scaleDownDelaySeconds: blueGreen.scaleDownDelaySeconds,
                prePromotionAnalysis: refs,
            },
        },
    };
}

/** The Rollout object, traced to its commit and subscribed to notifications. */
export function rolloutObject(service: ResolvedService, settings: WorkloadSettings): Built<IRollout> {
    const names = objectNames(service.name);
    const trace = traceAnnotations({ service: service.name, commit: settings.commit, commitUrl: settings.commitUrl, image: settings.image });
    const annotations: Record<string, string> = {
        ...trace,
        ...notificationAnnotations(service.slack),
        ...settings.extraAnnotations,
        // The controller writes to the spec it reconciles (and so co-owns its fields); the program is
        // the source of truth for the desired spec, so its server-side apply wins those conflicts.
        "pulumi.com/patchForce": "true",
    };
    // No pulumi.com/waitFor: the provider's jsonpath await can't tell a stale status from a current
    // one for a Rollout (its observedGeneration is a string), so it accepts the previous revision's
    // Healthy, and it can only time out on Degraded. ServiceWorkload's health gate waits instead.
    return {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Rollout",
        metadata: metadata(names.rollout, service, settings, annotations),
        spec: rolloutSpec(service, settings),
    };
}

function errorRateMetric(analysis: AnalysisSpec, settings: WorkloadSettings) {
    const max = analysis.errorRate!.max;
    const common = { name: "error-rate", interval: analysis.interval, count: analysis.count, failureLimit: analysis.failureLimit };
    if (settings.analysis.provider === "web") {
        return {
            ...common,
            successCondition: `result <= ${max}`,
            provider: { web: { url: "{{args.metrics-url}}", jsonPath: "{$.errorRate}", timeoutSeconds: 5 } },
        };
    }
    // Business traffic only: probes and scrapes never fail, and counting them would dilute the rate.
    const selector = `service="{{args.service-name}}",route!~"/healthz|/readyz|/metrics.*"`;
    return {
        ...common,
        // No traffic yields NaN: nothing failed, so it passes.
        successCondition: `len(result) == 0 || isNaN(result[0]) || result[0] <= ${max}`,
        provider: {
            prometheus: {
                address: settings.analysis.prometheusAddress,
                query: `sum(rate(http_request_errors_total{${selector}}[2m])) / sum(rate(http_requests_total{${selector}}[2m]))`,
            },
        },
    };
}

/** AnalysisTemplates: the error-rate check and, where pods can run, the smoke-test Job. */
export function analysisTemplateObjects(service: ResolvedService, settings: WorkloadSettings): Built<IAnalysisTemplate>[] {
    const names = objectNames(service.name);
    const analysis = service.rollout.analysis;
    const templates: Built<IAnalysisTemplate>[] = [];
    if (analysis.errorRate) {
        const args: Array<{ name: string; value?: string }> = [{ name: "service-name" }];
        if (settings.analysis.provider === "web") {
            args.push({ name: "metrics-url", value: settings.analysis.webUrl });
        }
        templates.push({
            apiVersion: "argoproj.io/v1alpha1",
            kind: "AnalysisTemplate",
            metadata: metadata(names.errorRateTemplate, service, settings),
            spec: { args, metrics: [errorRateMetric(analysis, settings)] },
        });
    }
    if (analysis.smokeTest && settings.analysis.smokeTests) {
        const target = service.rollout.strategy === "canary" ? names.canaryService : names.previewService;
        const port = service.ports[0]!;
        templates.push({
            apiVersion: "argoproj.io/v1alpha1",
            kind: "AnalysisTemplate",
            metadata: metadata(names.smokeTemplate, service, settings),
            spec: {
                args: [{ name: "service-name" }, { name: "service-url", value: `http://${target}.${settings.namespace}.svc:${port.servicePort ?? port.containerPort}` }],
                metrics: [
                    {
                        name: "smoke-test",
                        count: 1,
                        failureLimit: 0,
                        provider: {
                            job: {
                                spec: {
                                    backoffLimit: 0,
                                    activeDeadlineSeconds: 300,
                                    template: {
                                        metadata: { labels: { ...selectorLabels({ name: `${service.name}-smoke`, environment: settings.environment }) } },
                                        spec: {
                                            restartPolicy: "Never",
                                            automountServiceAccountToken: false,
                                            securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } },
                                            containers: [
                                                {
                                                    name: "smoke-test",
                                                    image: analysis.smokeTest.image,
                                                    args: analysis.smokeTest.args,
                                                    env: [{ name: "SERVICE_URL", value: "{{args.service-url}}" }],
                                                    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
                                                    securityContext: {
                                                        allowPrivilegeEscalation: false,
                                                        readOnlyRootFilesystem: true,
                                                        runAsNonRoot: true,
                                                        capabilities: { drop: ["ALL"] },
                                                    },
                                                },
                                            ],
                                        },
                                    },
                                },
                            },
                        },
                    },
                ],
            },
        });
    }
    return templates;
}

/** The stable and canary Services (or active and preview for blue/green). */
export function serviceObjects(service: ResolvedService, settings: WorkloadSettings): Built<IService>[] {
    const names = objectNames(service.name);
    const pair = service.rollout.strategy === "canary" ? [names.stableService, names.canaryService] : [names.activeService, names.previewService];
    return pair.map((name) => ({
        apiVersion: "v1",
        kind: "Service",
        metadata: metadata(name, service, settings),
        spec: {
            type: "ClusterIP",
            // The controller adds the pod-template hash to these selectors to split stable from canary.
            selector: selectorLabels(ident(service, settings)),
            ports: service.ports.map((p) => ({ name: p.name, port: p.servicePort ?? p.containerPort, targetPort: p.name, protocol: p.protocol })),
        },
    }));
}

/** A ServiceAccount of its own, without an automounted API token. */
export function serviceAccountObject(service: ResolvedService, settings: WorkloadSettings): Built<IServiceAccount> {
    return {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: metadata(objectNames(service.name).serviceAccount, service, settings),
        automountServiceAccountToken: false,
    };
}

/** Allows one voluntary disruption at a time. */
export function podDisruptionBudgetObject(service: ResolvedService, settings: WorkloadSettings): Built<IPodDisruptionBudget> {
    return {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: metadata(objectNames(service.name).pdb, service, settings),
        spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(ident(service, settings)) } },
    };
}

/**
 * Lets traffic reach the service's ports from its own namespace, the controller (web analysis) and
 * the configured namespaces; egress to DNS and its own namespace. Everything else stays denied by
 * the namespace's default-deny policy.
 */
export function networkPolicyObject(service: ResolvedService, settings: WorkloadSettings): Built<INetworkPolicy> {
    const fromNamespaces = [...new Set([settings.controllerNamespace, ...settings.allowIngressFromNamespaces])];
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: metadata(objectNames(service.name).networkPolicy, service, settings),
        spec: {
            podSelector: { matchLabels: selectorLabels(ident(service, settings)) },
            policyTypes: ["Ingress", "Egress"],
            ingress: [
                {
                    from: [
                        { podSelector: {} },
                        ...fromNamespaces.map((ns) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } })),
                    ],
                    ports: service.ports.map((p) => ({ port: p.containerPort, protocol: p.protocol })),
                },
            ],
            egress: [
                { to: [{ podSelector: {} }] },
                {
                    to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }],
                    ports: [
                        { port: 53, protocol: "UDP" },
                        { port: 53, protocol: "TCP" },
                    ],
                },
            ],
        },
    };
}

/** Scales the Rollout (not a Deployment) between the manifest's bounds. */
export function horizontalPodAutoscalerObject(service: ResolvedService, settings: WorkloadSettings): Built<IHorizontalPodAutoscaler> | undefined {
    const autoscaling = service.autoscaling;
    if (!autoscaling) {
        return undefined;
    }
    return {
        apiVersion: "autoscaling/v2",
        kind: "HorizontalPodAutoscaler",
        metadata: metadata(objectNames(service.name).hpa, service, settings),
        spec: {
            scaleTargetRef: { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: objectNames(service.name).rollout },
            minReplicas: effectiveReplicas(service),
            maxReplicas: autoscaling.maxReplicas,
            metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: autoscaling.targetCPUUtilizationPercentage } } }],
        },
    };
}

/** Every object of a service, in the order they should exist. */
export function workloadObjects(service: ResolvedService, settings: WorkloadSettings): KubeObject[] {
    const hpa = horizontalPodAutoscalerObject(service, settings);
    return [
        serviceAccountObject(service, settings),
        ...serviceObjects(service, settings),
        ...analysisTemplateObjects(service, settings),
        rolloutObject(service, settings),
        podDisruptionBudgetObject(service, settings),
        networkPolicyObject(service, settings),
        ...(hpa ? [hpa] : []),
    ];
}
