/**
 * The main job (`npm run local`): tools, a simulated cluster, the local stack up with the policy
 * pack, and the inventory. Re-running it is safe and fast once the tools are cached.
 */
import { performance } from "perf_hooks";
import { clusterScripts, localEnvironment, repoRoot, run, stateDir, toolPath } from "./local/environment";
import { inventoryTable } from "./local/inventoryTable";
import { writeLocalConfig } from "./local/localConfig";
import { startMetricSource, stopMetricSources } from "./local/metricSources";
import { ensureStack, outputs, up } from "./local/pulumiCli";
import { loadServices } from "../manifest/load";
import * as path from "path";

function step(message: string): void {
    console.log(`\n==> ${message}`);
}

async function main(): Promise<number> {
    const started = performance.now();
    step("tools (built from pinned Go modules on first use)");
    const tools = toolPath();
    const env = localEnvironment(tools);

    if (process.env.SLIPWAY_KUBECONFIG) {
        step(`using the existing cluster of ${process.env.SLIPWAY_KUBECONFIG}`);
    } else {
        step("simulated cluster on 127.0.0.1");
        const cluster = run("bash", [clusterScripts.up], env, { echo: true });
        if (cluster.code !== 0) {
            console.error("the local cluster did not start; see the messages above");
            return cluster.code;
        }
    }

    step("quality evidence of each service (its own tests, with coverage)");
    const evidence = run(path.join(repoRoot, "node_modules/.bin/tsx"), ["scripts/evidence.ts", "--all"], env, { echo: true });
    if (evidence.code !== 0) {
        console.error("a service's tests failed: the evidence records it and the gates will report it");
    }

    step("metric sources for the analysis (each sample service on loopback)");
    await stopMetricSources();
    const services = loadServices({ servicesDir: path.join(repoRoot, "services"), environment: "local", relativeTo: repoRoot });
    const metricUrls: Record<string, string> = {};
    for (const service of services) {
        const source = await startMetricSource(service.name, { version: service.version });
        metricUrls[service.name] = source.url;
        console.log(`${service.name}: ${source.url} (pid ${source.pid})`);
    }
    step(`pulumi up --stack local (state in ${path.relative(repoRoot, stateDir)}/pulumi)`);
    ensureStack(env);
    writeLocalConfig({ metricUrls });
    const result = up(env, { echo: true });
    if (result.code !== 0) {
        console.error(`pulumi up failed (exit ${result.code}); the stack's state is kept, fix and re-run npm run local`);
        return result.code;
    }
    const stack = outputs(env);
    console.log(`\n${inventoryTable(stack.inventory)}`);
    console.log(`\ndone in ${((performance.now() - started) / 1000).toFixed(0)} s; npm run down stops the cluster`);
    return 0;
}

main().then(
    (code) => process.exit(code),
    (error) => {
        console.error(error instanceof Error ? error.message : error);
        process.exit(1);
    },
);
