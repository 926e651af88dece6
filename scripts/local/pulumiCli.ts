/**
 * The Pulumi CLI as the main job and the end-to-end tests drive it for the local stack: the local
 * file backend in the state directory, the passphrase secrets provider, the policy pack with the
 * local config, and the working config file.
 */
import * as fs from "fs";
import * as path from "path";
import { backendDir, CommandResult, repoRoot, run } from "./environment";
import { localConfigFile, saltFile } from "./localConfig";

export const stack = "local";
export const policyPackDir = path.join(repoRoot, "policy");
export const policyConfigFile = path.join(repoRoot, "policy/config/local.json");

/**
 * The stack selected (created on first use) in the local backend. `pulumi stack init` writes the
 * passphrase provider's salt into the tracked Pulumi.local.yaml; the salt is moved to the state
 * directory (the working config file carries it) and the tracked file is restored byte for byte.
 */
export function ensureStack(env: NodeJS.ProcessEnv): void {
    fs.mkdirSync(backendDir, { recursive: true });
    const select = run("pulumi", ["stack", "select", stack, "--non-interactive"], env);
    if (select.code === 0) {
        return;
    }
    const tracked = path.join(repoRoot, `Pulumi.${stack}.yaml`);
    const original = fs.readFileSync(tracked, "utf8");
    try {
        const init = run("pulumi", ["stack", "init", stack, "--secrets-provider", "passphrase", "--non-interactive"], env);
        if (init.code !== 0) {
            throw new Error(`pulumi stack init ${stack} failed:\n${init.stderr || init.stdout}`);
        }
        const salt = /^encryptionsalt:\s*(\S+)\s*$/m.exec(fs.readFileSync(tracked, "utf8"))?.[1];
        if (salt) {
            fs.writeFileSync(saltFile, salt);
        }
    } finally {
        fs.writeFileSync(tracked, original);
    }
}

/** Flags every local preview/up/destroy shares. */
function commonFlags(options: { policy?: boolean }): string[] {
    const flags = ["--stack", stack, "--non-interactive", "--config-file", localConfigFile];
    if (options.policy !== false) {
        flags.push("--policy-pack", policyPackDir, "--policy-pack-config", policyConfigFile);
    }
    return flags;
}

/** `pulumi preview` of the local stack. */
export function preview(env: NodeJS.ProcessEnv, options: { echo?: boolean; json?: boolean } = {}): CommandResult {
    return run("pulumi", ["preview", ...commonFlags({}), ...(options.json ? ["--json"] : [])], env, { echo: options.echo });
}

/** `pulumi up --yes` of the local stack. */
export function up(env: NodeJS.ProcessEnv, options: { echo?: boolean; policy?: boolean } = {}): CommandResult {
    return run("pulumi", ["up", "--yes", "--skip-preview", ...commonFlags(options)], env, { echo: options.echo });
}

/** `pulumi destroy --yes` of the local stack. */
export function destroy(env: NodeJS.ProcessEnv, options: { echo?: boolean } = {}): CommandResult {
    return run("pulumi", ["destroy", "--yes", "--skip-preview", "--stack", stack, "--non-interactive", "--config-file", localConfigFile], env, { echo: options.echo });
}

/** The stack's outputs as JSON. */
export function outputs(env: NodeJS.ProcessEnv): Record<string, any> {
    const result = run("pulumi", ["stack", "output", "--json", "--show-secrets=false", "--stack", stack], env);
    if (result.code !== 0) {
        throw new Error(`pulumi stack output failed:\n${result.stderr}`);
    }
    return JSON.parse(result.stdout);
}
