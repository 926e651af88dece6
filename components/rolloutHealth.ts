/**
 * Waiting for a Rollout to finish what `pulumi up` just asked of it.
 *
 * `pulumi.com/waitFor` alone is not enough for a Rollout: the provider skips its staleness check
 * because Argo Rollouts reports `status.observedGeneration` as a string, so right after an update it
 * accepts the previous revision's `Healthy`. This gate compares generations itself, and fails fast
 * (naming the Rollout and Argo's reason) when the controller aborts the release.
 */
import * as k8s from "@kubernetes/client-node";

/** What the gate concluded from one look at the Rollout. */
export interface RolloutAssessment {
    state: "pending" | "healthy" | "degraded";
    /** Why, in Argo's words where it gave any. */
    message: string;
}

/** Judges a Rollout object against the generation Pulumi applied. Pure. */
export function assessRollout(rollout: any, generation: number): RolloutAssessment {
    const status = rollout?.status ?? {};
    const observed = Number(status.observedGeneration);
    if (!Number.isFinite(observed) || observed < generation) {
        return { state: "pending", message: `waiting for the controller to observe generation ${generation}` };
    }
    // Argo repeats the abort reason in status.message and the conditions; say it once.
    const failing = (status.conditions ?? []).filter((c: any) => c.reason === "RolloutAborted" || c.type === "InvalidSpec" || c.type === "ReplicaFailure");
    const reason = [...new Set([status.message, ...failing.map((c: any) => c.message)].filter(Boolean))].join("; ");
    if (status.abort === true || status.phase === "Degraded") {
        return { state: "degraded", message: reason || "the controller reports the rollout Degraded" };
    }
    if (status.phase === "Healthy" && (status.stableRS === undefined || status.stableRS === status.currentPodHash)) {
        return { state: "healthy", message: "Healthy" };
    }
    return { state: "pending", message: `phase ${status.phase ?? "unknown"}${status.message ? `: ${status.message}` : ""}` };
}

/** Where to find the Rollout and how long to wait. */
export interface RolloutWait {
    namespace: string;
    name: string;
    /** metadata.generation of the applied spec. */
    generation: number;
    timeoutSeconds: number;
    /** kubeconfig context the provider uses, when not the current one. */
    context?: string;
    /** kubeconfig contents the provider uses, when not the default file. */
    kubeconfig?: string;
}

/** Reads the Rollout; tests pass a fake. */
export type RolloutReader = (namespace: string, name: string) => Promise<any>;

/** A reader through the same kubeconfig and context the Kubernetes provider uses. */
export function clusterReader(wait: Pick<RolloutWait, "context" | "kubeconfig">): RolloutReader {
    const config = new k8s.KubeConfig();
    if (wait.kubeconfig) {
        config.loadFromString(wait.kubeconfig);
    } else {
        config.loadFromDefault();
    }
    if (wait.context) {
        config.setCurrentContext(wait.context);
    }
    const api = config.makeApiClient(k8s.CustomObjectsApi);
    return (namespace, name) => api.getNamespacedCustomObject({ group: "argoproj.io", version: "v1alpha1", namespace, plural: "rollouts", name });
}

/**
 * Polls until the Rollout is Healthy at the applied generation; throws, naming the Rollout, when it
 * degrades (the controller aborted and rolled back) or the time runs out.
 */
export async function waitForRollout(wait: RolloutWait, read: RolloutReader, pollMs = 1000): Promise<RolloutAssessment> {
    const deadline = Date.now() + wait.timeoutSeconds * 1000;
    const id = `Rollout ${wait.namespace}/${wait.name}`;
    let last: RolloutAssessment = { state: "pending", message: "not read yet" };
    for (;;) {
        try {
            last = assessRollout(await read(wait.namespace, wait.name), wait.generation);
        } catch (error) {
            last = { state: "pending", message: `could not read it: ${(error as Error).message?.split("\n")[0]}` };
        }
        if (last.state === "healthy") {
            return last;
        }
        if (last.state === "degraded") {
            throw new Error(`${id} did not become Healthy: the release was aborted and the stable version keeps serving (${last.message})`);
        }
        if (Date.now() > deadline) {
            throw new Error(`${id} did not become Healthy within ${wait.timeoutSeconds} s (${last.message})`);
        }
        await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
}
