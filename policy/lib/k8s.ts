/**
 * Plain helpers for reading Kubernetes objects defensively.
 *
 * Policies see whatever a program or a YAML file gave them: fields may be missing, of the wrong
 * type, or hostile. Every accessor here returns `undefined` or an empty value instead of throwing,
 * so a malformed object produces a violation message rather than a crashed policy.
 */

export type Obj = Record<string, unknown>;

export function isObj(value: unknown): value is Obj {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value when it is a plain object, otherwise undefined. */
export function obj(value: unknown): Obj | undefined {
    return isObj(value) ? value : undefined;
}

/** The value when it is an array, otherwise an empty array. */
export function list(value: unknown): unknown[] {
    return Array.isArray(value) ? value : [];
}

/** The value when it is a string, otherwise undefined. */
export function text(value: unknown): string | undefined {
    return typeof value === "string" ? value : undefined;
}

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

/**
 * A string-to-string map (labels, annotations, matchLabels); numbers and booleans become strings,
 * other values are dropped. When every value is already a string the object itself is returned,
 * so the result must never be modified.
 */
export function stringMap(value: unknown): Readonly<Record<string, string>> {
    const source = obj(value);
    if (!source) return EMPTY;
    let allStrings = true;
    for (const key in source) {
        if (typeof source[key] !== "string") {
            allStrings = false;
            break;
        }
    }
    if (allStrings) return source as Record<string, string>;
    const result: Record<string, string> = {};
    for (const [key, entry] of Object.entries(source)) {
        if (typeof entry === "string") result[key] = entry;
        else if (typeof entry === "number" || typeof entry === "boolean") result[key] = String(entry);
    }
    return result;
}

/** Parses `kubernetes:<group>/<version>:<Kind>` into its parts (group "core" for the core API). */
export interface TypeToken {
    group: string;
    version: string;
    kind: string;
}

const tokenCache = new Map<string, TypeToken | undefined>();

export function parseTypeToken(type: string): TypeToken | undefined {
    if (tokenCache.has(type)) return tokenCache.get(type);
    let parsed: TypeToken | undefined;
    const parts = type.split(":");
    if (parts.length === 3 && parts[0] === "kubernetes") {
        const groupVersion = parts[1] ?? "";
        const slash = groupVersion.lastIndexOf("/");
        if (slash > 0) {
            parsed = {
                group: groupVersion.slice(0, slash),
                version: groupVersion.slice(slash + 1),
                kind: parts[2] ?? "",
            };
        }
    }
    tokenCache.set(type, parsed);
    return parsed;
}

/** The object's kind: `props.kind` when given, otherwise the kind of the type token. */
export function kindOf(type: string, props: Obj): string {
    const kind = text(props.kind);
    if (kind) return kind;
    const token = parseTypeToken(type);
    if (token) return token.kind;
    const last = type.split(":").pop();
    return last && last.length > 0 ? last : type;
}

export function metadataOf(props: Obj): Obj {
    return obj(props.metadata) ?? {};
}

/**
 * The object's name: `metadata.name`, or the Pulumi resource name when the provider auto-names
 * the object (metadata.name absent in the inputs).
 */
export function objectName(resourceName: string, props: Obj): string {
    return text(metadataOf(props).name) ?? resourceName;
}

/** The object's namespace; a missing namespace means "default". */
export function namespaceOf(props: Obj): string {
    const namespace = text(metadataOf(props).namespace);
    return namespace && namespace.length > 0 ? namespace : "default";
}

/** Makes an identifier safe to print inside a one-line message (no control characters, bounded). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export function safeId(value: string): string {
    if (value.length <= 120 && !CONTROL.test(value)) return value;
    // eslint-disable-next-line no-control-regex
    const cleaned = value.replace(/[\u0000-\u001f\u007f]+/g, " ");
    return cleaned.length > 120 ? `${cleaned.slice(0, 117)}...` : cleaned;
}

/** `Kind/name` used at the start of every message. */
export function objectRef(kind: string, name: string): string {
    return `${safeId(kind)}/${safeId(name)}`;
}

/** Appends a property or index to a dotted field path: `spec.template` + `containers[0]`. */
export function fieldPath(base: string, ...segments: (string | number)[]): string {
    let result = base;
    for (const segment of segments) {
        if (typeof segment === "number") result += `[${segment}]`;
        else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) result += result.length > 0 ? `.${segment}` : segment;
        else result += `[${JSON.stringify(safeId(segment))}]`;
    }
    return result;
}

