/**
 * Turns plain Kubernetes YAML or JSON (files, directories, stdin) into the resources the engine
 * checks, with the Pulumi type token each object would have under the Kubernetes provider:
 * `v1` → `kubernetes:core/v1:<Kind>`, `<group>/<version>` → `kubernetes:<group>/<version>:<Kind>`.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import * as jsyaml from "js-yaml";
import YAML, { LineCounter } from "yaml";
import type { ResourceInput } from "../engine";

/** Unreadable or malformed input; the message names the file and document. */
export class InputError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "InputError";
    }
}

const MANIFEST_EXTENSIONS = new Set([".yaml", ".yml", ".json"]);

/**
 * Booleans as kubectl reads them. Kubernetes YAML goes through sigs.k8s.io/yaml (go-yaml v2), which
 * resolves the YAML 1.1 words y/yes/on and n/no/off as booleans: `privileged: yes` is a privileged
 * container. Both parsers below use the YAML 1.2 core schema plus these words, so the gate sees the
 * object the cluster would get. Quoted values stay strings.
 */
const BOOLEAN_WORDS = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const TRUE_WORDS = /^(?:y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON)$/;

const JS_YAML_SCHEMA = jsyaml.CORE_SCHEMA.extend({
    implicit: [
        new jsyaml.Type("tag:yaml.org,2002:bool", {
            kind: "scalar",
            resolve: (data: unknown) => typeof data === "string" && BOOLEAN_WORDS.test(data),
            construct: (data: string) => TRUE_WORDS.test(data),
        }),
    ],
});

const YAML_BOOLEAN_TAG = {
    tag: "tag:yaml.org,2002:bool",
    default: true,
    test: BOOLEAN_WORDS,
    identify: (value: unknown) => typeof value === "boolean",
    resolve: (value: string) => TRUE_WORDS.test(value),
};

