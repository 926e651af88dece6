/**
 * Tools and a fresh simulated cluster for the end-to-end tests; everything is stopped afterwards
 * (SLIPWAY_E2E_KEEP=1 keeps the cluster for a look around).
 */
import * as fs from "fs";
import { clusterScripts, localEnvironment, run, stateDir, toolPath } from "../../scripts/local/environment";
import { stopMetricSources } from "../../scripts/local/metricSources";

export async function setup(): Promise<void> {
    const tools = toolPath();
    const env = localEnvironment(tools);
    // A previous run's leftovers would make the cases depend on each other across runs.
    run("bash", [clusterScripts.down], env);
    fs.rmSync(stateDir, { recursive: true, force: true });
    const up = run("bash", [clusterScripts.up], env, { echo: true });
    if (up.code !== 0) {
        throw new Error(`the simulated cluster did not start (exit ${up.code})`);
    }
    process.env.SLIPWAY_E2E_TOOLS = tools;
}

export async function teardown(): Promise<void> {
    await stopMetricSources();
    if (process.env.SLIPWAY_E2E_KEEP !== "1") {
        run("bash", [clusterScripts.down], localEnvironment(process.env.SLIPWAY_E2E_TOOLS ?? ""), { echo: true });
    }
}
