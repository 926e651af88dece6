import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { notificationConfigData, notificationConfigMapName, notificationSecretName, slackTokenKey } from "./notificationConfig";

/** Labels that make Pod Security Admission enforce the restricted profile. */
export function restrictedNamespaceLabels(environment: string): Record<string, string> {
    return {
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
        "app.kubernetes.io/part-of": "slipway",
        "app.kubernetes.io/managed-by": "pulumi",
        "slipway.dev/environment": environment,
    };
}

/** Values of the argo-rollouts chart: notification config is Slipway's own typed resources. */
export function rolloutsChartValues(environment: string): Record<string, unknown> {
    return {
        installCRDs: true,
        keepCRDs: true,
        controller: {
            replicas: environment === "prod" ? 2 : 1,
            resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
        },
        notifications: { configmap: { create: false }, secret: { create: false } },
        dashboard: { enabled: false },
    };
}

export interface PlatformArgs {
    /** Environment (dev, prod, local). */
    environment: string;
    /** Namespace the services run in. */
    namespace: string;
    /** Namespace of the Argo Rollouts controller. */
    controllerNamespace: string;
    /** Create the controller's namespace. */
    manageControllerNamespace: boolean;
    /** Install the controller with the argo-rollouts Helm chart. */
    installRolloutsController: boolean;
    /** Pinned chart version. */
    rolloutsChartVersion: string;
    /** Chart repository URL. */
    rolloutsChartRepo: string;
    /** Slack notifications through the controller's notification engine. */
    notifications: boolean;
    /** Slack bot token (a Pulumi secret). */
    slackToken?: pulumi.Input<string>;
    /** Slack API base URL override (a local receiver in tests). */
    slackApiUrl?: string;
}

/**
 * What each environment needs before any service: its namespace under the restricted Pod Security
 * profile with a default-deny network policy, the Argo Rollouts controller, and its Slack notifications.
 */
export class Platform extends pulumi.ComponentResource {
    /** The services' namespace. */
    public readonly namespace: pulumi.Output<string>;
    /** Chart version installed, when Slipway installs the controller. */
    public readonly rolloutsChartVersion?: string;
    /** Resources the services must wait for. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("slipway:platform:Platform", name, {}, opts);
        const namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            { metadata: { name: args.namespace, labels: restrictedNamespaceLabels(args.environment) } },
            { parent: this },
        );
        const defaultDeny = new k8s.networking.v1.NetworkPolicy(
            `${name}-default-deny`,
            {
                metadata: { name: "default-deny", namespace: namespace.metadata.name, labels: { "app.kubernetes.io/part-of": "slipway", "app.kubernetes.io/managed-by": "pulumi" } },
                spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
            },
            { parent: this },
        );
        this.ready = [namespace, defaultDeny];

        const controllerNamespace = args.manageControllerNamespace
            ? new k8s.core.v1.Namespace(
                  `${name}-controller-namespace`,
                  { metadata: { name: args.controllerNamespace, labels: { "app.kubernetes.io/part-of": "slipway", "app.kubernetes.io/managed-by": "pulumi" } } },
                  { parent: this },
              )
            : undefined;
        const controllerNamespaceName = controllerNamespace ? controllerNamespace.metadata.name : pulumi.output(args.controllerNamespace);

        if (args.notifications) {
            if (!args.slackToken) {
                throw new Error("platform: notifications are on but no Slack token was given (slipway:slackToken)");
            }
            const secret = new k8s.core.v1.Secret(
                `${name}-notification-secret`,
                {
                    metadata: { name: notificationSecretName, namespace: controllerNamespaceName },
                    type: "Opaque",
                    stringData: { [slackTokenKey]: pulumi.secret(args.slackToken) },
                },
                { parent: this },
            );
            const configMap = new k8s.core.v1.ConfigMap(
                `${name}-notification-config`,
                { metadata: { name: notificationConfigMapName, namespace: controllerNamespaceName }, data: notificationConfigData({ slackApiUrl: args.slackApiUrl }) },
                { parent: this },
            );
            this.ready.push(secret, configMap);
        }

        if (args.installRolloutsController) {
            const release = new k8s.helm.v3.Release(
                `${name}-argo-rollouts`,
                {
                    name: "argo-rollouts",
                    chart: "argo-rollouts",
                    version: args.rolloutsChartVersion,
                    repositoryOpts: { repo: args.rolloutsChartRepo },
                    namespace: controllerNamespaceName,
                    values: rolloutsChartValues(args.environment),
                    atomic: true,
                    timeout: 600,
                },
                { parent: this, dependsOn: controllerNamespace ? [controllerNamespace] : [] },
            );
            this.ready.push(release);
            this.rolloutsChartVersion = args.rolloutsChartVersion;
        }

        this.namespace = namespace.metadata.name;
        this.registerOutputs({ namespace: this.namespace, rolloutsChartVersion: this.rolloutsChartVersion });
    }
}
