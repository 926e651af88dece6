/**
 * Slipway's composition root: stack config and service manifests in, platform and one Argo Rollout
 * per service out, with the inventory as the stack's output.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "./config";
import { evidenceAnnotations, readEvidence } from "./components/evidence";
import { GithubDelivery, pipelineVariables } from "./components/githubDelivery";
import { buildInventory, commitUrl, InventoryService } from "./components/inventory";
import { Platform } from "./components/platform";
import { ServiceImage } from "./components/serviceImage";
import { ServiceWorkload } from "./components/serviceWorkload";
import { effectiveReplicas } from "./components/workloadObjects";
import { loadServices } from "./manifest/load";

const config = loadConfig();
// The health gate reads Rollouts from the same cluster the Kubernetes provider deploys to.
const kubernetesConfig = new pulumi.Config("kubernetes");
const cluster = { context: kubernetesConfig.get("context"), kubeconfig: kubernetesConfig.get("kubeconfig") };
const projectDir = __dirname;
const servicesDir = path.resolve(projectDir, process.env.SLIPWAY_SERVICES_DIR ?? "services");
// Every manifest is validated before any resource is registered.
const services = loadServices({ servicesDir, environment: config.environment, relativeTo: projectDir });

if (!config.buildImages) {
    const missing = services.filter((s) => !config.images[s.name] && !s.image.ref).map((s) => s.name);
    if (missing.length) {
        throw new Error(
            `stack ${config.stack} does not build images and has no verified image for: ${missing.join(", ")}; ` +
                "add them to slipway:images (the snapshot promoted from dev)",
        );
    }
}
const unknown = Object.keys(config.images).filter((name) => !services.some((s) => s.name === name));
if (unknown.length) {
    throw new Error(`stack ${config.stack}: slipway:images names services that have no manifest: ${unknown.join(", ")}`);
}

const platform = new Platform("platform", {
    environment: config.environment,
    namespace: config.namespace,
    controllerNamespace: config.platform.controllerNamespace,
    manageControllerNamespace: config.platform.manageControllerNamespace,
    installRolloutsController: config.platform.installRolloutsController,
    rolloutsChartVersion: config.platform.rolloutsChartVersion,
    rolloutsChartRepo: config.platform.rolloutsChartRepo,
    notifications: config.platform.notifications,
    slackToken: config.slackToken,
    slackApiUrl: config.platform.slackApiUrl,
});

const entries: pulumi.Output<InventoryService>[] = [];
for (const service of services) {
    const snapshot = config.images[service.name];
    const build = config.buildImages && service.image.build ? service.image.build : undefined;
    const version = snapshot?.version ?? service.version;
    const commit = snapshot?.commit ?? config.gitCommit;
    const source = `${config.sourceBaseUrl}/${service.repository}`;
    const link = commitUrl(config.sourceBaseUrl, service.repository, commit);
    const serviceDir = path.join(servicesDir, service.name);
    const image = new ServiceImage(service.name, {
        service: service.name,
        version,
        commit,
        source,
        registry: config.registry,
        auth: config.registryAuth,
        build: build && {
            context: path.resolve(serviceDir, build.context),
            dockerfile: path.resolve(serviceDir, build.dockerfile),
            target: build.target,
        },
        ref: snapshot?.ref ?? service.image.ref,
    });
    const evidence = snapshot?.evidence ?? readEvidence(path.resolve(projectDir, config.evidenceDir), service.name, commit);
    const port = service.ports[0]!;
    const webUrl = (config.analysis.urls[service.name] ?? config.analysis.webUrlTemplate)
        .replace(/\{service\}/g, service.name)
        .replace(/\{namespace\}/g, config.namespace)
        .replace(/\{port\}/g, String(port.servicePort ?? port.containerPort));
    const workload = new ServiceWorkload(
        service.name,
        {
            service,
            image: image.ref,
            settings: {
                environment: config.environment,
                namespace: config.namespace,
                version,
                commit,
                commitUrl: link,
                analysis: {
                    provider: config.analysis.provider,
                    prometheusAddress: config.analysis.prometheusAddress,
                    webUrl,
                    smokeTests: config.analysis.smokeTests,
                },
                allowIngressFromNamespaces: config.platform.allowIngressFromNamespaces,
                controllerNamespace: config.platform.controllerNamespace,
                waitForRollout: config.waitForRollouts,
                rolloutTimeoutSeconds: config.rolloutTimeoutSeconds,
                cluster,
                extraAnnotations: evidenceAnnotations(evidence),
            },
        },
        { dependsOn: platform.ready },
    );
    entries.push(
        pulumi.all([image.ref, image.digest, workload.health]).apply(([ref, digest, health]) => ({
            service: service.name,
            team: service.team,
            slack: service.slack,
            repository: service.repository,
            namespace: workload.namespace,
            image: ref,
            digest,
            version,
            commit,
            commitUrl: link,
            strategy: service.rollout.strategy,
            replicas: effectiveReplicas(service),
            health,
            ...(evidence ? { evidence } : {}),
        })),
    );
}

if (config.github.enabled) {
    new GithubDelivery("github", {
        repositories: services.map((s) => ({
            repository: s.repository,
            service: s.name,
            variables: pipelineVariables({ service: s.name, registry: config.registry, namespace: config.namespace }),
        })),
        defaultBranch: config.github.defaultBranch,
        requiredChecks: config.github.requiredChecks,
        requiredApprovals: config.github.requiredApprovals,
        prodReviewerTeams: config.github.prodReviewerTeams,
        actionsSecrets: config.actionsSecrets,
        actionsSecretNames: config.github.actionsSecretNames,
    });
}

/** Which version of which service runs where, traceable to its commit (see components/inventory.ts). */
export const inventory = pulumi.all(entries).apply((list) =>
    buildInventory({ stack: config.stack, environment: config.environment, namespace: config.namespace }, list),
);

/** Facts about the platform of this stack. */
export const platformInfo = {
    environment: config.environment,
    namespace: platform.namespace,
    controllerNamespace: config.platform.controllerNamespace,
    rolloutsController: config.platform.installRolloutsController ? { managedBy: "slipway", chartVersion: config.platform.rolloutsChartVersion } : { managedBy: "cluster" },
    notifications: config.platform.notifications,
    github: config.github.enabled,
    registry: config.registry,
};