/** The Pulumi type token for an apiVersion and kind. */
export function typeTokenOf(apiVersion: string, kind: string): string {
    const parts = apiVersion.split("/");
    if (parts.length === 1) return `kubernetes:core/${apiVersion}:${kind}`;
    return `kubernetes:${apiVersion}:${kind}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

const API_VERSION = /^(?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?v[0-9]+(?:(?:alpha|beta)[0-9]+)?$/;
const KIND = /^[A-Za-z][A-Za-z0-9]*$/;

function toResource(value: unknown, where: string, counter: { n: number }): ResourceInput {
    if (!isObject(value)) throw new InputError(`${where}: expected a Kubernetes object (a mapping with apiVersion and kind)`);
    const { apiVersion, kind } = value;
    if (typeof apiVersion !== "string" || !API_VERSION.test(apiVersion)) {
        throw new InputError(`${where}: apiVersion is missing or malformed (expected e.g. "v1" or "apps/v1")`);
    }
    if (typeof kind !== "string" || !KIND.test(kind)) throw new InputError(`${where}: kind is missing or malformed`);
    if (value.metadata !== undefined && value.metadata !== null && !isObject(value.metadata)) {
        throw new InputError(`${where}: metadata must be a mapping`);
    }
    const metadata = isObject(value.metadata) ? value.metadata : {};
    counter.n++;
    const name =
        typeof metadata.name === "string" && metadata.name.length > 0
            ? metadata.name
            : typeof metadata.generateName === "string" && metadata.generateName.length > 0
              ? metadata.generateName
              : `${kind.toLowerCase()}-${counter.n}`;
    return { type: typeTokenOf(apiVersion, kind), name, props: value };
}

function expand(value: unknown, where: string, out: ResourceInput[], counter: { n: number }): void {
    if (Array.isArray(value)) {
        value.forEach((item, index) => expand(item, `${where}, item ${index}`, out, counter));
        return;
    }
    if (isObject(value) && typeof value.kind === "string" && value.kind.endsWith("List") && Array.isArray(value.items)) {
        value.items.forEach((item, index) => {
            const itemWhere = `${where}, items[${index}]`;
            if (isObject(item) && typeof item.kind === "string" && item.kind.endsWith("List") && Array.isArray(item.items)) {
                expand(item, itemWhere, out, counter);
            } else {
                out.push(toResource(item, itemWhere, counter));
            }
        });
        return;
    }
    out.push(toResource(value, where, counter));
}

/**
 * Parses a multi-document YAML (or JSON) text into resources. Throws InputError naming `source`
 * and the document.
 *
 * The `yaml` package (YAML 1.2 core schema with kubectl's booleans, alias expansion capped) is the reference parser and
 * produces every error message. Because it is slow on large inputs (helm template output of a big
 * chart), alias-free text is first parsed with js-yaml and the same schema, which resolves
 * scalars the same way; any error on that fast path re-parses the text with `yaml` so the error
 * names the right document and line.
 */
export function parseManifests(text: string, source: string): ResourceInput[] {
    let documents: unknown[] | undefined = [];
    try {
        jsyaml.loadAll(text, (value) => documents?.push(value), { schema: JS_YAML_SCHEMA, filename: source });
    } catch {
        documents = undefined; // the reference parser reports the error precisely
    }
    // An alias needs an anchor (`&name`): without "&" in the text, no document can share objects.
    if (documents && !(text.includes("&") && documents.some(sharesReferences))) {
        try {
            const out: ResourceInput[] = [];
            const counter = { n: 0 };
            for (const value of documents) if (value !== null && value !== undefined) expand(value, source, out, counter);
            return out;
        } catch {
            // A structural error: re-parse with the reference parser so the message names the document.
        }
    }
    return parseWithYaml(text, source);
}

/**
 * True when a parsed document reuses an object (a YAML alias to a collection). Such documents go
 * through the reference parser, which expands aliases with a cap against alias bombs.
 */
function sharesReferences(root: unknown): boolean {
    if (typeof root !== "object" || root === null) return false;
    const seen = new Set<object>();
    const stack: object[] = [root];
    while (stack.length > 0) {
        const node = stack.pop() as object;
        if (seen.has(node)) return true;
        seen.add(node);
        for (const child of Array.isArray(node) ? node : Object.values(node)) {
            if (typeof child === "object" && child !== null) stack.push(child);
        }
    }
    return false;
}

/** Parses with the reference parser only (`yaml`); `parseManifests` gives the same result faster. */
export function parseWithYaml(text: string, source: string): ResourceInput[] {
    const out: ResourceInput[] = [];
    const counter = { n: 0 };
    // prettyErrors would build a code frame for every error, rescanning the text each time; locate only the first.
    const lineCounter = new LineCounter();
    const documents = YAML.parseAllDocuments(text, { prettyErrors: false, lineCounter, customTags: (tags) => [YAML_BOOLEAN_TAG, ...tags] });
    if (!Array.isArray(documents)) {
        // An empty stream (only comments or directives) parses to a single empty document set.
        return out;
    }
    documents.forEach((document, index) => {
        const where = `${source}: document ${index + 1}`;
        const error = document.errors[0];
        if (error) {
            const { line, col } = lineCounter.linePos(error.pos[0]);
            throw new InputError(`${where}: invalid YAML at line ${line}, column ${col}: ${error.message.split("\n")[0] ?? ""}`);
        }
        if (document.contents === null) return;
        let value: unknown;
        try {
            value = document.toJS({ maxAliasCount: 100 });
        } catch (err) {
            throw new InputError(`${where}: ${(err as Error).message.split("\n")[0]}`);
        }
        if (value === null || value === undefined) return;
        expand(value, where, out, counter);
    });
    return out;
}

async function listManifestFiles(directory: string): Promise<string[]> {
    const entries = await fs.readdir(directory, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const files: string[] = [];
    for (const entry of entries) {
        const full = path.join(directory, entry.name);
        if (entry.isDirectory()) files.push(...(await listManifestFiles(full)));
        else if (entry.isFile() && MANIFEST_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) files.push(full);
    }
    return files;
}

export interface LoadedInputs {
    resources: ResourceInput[];
    /** Files (and "-" for stdin) that were read. */
    sources: string[];
}

/** Reads files, directories (recursively: *.yaml, *.yml, *.json) and "-" (stdin). Throws InputError. */
export async function loadInputs(paths: readonly string[], readStdin: () => Promise<string>): Promise<LoadedInputs> {
    const resources: ResourceInput[] = [];
    const sources: string[] = [];
    for (const input of paths) {
        if (input === "-") {
            let text: string;
            try {
                text = await readStdin();
            } catch (error) {
                throw new InputError(`-: cannot read standard input: ${(error as Error).message}`);
            }
            resources.push(...parseManifests(text, "<stdin>"));
            sources.push("-");
            continue;
        }
        let stat;
        try {
            stat = await fs.stat(input);
        } catch (error) {
            throw new InputError(`${input}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
        }
        const files = stat.isDirectory() ? await listManifestFiles(input) : [input];
        for (const file of files) {
            let text: string;
            try {
                text = await fs.readFile(file, "utf8");
            } catch (error) {
                throw new InputError(`${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
            }
            resources.push(...parseManifests(text, file));
            sources.push(file);
        }
    }
    return { resources, sources };
}
