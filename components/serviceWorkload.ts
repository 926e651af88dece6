import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ResolvedService } from "../manifest/schema";
import { clusterReader, RolloutReader, waitForRollout } from "./rolloutHealth";
import {
    analysisTemplateObjects,
    horizontalPodAutoscalerObject,
    KubeObject,
    networkPolicyObject,
    objectNames,
    podDisruptionBudgetObject,
    rolloutObject,
    serviceAccountObject,
    serviceObjects,
    WorkloadSettings,
} from "./workloadObjects";

export interface ServiceWorkloadArgs {
    /** The service's manifest, resolved for this stack's environment. */
    service: ResolvedService;
    /** Image reference pinned by digest (usually ServiceImage.ref). */
    image: pulumi.Input<string>;
    /** Everything else that shapes the objects in this stack. */
    settings: Omit<WorkloadSettings, "image">;
    /** Reads the live Rollout for the health gate (defaults to the provider's cluster). */
    readRollout?: RolloutReader;
}

/** The builders return plain objects checked against the real schemas in tests; Pulumi takes them as args. */
function asArgs<T>(object: KubeObject): T {
    return object as unknown as T;
}

/**
 * The Node.js SDK's exit code for "the program failed and has already logged why"
 * (`nodeJSProcessExitedAfterLoggingUserActionableMessage` in @pulumi/pulumi/cmd/run): the language
 * host fails the update without adding a generic message.
 */
const programFailedAfterLoggingError = 32;

// Services are routed by the Rollout's own readiness; awaiting their endpoints before the Rollout
// exists would deadlock, so Pulumi skips that wait and waits on the Rollout instead.
const skipAwait = { "pulumi.com/skipAwait": "true" };

/**
 * One service deployed as an Argo Rollout with everything around it: its Services, analysis,
 * identity, disruption budget, network policy and autoscaler. A thin layer over workloadObjects.ts.
 */
export class ServiceWorkload extends pulumi.ComponentResource {
    /** Name of the Rollout. */
    public readonly rolloutName: string;
    /** Namespace the service runs in. */
    public readonly namespace: string;
    /** The Rollout resource. */
    public readonly rollout: k8s.apiextensions.CustomResource;
    /** Names of the Services (stable/canary or active/preview). */
    public readonly serviceNames: string[];
    /** How the release ended: "Healthy", or why it was not awaited. Fails the update when it degrades. */
    public readonly health: pulumi.Output<string>;

    constructor(name: string, args: ServiceWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
        super("slipway:workload:ServiceWorkload", name, {}, opts);
        const { service } = args;
        // Everything but the Rollout is independent of the image, so it is built from a placeholder.
        const plain: WorkloadSettings = { ...args.settings, image: "<image>" };
        const names = objectNames(service.name);

        const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-sa`, asArgs<k8s.core.v1.ServiceAccountArgs>(serviceAccountObject(service, plain)), { parent: this });
        const serviceSpecs = serviceObjects(service, plain);
        const services = serviceSpecs.map((object, index) => {
            const role = index === 0 ? (service.rollout.strategy === "canary" ? "stable" : "active") : service.rollout.strategy === "canary" ? "canary" : "preview";
            const withSkip = { ...object, metadata: { ...object.metadata, annotations: { ...object.metadata.annotations, ...skipAwait } } };
            return new k8s.core.v1.Service(`${name}-${role}`, asArgs<k8s.core.v1.ServiceArgs>(withSkip), { parent: this });
        });
        const templates = analysisTemplateObjects(service, plain).map(
            (object) => new k8s.apiextensions.CustomResource(`${name}-${object.metadata.name === names.smokeTemplate ? "smoke" : "error-rate"}`, asArgs<k8s.apiextensions.CustomResourceArgs>(object), { parent: this }),
        );

        const rollout = pulumi.output(args.image).apply((image) => rolloutObject(service, { ...args.settings, image }));
        this.rollout = new k8s.apiextensions.CustomResource(
            `${name}-rollout`,
            {
                apiVersion: "argoproj.io/v1alpha1",
                kind: "Rollout",
                metadata: rollout.apply((r) => r.metadata),
                spec: rollout.apply((r) => r.spec as Record<string, unknown>),
            },
            { parent: this, dependsOn: [serviceAccount, ...services, ...templates] },
        );

        new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, asArgs<k8s.policy.v1.PodDisruptionBudgetArgs>(podDisruptionBudgetObject(service, plain)), { parent: this });
        new k8s.networking.v1.NetworkPolicy(`${name}-netpol`, asArgs<k8s.networking.v1.NetworkPolicyArgs>(networkPolicyObject(service, plain)), { parent: this });
        const hpa: KubeObject | undefined = horizontalPodAutoscalerObject(service, plain);
        if (hpa) {
            new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-hpa`, asArgs<k8s.autoscaling.v2.HorizontalPodAutoscalerArgs>(hpa), { parent: this, dependsOn: [this.rollout] });
        }

        // After the apply, wait for the controller to finish this generation (see rolloutHealth.ts).
        const settings = args.settings;
        this.health =
            settings.waitForRollout && !pulumi.runtime.isDryRun()
                ? this.rollout.metadata.apply(async (meta) => {
                      if (meta?.generation === undefined) {
                          return "not awaited: the provider reported no generation";
                      }
                      const read = args.readRollout ?? clusterReader(settings.cluster ?? {});
                      const wait = { namespace: settings.namespace, name: names.rollout, generation: Number(meta.generation), timeoutSeconds: settings.rolloutTimeoutSeconds };
                      const progress = (a: { message: string }) => pulumi.log.info(`${names.rollout}: ${a.message}`, this.rollout);
                      try {
                          return (await waitForRollout(wait, read, 1000, progress)).message;
                      } catch (error) {
                          // Report it on the Rollout and end the program failed, but normally: a thrown
                          // error takes the SDK's unhandled-error path, which keeps the program (and so
                          // `pulumi up`) waiting on its engine connection for up to a minute.
                          const message = (error as Error).message;
                          pulumi.log.error(message, this.rollout);
                          process.exitCode = programFailedAfterLoggingError;
                          return `failed: ${message}`;
                      }
                  })
                : pulumi.output(settings.waitForRollout ? "not awaited in a preview" : "not awaited (waitForRollouts is off)");

        this.rolloutName = names.rollout;
        this.namespace = args.settings.namespace;
        this.serviceNames = serviceSpecs.map((object) => object.metadata.name);
        this.registerOutputs({ rolloutName: this.rolloutName, namespace: this.namespace, serviceNames: this.serviceNames, health: this.health });
    }
}
