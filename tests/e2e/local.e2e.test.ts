/**
 * End to end on one machine: the real Pulumi CLI, language host and Kubernetes provider against a
 * simulated cluster (kube-apiserver, etcd, controller-manager, scheduler, kwok) with the real Argo
 * Rollouts controller stepping the canaries, and the sample services as real metric sources on
 * loopback. The cases run in order; each builds on the stack the previous one left.
 */
import { ChildProcess, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CommandResult, localEnvironment, run, stateDir, toolPath, backendDir } from "../../scripts/local/environment";
import { checkoutSnapshot, LocalImage, localConfigFile, writeLocalConfig } from "../../scripts/local/localConfig";
import { MetricSource, sendTraffic, startMetricSource, stopMetricSources } from "../../scripts/local/metricSources";
import { destroy, ensureStack, outputs, policyConfigFile, policyPackDir, preview, stack, up } from "../../scripts/local/pulumiCli";

const namespace = "slipway-local";
const registry = "registry.local.slipway.internal";
const timings: Record<string, number> = {};
let env: NodeJS.ProcessEnv;
let sources: Record<string, MetricSource> = {};
let images: Record<string, LocalImage>;

function kubectl(...args: string[]): CommandResult {
    return run("kubectl", args, env);
}

function kubeJson(...args: string[]): any {
    const result = kubectl(...args, "-o", "json");
    if (result.code !== 0) {
        throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
    }
    return JSON.parse(result.stdout);
}

const rollout = (name: string) => kubeJson("get", "rollout", name, "-n", namespace);

async function waitUntil<T>(what: string, probe: () => T | undefined | false, timeoutMs = 120_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = probe();
        if (value) {
            return value;
        }
        if (Date.now() > deadline) {
            throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
        }
        await new Promise((r) => setTimeout(r, 500));
    }
}

/** A digest no image has had before in this run. */
function newImage(service: string, seed: string, commit: string): LocalImage {
    const hex = crypto.createHash("sha256").update(`${service}-${seed}-${Date.now()}`).digest("hex");
    return { ref: `${registry}/${service}@sha256:${hex}`, version: images[service]!.version, commit };
}

function metricUrls(): Record<string, string> {
    return Object.fromEntries(Object.values(sources).map((s) => [s.service, s.url]));
}

/** `pulumi up` in the background, for watching the rollout while it runs. */
function upInBackground(): { child: ChildProcess; done: Promise<CommandResult> } {
    const started = Date.now();
    const child = spawn(
        "pulumi",
        ["up", "--yes", "--skip-preview", "--stack", stack, "--non-interactive", "--config-file", localConfigFile, "--policy-pack", policyPackDir, "--policy-pack-config", policyConfigFile],
        { env, cwd: path.resolve(__dirname, "../..") },
    );
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    const done = new Promise<CommandResult>((resolve) => child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr, seconds: (Date.now() - started) / 1000 })));
    return { child, done };
}

/** The image the pods of a Rollout's stable ReplicaSet run. */
function stableImage(name: string): string {
    const status = rollout(name).status;
    const replicaSets = kubeJson("get", "replicasets", "-n", namespace, "-l", `rollouts-pod-template-hash=${status.stableRS}`).items;
    return replicaSets[0].spec.template.spec.containers[0].image;
}

beforeAll(async () => {
    env = localEnvironment(process.env.SLIPWAY_E2E_TOOLS ?? toolPath({ quiet: true }));
    images = checkoutSnapshot(registry);
    for (const service of Object.keys(images)) {
        sources[service] = await startMetricSource(service, { version: images[service]!.version });
    }
    ensureStack(env);
    writeLocalConfig({ images, metricUrls: metricUrls() });
});

afterAll(async () => {
    await stopMetricSources();
    fs.writeFileSync(path.join(stateDir, "timings.json"), JSON.stringify(timings, null, 2));
    console.log(`e2e timings (s): ${JSON.stringify(timings)}`);
});

