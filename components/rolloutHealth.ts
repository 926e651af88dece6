/**
 * Waiting for a Rollout to finish what `pulumi up` just asked of it.
 *
 * `pulumi.com/waitFor` alone is not enough for a Rollout: the provider skips its staleness check
 * because Argo Rollouts reports `status.observedGeneration` as a string, so right after an update it
 * accepts the previous revision's `Healthy`. This gate compares generations itself, and fails fast
 * (naming the Rollout and Argo's reason) when the controller aborts the release.
 */
import * as http from "http";
import * as https from "https";
import type * as KubernetesClient from "@kubernetes/client-node";

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

/**
 * A reader through the same kubeconfig and context the Kubernetes provider uses. Each read is one
 * request on its own connection: a pooled keep-alive socket would hold the program open long after
 * a failed release has been reported.
 */
export function clusterReader(wait: Pick<RolloutWait, "context" | "kubeconfig">): RolloutReader {
    // Loaded only when a real update waits: it is large, and previews and tests never need it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const k8s = require("@kubernetes/client-node") as typeof KubernetesClient;
    const config = new k8s.KubeConfig();
    if (wait.kubeconfig) {
        config.loadFromString(wait.kubeconfig);
    } else {
        config.loadFromDefault();
    }
    if (wait.context) {
        config.setCurrentContext(wait.context);
    }
    const server = config.getCurrentCluster()?.server;
    if (!server) {
        throw new Error(`kubeconfig context ${config.getCurrentContext() || "(none)"} names no cluster server`);
    }
    return async (namespace, name) => {
        const options: https.RequestOptions = {};
        // Client certificates, tokens and exec credential plugins, as kubectl would use them.
        await config.applyToHTTPSOptions(options);
        const url = new URL(`${server.replace(/\/+$/, "")}/apis/argoproj.io/v1alpha1/namespaces/${encodeURIComponent(namespace)}/rollouts/${encodeURIComponent(name)}`);
        const request = url.protocol === "http:" ? http.request : https.request;
        return new Promise((resolve, reject) => {
            const req = request(url, { ...options, method: "GET", agent: false, headers: { ...options.headers, accept: "application/json", connection: "close" } }, (response) => {
                let body = "";
                response.setEncoding("utf8");
                response.on("data", (chunk) => (body += chunk));
                response.on("end", () => {
                    if (response.statusCode !== 200) {
                        reject(new Error(`GET ${url.pathname}: HTTP ${response.statusCode}`));
                        return;
                    }
                    try {
                        resolve(JSON.parse(body));
                    } catch {
                        reject(new Error(`GET ${url.pathname}: the API server did not answer with JSON`));
                    }
                });
            });
            req.on("error", reject);
            req.setTimeout(10_000, () => req.destroy(new Error(`GET ${url.pathname}: no answer within 10 s`)));
            req.end();
        });
    };
}

/**
 * Polls until the Rollout is Healthy at the applied generation; throws, naming the Rollout, when it
 * degrades (the controller aborted and rolled back) or the time runs out.
 */
export async function waitForRollout(
    wait: RolloutWait,
    read: RolloutReader,
    pollMs = 1000,
    onProgress: (assessment: RolloutAssessment) => void = () => undefined,
): Promise<RolloutAssessment> {
    const deadline = Date.now() + wait.timeoutSeconds * 1000;
    const id = `Rollout ${wait.namespace}/${wait.name}`;
    let last: RolloutAssessment = { state: "pending", message: "not read yet" };
    for (;;) {
        const previous = last.message;
        try {
            last = assessRollout(await read(wait.namespace, wait.name), wait.generation);
        } catch (error) {
            last = { state: "pending", message: `could not read it: ${(error as Error).message?.split("\n")[0]}` };
        }
        if (last.message !== previous) {
            onProgress(last);
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
