/**
 * Container image references, parsed like the distribution reference grammar:
 * `[registry[:port]/]path[:tag][@algorithm:digest]`.
 */

export interface ImageRef {
    /** The reference as written. */
    raw: string;
    /** Registry host (with port) when the first path component names one, e.g. `registry.prod.slipway.internal`. */
    registry?: string;
    /** Repository path without the registry, e.g. `team/orders-api`. */
    path: string;
    /** Registry plus path, i.e. the reference without tag and digest. */
    repository: string;
    tag?: string;
    /** `sha256:<hex>` when present. */
    digest?: string;
    /** False when the string is not a well-formed image reference. */
    wellFormed: boolean;
}

import { StringCache } from "./cache";

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const REGISTRY = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::\d+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const SHA256 = /^sha256:[a-f0-9]{64}$/;

const parsed = new StringCache<ImageRef>();

/** Parses an image reference (results are shared: do not modify them). */
export function parseImage(raw: string): ImageRef {
    return parsed.get(raw) ?? parsed.set(raw, parse(raw));
}

function parse(raw: string): ImageRef {
    let rest = raw.trim();
    let digest: string | undefined;
    const at = rest.indexOf("@");
    if (at >= 0) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
    }
    let tag: string | undefined;
    const colon = rest.lastIndexOf(":");
    if (colon > rest.lastIndexOf("/")) {
        tag = rest.slice(colon + 1);
        rest = rest.slice(0, colon);
    }
    const components = rest.split("/");
    let registry: string | undefined;
    const first = components[0] ?? "";
    if (components.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost")) {
        registry = first;
        components.shift();
    }
    const path = components.join("/");
    const wellFormed =
        rest.length > 0 &&
        (registry === undefined || REGISTRY.test(registry)) &&
        components.length > 0 &&
        components.every((component) => PATH_COMPONENT.test(component)) &&
        (tag === undefined || TAG.test(tag)) &&
        (digest === undefined || DIGEST.test(digest));
    return { raw, registry, path, repository: rest, tag, digest, wellFormed };
}

/** True for a `sha256:<64 lowercase hex>` digest. */
export function isSha256Digest(value: string | undefined): value is string {
    return value !== undefined && SHA256.test(value);
}

/**
 * The fully qualified repository, resolving Docker Hub's implicit names:
 * `nginx` → `docker.io/library/nginx`, `team/app` → `docker.io/team/app`.
 */
export function canonicalRepository(image: ImageRef): string {
    if (image.registry) return image.repository;
    return image.path.includes("/") ? `docker.io/${image.path}` : `docker.io/library/${image.path}`;
}

/** True when the image starts with one of the registry prefixes (`host/` or `host/path/`). */
export function fromAllowedRegistry(image: ImageRef, prefixes: readonly string[]): boolean {
    const candidates = [image.raw.trim(), `${canonicalRepository(image)}${image.tag ? `:${image.tag}` : ""}`];
    return prefixes.some((prefix) => {
        const normalized = prefix.endsWith("/") ? prefix : `${prefix}/`;
        return candidates.some((candidate) => candidate.startsWith(normalized));
    });
}