/** Evaluates a Kubernetes LabelSelector (matchLabels and matchExpressions) against labels. */
export function selectorMatches(selector: Obj, labels: Readonly<Record<string, string>>): boolean {
    const matchLabels = stringMap(selector.matchLabels);
    for (const [key, value] of Object.entries(matchLabels)) {
        if (labels[key] !== value) return false;
    }
    for (const raw of list(selector.matchExpressions)) {
        const expression = obj(raw);
        if (!expression) return false;
        const key = text(expression.key);
        if (key === undefined) return false;
        const values = list(expression.values).map((v) => String(v));
        const has = Object.prototype.hasOwnProperty.call(labels, key);
        const value = labels[key];
        switch (text(expression.operator)) {
            case "In":
                if (!has || value === undefined || !values.includes(value)) return false;
                break;
            case "NotIn":
                if (has && value !== undefined && values.includes(value)) return false;
                break;
            case "Exists":
                if (!has) return false;
                break;
            case "DoesNotExist":
                if (has) return false;
                break;
            default:
                return false;
        }
    }
    return true;
}

/** True when a selector has neither matchLabels nor matchExpressions. */
export function selectorIsEmpty(selector: Obj): boolean {
    return Object.keys(stringMap(selector.matchLabels)).length === 0 && list(selector.matchExpressions).length === 0;
}

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;
const SUFFIX: Record<string, number> = {
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
    n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

/**
 * Parses a Kubernetes resource quantity ("250m", "1.5", "128Mi", "1e3") into a number of base units.
 * Returns undefined when the value is not a well-formed, non-negative quantity.
 */
export function parseQuantity(value: unknown): number | undefined {
    if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
    if (typeof value !== "string") return undefined;
    const match = QUANTITY.exec(value.trim());
    if (!match) return undefined;
    const [, sign, digits, exponent, suffix] = match;
    if (sign === "-") return undefined;
    let result = Number(digits);
    if (exponent) result *= 10 ** Number(exponent.slice(1));
    if (suffix) result *= SUFFIX[suffix] ?? 1;
    return Number.isFinite(result) ? result : undefined;
}

/** True when two JSON-like values are structurally equal, whatever the key order. */
export function sameJson(a: unknown, b: unknown): boolean {
    // Reordering keys never changes the length of a serialization, so different lengths mean different values.
    if ((JSON.stringify(a) ?? "").length !== (JSON.stringify(b) ?? "").length) return false;
    return canonicalJson(a) === canonicalJson(b);
}

/** Deterministic JSON with sorted keys, for comparing two objects structurally. */
export function canonicalJson(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
    if (isObj(value)) {
        const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
        return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
    }
    return JSON.stringify(value) ?? "null";
}

/** Integer-or-percent value (maxSurge, maxUnavailable, minAvailable) as written by users. */
export type IntOrPercent = { kind: "int"; value: number } | { kind: "percent"; value: number };

export function parseIntOrPercent(value: unknown): IntOrPercent | undefined {
    if (typeof value === "number" && Number.isInteger(value)) return { kind: "int", value };
    if (typeof value !== "string") return undefined;
    const trimmed = value.trim();
    const percent = /^(\d+)%$/.exec(trimmed);
    if (percent) return { kind: "percent", value: Number(percent[1]) };
    if (/^\d+$/.test(trimmed)) return { kind: "int", value: Number(trimmed) };
    return undefined;
}

/** Scales an int-or-percent against a total, rounding up like the disruption controller. */
export function scaleIntOrPercent(value: IntOrPercent, total: number): number {
    return value.kind === "int" ? value.value : Math.ceil((value.value * total) / 100);
}
