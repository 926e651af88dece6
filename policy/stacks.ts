/**
 * The per-stack pack configs in policy/config/<stack>.json (the files passed to
 * `pulumi preview --policy-pack policy --policy-pack-config policy/config/<stack>.json`).
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { PackConfig, PackConfigError, resolvePackConfig } from "./engine";

export const STACKS = ["dev", "local", "prod"] as const;
export type StackName = (typeof STACKS)[number];

export const CONFIG_DIR = path.join(__dirname, "config");

export function isStackName(value: string): value is StackName {
    return (STACKS as readonly string[]).includes(value);
}

/** Path of a stack's pack config file. */
export function stackConfigPath(stack: StackName): string {
    return path.join(CONFIG_DIR, `${stack}.json`);
}

/** Reads and validates a stack's pack config. Throws PackConfigError with the file name on a bad file. */
export function loadStackConfig(stack: StackName): PackConfig {
    return loadPackConfigFile(stackConfigPath(stack));
}

/** Reads and validates any pack config file. */
export function loadPackConfigFile(file: string): PackConfig {
    let parsed: unknown;
    try {
        parsed = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
        throw new PackConfigError(`${file}: ${(error as Error).message}`);
    }
    try {
        resolvePackConfig(parsed);
    } catch (error) {
        throw new PackConfigError(`${file}: ${(error as Error).message}`);
    }
    return parsed as PackConfig;
}

/** The promotion policy's name, whose `verifiedDigests` the helpers below extend. */
export const PROMOTION_POLICY = "promotion-verified-digests";

/**
 * Reads a list of verified digests: a JSON array of strings, a JSON object with a
 * `verifiedDigests` array, or plain text with one entry per line (`#` starts a comment).
 */
export function readDigestList(file: string): string[] {
    let text: string;
    try {
        text = readFileSync(file, "utf8");
    } catch (error) {
        throw new PackConfigError(`${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const trimmed = text.trim();
    if (trimmed.startsWith("[") || trimmed.startsWith("{")) {
        let parsed: unknown;
        try {
            parsed = JSON.parse(trimmed);
        } catch (error) {
            throw new PackConfigError(`${file}: ${(error as Error).message}`);
        }
        const list = Array.isArray(parsed) ? parsed : (parsed as { verifiedDigests?: unknown }).verifiedDigests;
        if (!Array.isArray(list) || !list.every((entry) => typeof entry === "string")) {
            throw new PackConfigError(`${file}: expected an array of digest strings or {"verifiedDigests": [...]}`);
        }
        return list as string[];
    }
    return text
        .split(/\r?\n/)
        .map((line) => line.replace(/#.*$/, "").trim())
        .filter((line) => line.length > 0);
}

/** A copy of `config` whose promotion policy also accepts `digests`. */
export function withVerifiedDigests(config: PackConfig, digests: readonly string[]): PackConfig {
    const current = config[PROMOTION_POLICY];
    const settings: Record<string, unknown> =
        typeof current === "object" && current !== null && !Array.isArray(current)
            ? { ...(current as Record<string, unknown>) }
            : typeof current === "string"
              ? { enforcementLevel: current }
              : {};
    const existing = Array.isArray(settings.verifiedDigests) ? (settings.verifiedDigests as string[]) : [];
    settings.verifiedDigests = [...existing, ...digests];
    return { ...config, [PROMOTION_POLICY]: settings };
}
