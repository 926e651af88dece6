/**
 * One measured evaluation of the real program under mocks with N generated services (run in a fresh
 * process by bench/program.ts, so memory and module caches don't carry over). Prints one JSON line.
 */
import * as crypto from "crypto";
import { performance } from "perf_hooks";
import { runProgram } from "../tests/support/program";
import { validManifest, writeServicesDir } from "../tests/support/manifests";

async function main(): Promise<void> {
    if (process.env.SLIPWAY_BENCH_SOURCE_MAPS !== "1") {
        // tsx turns on source-mapped stack traces; the Pulumi SDK takes a stack trace per promise and per
        // resource, and mapping them dominates the run. Plain compiled JavaScript has none of this cost.
        process.setSourceMapsEnabled(false);
    }
    const count = Number(process.argv[2]);
    if (!Number.isInteger(count) || count < 1) {
        throw new Error(`usage: programOnce.ts <service count>, got ${process.argv[2]}`);
    }
    const services: Record<string, Record<string, any>> = {};
    const images: Record<string, { ref: string; version: string; commit: string }> = {};
    for (let i = 0; i < count; i++) {
        const name = `svc-${String(i).padStart(4, "0")}`;
        services[name] = validManifest(name, i % 3 === 2 ? "blueGreen" : "canary");
        const digest = crypto.createHash("sha256").update(name).digest("hex");
        images[name] = { ref: `registry.local.slipway.internal/${name}@sha256:${digest}`, version: "1.0.0", commit: digest.slice(0, 40) };
    }
    const dir = writeServicesDir(services);
    const started = performance.now();
    const run = await runProgram({
        stack: "local",
        env: { SLIPWAY_SERVICES_DIR: dir },
        config: { "slipway:images": JSON.stringify(images) },
    });
    const seconds = (performance.now() - started) / 1000;
    const rollouts = run.resources.filter((r) => r.type === "kubernetes:argoproj.io/v1alpha1:Rollout").length;
    if (rollouts !== count) {
        throw new Error(`expected ${count} Rollouts, the program registered ${rollouts}`);
    }
    console.log(JSON.stringify({ services: count, resources: run.resources.length, seconds, peakRssMiB: process.resourceUsage().maxRSS / 1024 }));
}

main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
});
