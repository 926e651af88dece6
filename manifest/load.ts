/**
 * Loading and validating every service manifest before any resource is registered: all errors of
 * all files are collected and reported at once, each naming the file, the field path and what was
 * expected.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import type { z } from "zod";
import { Environment, ResolvedService, serviceManifestSchema, ServiceManifest } from "./schema";

/** One problem found in one manifest. */
export interface ManifestIssue {
    /** The manifest file, relative to the working directory when possible. */
    file: string;
    /** Dotted field path (`ports[0].containerPort`), or empty for the whole document. */
    path: string;
    /** What was expected. */
    message: string;
}

/** Thrown when any manifest is invalid; its message lists every issue, one a line. */
export class ManifestError extends Error {
    constructor(public readonly issues: ManifestIssue[]) {
        super(`${issues.length} problem(s) in service manifests:\n${issues.map(formatIssue).join("\n")}`);
        this.name = "ManifestError";
    }
}

export function formatIssue(issue: ManifestIssue): string {
    return `  ${issue.file}${issue.path ? `: ${issue.path}` : ""}: ${issue.message}`;
}

/** Formats a zod path as `a.b[0].c`. */
export function formatPath(segments: ReadonlyArray<PropertyKey>): string {
    return segments
        .map((segment, index) => (typeof segment === "number" ? `[${segment}]` : `${index === 0 ? "" : "."}${String(segment)}`))
        .join("");
}

function issuesFrom(file: string, error: z.ZodError, prefix: PropertyKey[] = []): ManifestIssue[] {
    return error.issues.flatMap((issue) => {
        const at = [...prefix, ...issue.path];
        if (issue.code === "unrecognized_keys") {
            return issue.keys.map((key) => ({ file, path: formatPath([...at, key]), message: "unknown field (check its spelling against the manifest schema)" }));
        }
        return [{ file, path: formatPath(at), message: issue.message.replace(/^Invalid input: /, "") }];
    });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Deep-merges an override into a base: objects merge key by key, lists and scalars replace. */
export function mergeOverride(base: unknown, override: unknown): unknown {
    if (!isPlainObject(base) || !isPlainObject(override)) {
        return override === undefined ? base : override;
    }
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override)) {
        merged[key] = mergeOverride(base[key], value);
    }
    return merged;
}

/** The result of validating one manifest's text. */
export interface ParsedManifest {
    /** The manifest as written, when it is valid. */
    manifest?: ServiceManifest;
    /** The manifest per environment, with overrides applied, when valid. */
    resolved: Partial<Record<Environment, ResolvedService>>;
    /** Everything wrong with it. */
    issues: ManifestIssue[];
}

const environments: Environment[] = ["dev", "prod", "local"];

/** Validates one manifest's text, and the manifest as each environment's overrides shape it. */
export function parseManifest(file: string, text: string): ParsedManifest {
    const documents = YAML.parseAllDocuments(text, { prettyErrors: true });
    const docs = Array.isArray(documents) ? documents : [documents];
    if (docs.length !== 1) {
        return { resolved: {}, issues: [{ file, path: "", message: `expected exactly one YAML document, found ${docs.length}` }] };
    }
    const doc = docs[0]!;
    if (doc.errors.length > 0) {
        return {
            resolved: {},
            issues: doc.errors.map((e) => ({ file, path: "", message: `invalid YAML at line ${e.linePos?.[0]?.line ?? "?"}: ${e.code}` })),
        };
    }
    const raw: unknown = doc.toJS();
    const parsed = serviceManifestSchema.safeParse(raw);
    if (!parsed.success) {
        return { resolved: {}, issues: issuesFrom(file, parsed.error) };
    }
    const issues: ManifestIssue[] = [];
    const resolved: ParsedManifest["resolved"] = {};
    const rawOverrides = isPlainObject(raw) && isPlainObject(raw.overrides) ? raw.overrides : {};
    for (const env of environments) {
        const override = rawOverrides[env];
        if (override === undefined) {
            const { overrides: _unused, ...rest } = parsed.data;
            resolved[env] = rest;
            continue;
        }
        // The merged manifest must stand on its own: overrides can't produce, say, limits below requests.
        const { overrides: _base, ...baseRaw } = raw as Record<string, unknown>;
        const merged = serviceManifestSchema.safeParse(mergeOverride(baseRaw, override));
        if (merged.success) {
            const { overrides: _none, ...rest } = merged.data;
            resolved[env] = rest;
        } else {
            issues.push(...issuesFrom(file, merged.error, ["overrides", env]));
        }
    }
    return { manifest: issues.length === 0 ? parsed.data : undefined, resolved, issues };
}

/** Options for loading the manifests of a services directory. */
export interface LoadServicesOptions {
    /** Directory holding one folder per service, each with a `service.yaml`. */
    servicesDir: string;
    /** The environment whose overrides apply. */
    environment: Environment;
    /** Base for the file names in messages; defaults to the working directory. */
    relativeTo?: string;
}

/** Finds `<servicesDir>/<name>/service.yaml` files, sorted by folder name for a stable order. */
export function findManifests(servicesDir: string): string[] {
    if (!fs.existsSync(servicesDir)) {
        throw new ManifestError([{ file: servicesDir, path: "", message: "services directory not found" }]);
    }
    return fs
        .readdirSync(servicesDir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => path.join(servicesDir, entry.name, "service.yaml"))
        .filter((file) => fs.existsSync(file))
        .sort();
}

/**
 * Loads, validates and resolves every manifest for one environment. Throws a ManifestError with
 * every issue of every file when anything is wrong, so nothing is half-registered.
 */
export function loadServices(options: LoadServicesOptions): ResolvedService[] {
    const base = options.relativeTo ?? process.cwd();
    const files = findManifests(options.servicesDir);
    const issues: ManifestIssue[] = [];
    const services: ResolvedService[] = [];
    const seen = new Map<string, string>();
    if (files.length === 0) {
        issues.push({ file: path.relative(base, options.servicesDir) || ".", path: "", message: "no services/<name>/service.yaml found" });
    }
    for (const file of files) {
        const shown = path.relative(base, file);
        const folder = path.basename(path.dirname(file));
        const parsed = parseManifest(shown, fs.readFileSync(file, "utf8"));
        issues.push(...parsed.issues);
        const service = parsed.resolved[options.environment];
        if (!parsed.manifest || !service) {
            continue;
        }
        if (service.name !== folder) {
            issues.push({ file: shown, path: "name", message: `expected the folder name ${folder}, got ${service.name}` });
        }
        const first = seen.get(service.name);
        if (first) {
            issues.push({ file: shown, path: "name", message: `duplicate service name ${service.name} (also in ${first})` });
        }
        seen.set(service.name, shown);
        services.push(service);
    }
    if (issues.length > 0) {
        throw new ManifestError(issues);
    }
    return services;
}
