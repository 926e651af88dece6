/**
 * Where the local stack's tools and state live, and the environment every `pulumi` and `kubectl`
 * call of the main job and the end-to-end tests runs with. Nothing here is machine-specific: the
 * tool cache and state directory come from the environment, with project-relative defaults.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export const repoRoot = path.resolve(__dirname, "../..");
export const stateDir = path.resolve(process.env.SLIPWAY_STATE_DIR ?? path.join(repoRoot, ".slipway"));
export const kubeconfigFile = path.join(stateDir, "kubeconfig");
export const backendDir = path.join(stateDir, "pulumi");
export const toolchainScript = path.join(repoRoot, "scripts/toolchain/build.sh");
export const clusterScripts = { up: path.join(repoRoot, "scripts/cluster/up.sh"), down: path.join(repoRoot, "scripts/cluster/down.sh") };
/** Node 22 from the `node` npm package; the language host and policy packs run with it. */
export const nodeBinDir = path.join(repoRoot, "node_modules/.bin");

/** True when a command is on the PATH given. */
export function onPath(command: string, pathValue = process.env.PATH ?? ""): boolean {
    return pathValue.split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, command)));
}

/**
 * The PATH fragment holding the tools, built from pinned Go modules when missing. A `pulumi` the user
 * already has on PATH is used instead of building one (SLIPWAY_BUILD_PULUMI=1 forces the build).
 */
export function toolPath(options: { quiet?: boolean } = {}): string {
    const usePulumiOnPath = onPath("pulumi") && process.env.SLIPWAY_BUILD_PULUMI !== "1";
    // The provider is still ours: its version must match the @pulumi/kubernetes pin.
    const tools = usePulumiOnPath ? ["kubernetes-provider", "etcd", "kubernetes", "kwok", "argo-rollouts"] : [];
    return execFileSync("bash", [toolchainScript, "--print-path", ...tools], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", options.quiet ? "pipe" : "inherit"],
    }).trim();
}

/** The passphrase of the local stack's secrets provider; local only, so a fixed default is fine. */
export function passphrase(): string {
    return process.env.PULUMI_CONFIG_PASSPHRASE ?? "slipway-local";
}

/** Environment for pulumi/kubectl: tools and Node 22 first, local file backend, no downloads. */
export function localEnvironment(tools: string): NodeJS.ProcessEnv {
    return {
        ...process.env,
        PATH: [nodeBinDir, tools, process.env.PATH ?? ""].filter(Boolean).join(path.delimiter),
        KUBECONFIG: process.env.SLIPWAY_KUBECONFIG ?? kubeconfigFile,
        PULUMI_BACKEND_URL: `file://${backendDir}`,
        PULUMI_CONFIG_PASSPHRASE: passphrase(),
        PULUMI_HOME: process.env.PULUMI_HOME ?? path.join(stateDir, "pulumi-home"),
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
        PULUMI_SKIP_CONFIRMATIONS: "true",
        NO_COLOR: "1",
    };
}

/** Result of one command. */
export interface CommandResult {
    code: number;
    stdout: string;
    stderr: string;
    seconds: number;
}

/** Runs a command to completion, capturing output (and echoing it when `echo` is set). */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv, options: { echo?: boolean; cwd?: string; input?: string; timeoutMs?: number } = {}): CommandResult {
    const started = Date.now();
    const result = spawnSync(command, args, {
        cwd: options.cwd ?? repoRoot,
        env,
        encoding: "utf8",
        input: options.input,
        timeout: options.timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
        stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    if (options.echo) {
        process.stdout.write(result.stdout ?? "");
        process.stderr.write(result.stderr ?? "");
    }
    if (result.error) {
        throw new Error(`${command} ${args.join(" ")}: ${result.error.message}`);
    }
    return { code: result.status ?? 1, stdout: result.stdout ?? "", stderr: result.stderr ?? "", seconds: (Date.now() - started) / 1000 };
}

/** `git rev-parse <rev>` in the repository, or undefined outside a checkout. */
export function gitRevParse(rev: string): string | undefined {
    try {
        return execFileSync("git", ["rev-parse", rev], { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
        return undefined;
    }
}