describe("the local stack on a simulated cluster", () => {
    it("previews every expected resource with the policy pack's results", () => {
        const result = preview(env, { json: true });
        timings.preview = result.seconds;
        expect(result.code, result.stderr).toBe(0);
        const plan = JSON.parse(result.stdout);
        // Creating the stack left the tracked stack file as it was (the salt lives in the state dir).
        expect(run("git", ["diff", "--exit-code", "--", "Pulumi.local.yaml"], env).code).toBe(0);
        const creates = (plan.steps as any[]).filter((s) => s.op === "create").map((s) => s.urn.split("::")[2]);
        const count = (type: string) => creates.filter((t: string) => t === type || t.endsWith(`$${type}`)).length;
        expect(count("kubernetes:argoproj.io/v1alpha1:Rollout")).toBe(2);
        expect(count("kubernetes:argoproj.io/v1alpha1:AnalysisTemplate")).toBe(2);
        expect(count("kubernetes:core/v1:Service")).toBe(4);
        expect(count("kubernetes:core/v1:ServiceAccount")).toBe(2);
        expect(count("kubernetes:policy/v1:PodDisruptionBudget")).toBe(2);
        expect(count("kubernetes:networking.k8s.io/v1:NetworkPolicy")).toBe(3);
        expect(count("kubernetes:autoscaling/v2:HorizontalPodAutoscaler")).toBe(2);
        expect(count("kubernetes:core/v1:Namespace")).toBe(1);
        expect(count("slipway:workload:ServiceWorkload")).toBe(2);
        // The pack ran and reported: the text preview ends with the pack's results.
        const text = preview(env);
        expect(text.code, text.stderr).toBe(0);
        expect(`${text.stdout}\n${text.stderr}`, `${text.stdout.slice(-1500)}\n${text.stderr}`).toMatch(/Policies:\s*\n\s*\S+ slipway-gates@v\d+\.\d+\.\d+/);
    });

    it("creates everything and the controller brings each Rollout to Healthy", () => {
        const result = up(env);
        timings.upCreate = result.seconds;
        expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
        for (const name of Object.keys(images)) {
            expect(rollout(name).status.phase).toBe("Healthy");
            expect(stableImage(name)).toBe(images[name]!.ref);
        }
        const pods = kubeJson("get", "pods", "-n", namespace).items as any[];
        expect(pods.length).toBeGreaterThanOrEqual(4);
        expect(pods.every((p) => p.status.conditions?.some((c: any) => c.type === "Ready" && c.status === "True"))).toBe(true);
        const inventory = outputs(env).inventory;
        expect(inventory.services["catalog-api"].image).toBe(images["catalog-api"]!.ref);
    });

    it("steps a new digest through the canary's weights and analysis to Healthy, and the inventory follows", async () => {
        const commit = "c0ffee0000000000000000000000000000000001";
        images = { ...images, "catalog-api": newImage("catalog-api", "good", commit) };
        writeLocalConfig({ images, metricUrls: metricUrls() });
        await sendTraffic(sources["catalog-api"]!, 20, "/items");
        const { done } = upInBackground();
        const steps = new Set<number>();
        let finished: CommandResult | undefined;
        done.then((r) => (finished = r));
        while (!finished) {
            const status = kubectl("get", "rollout", "catalog-api", "-n", namespace, "-o", "jsonpath={.status.currentStepIndex}");
            if (status.code === 0 && status.stdout !== "") {
                steps.add(Number(status.stdout));
            }
            await new Promise((r) => setTimeout(r, 300));
        }
        timings.upCanary = finished.seconds;
        expect(finished.code, `${finished.stdout}\n${finished.stderr}`).toBe(0);
        const status = rollout("catalog-api").status;
        expect(status.phase).toBe("Healthy");
        // The canary went step by step: 25%, analysis, 50%, analysis (4 steps) and finished.
        expect(Math.max(...steps)).toBe(4);
        expect(steps.size).toBeGreaterThanOrEqual(3);
        const runs = kubeJson("get", "analysisruns", "-n", namespace, "-l", `rollouts-pod-template-hash=${status.currentPodHash}`).items as any[];
        expect(runs.map((r) => r.status.phase)).toEqual(["Successful", "Successful"]);
        expect(stableImage("catalog-api")).toBe(images["catalog-api"]!.ref);
        const inventory = outputs(env).inventory;
        expect(inventory.services["catalog-api"]).toMatchObject({ image: images["catalog-api"]!.ref, commit });
    });

    it("aborts a bad release when its analysis fails, keeps the old digest stable, and pulumi up fails naming the Rollout", async () => {
        const good = images["catalog-api"]!;
        await stopMetricSources("catalog-api");
        sources["catalog-api"] = await startMetricSource("catalog-api", { faultRate: 1 });
        const traffic = await sendTraffic(sources["catalog-api"], 20, "/items");
        expect(traffic.failed).toBe(20);
        const bad = newImage("catalog-api", "bad", "badbad0000000000000000000000000000000002");
        writeLocalConfig({ images: { ...images, "catalog-api": bad }, metricUrls: metricUrls(), extra: { "slipway:rolloutTimeoutSeconds": 60 } });
        const result = up(env);
        const upEnded = Date.now();
        timings.upBadRelease = result.seconds;
        console.log(`bad release, pulumi up said:\n${`${result.stdout}\n${result.stderr}`.split("\n").filter((l) => /error|Rollout/.test(l)).join("\n")}`);
        expect(result.code).not.toBe(0);
        expect(`${result.stdout}\n${result.stderr}`).toMatch(/Rollout slipway-local\/catalog-api did not become Healthy: the release was aborted/);
        const status = rollout("catalog-api").status;
        expect(status.abort).toBe(true);
        expect(status.phase).toBe("Degraded");
        expect(stableImage("catalog-api")).toBe(good.ref);
        const runs = kubeJson("get", "analysisruns", "-n", namespace, "-l", `rollouts-pod-template-hash=${status.currentPodHash}`).items as any[];
        const failed = runs.find((r) => r.status.phase === "Failed");
        expect(failed).toBeDefined();
        const failedAt = Math.min(
            ...failed.status.metricResults.flatMap((m: any) => (m.measurements ?? []).filter((x: any) => x.phase === "Failed").map((x: any) => Date.parse(x.finishedAt))),
        );
        const aborted = status.conditions.find((c: any) => c.reason === "RolloutAborted");
        expect(aborted).toBeDefined();
        timings.failedMeasurementToAbort = (Date.parse(aborted.lastUpdateTime) - failedAt) / 1000;
        timings.analysisStartToAbort = (Date.parse(aborted.lastUpdateTime) - Date.parse(failed.metadata.creationTimestamp)) / 1000;
        timings.abortToUpExit = (upEnded - Date.parse(aborted.lastUpdateTime)) / 1000;
        expect(timings.failedMeasurementToAbort).toBeLessThan(30);
        // The stack's state tells the truth: the inventory records the failed release.
        expect(outputs(env).inventory.services["catalog-api"].health).toMatch(/^failed: Rollout slipway-local\/catalog-api did not become Healthy: the release was aborted/);
    });

    it("recovers with the last known-good digest", async () => {
        await stopMetricSources("catalog-api");
        sources["catalog-api"] = await startMetricSource("catalog-api", { faultRate: 0 });
        writeLocalConfig({ images, metricUrls: metricUrls() });
        const result = up(env);
        timings.upRecover = result.seconds;
        expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
        expect(rollout("catalog-api").status.phase).toBe("Healthy");
        expect(outputs(env).inventory.services["catalog-api"].image).toBe(images["catalog-api"]!.ref);
    });

    it("refuses a second pulumi up on the same stack while one runs, and the state stays intact", async () => {
        images = { ...images, "orders-api": newImage("orders-api", "lock", "10c0000000000000000000000000000000000003") };
        writeLocalConfig({ images, metricUrls: metricUrls() });
        const first = upInBackground();
        const lockDir = path.join(backendDir, ".pulumi/locks");
        await waitUntil("the first update to take the stack's lock", () => fs.existsSync(lockDir) && fs.readdirSync(lockDir, { recursive: true }).some((f) => String(f).endsWith(".json")), 60_000);
        const second = up(env);
        expect(second.code).not.toBe(0);
        expect(`${second.stdout}\n${second.stderr}`).toMatch(/locked/i);
        const firstResult = await first.done;
        expect(firstResult.code, `${firstResult.stdout}\n${firstResult.stderr}`).toBe(0);
        const again = run("pulumi", ["preview", "--stack", stack, "--non-interactive", "--config-file", localConfigFile, "--expect-no-changes"], env);
        expect(again.code, `${again.stdout}\n${again.stderr}`).toBe(0);
        expect(rollout("orders-api").status.phase).toBe("Healthy");
        expect(outputs(env).inventory.services["orders-api"].image).toBe(images["orders-api"]!.ref);
    });

    it("destroys everything and leaves the namespace empty", async () => {
        let result = destroy(env);
        // The pinned provider (the only one the module proxy serves) sometimes panics in its
        // delete-await of a custom resource (nil object in condition.Deleted.Satisfied); the deletes
        // were already sent, and a second destroy completes them. Any other failure still fails here.
        if (result.code !== 0 && /pulumi-resource-kubernetes exited prematurely/.test(result.stdout + result.stderr)) {
            console.log("destroy: the Kubernetes provider crashed in its delete-await; running destroy again");
            result = destroy(env);
        }
        timings.destroy = result.seconds;
        expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
        const left = kubectl("get", "rollouts,analysistemplates,services,serviceaccounts,pdb,networkpolicies,hpa,replicasets,pods", "-n", namespace, "-o", "name");
        expect(left.stdout.split("\n").filter((l) => l && !l.endsWith("serviceaccount/default"))).toEqual([]);
    });
});
