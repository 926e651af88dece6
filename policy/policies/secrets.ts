/**
 * Secrets and hygiene: no secret as a literal value, no service workload hidden inside a Helm
 * release, and no annotations that silence other linters.
 *
 * Messages here never echo a value: policies see Pulumi secrets in plaintext.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { StringCache } from "../lib/cache";
import { fieldPath, list, obj, parseTypeToken, safeId, stringMap, text } from "../lib/k8s";
import { EnforcementLevel, resourcePolicy, schema } from "../lib/policy";
import { containersOf, describeContainer, workloadKindOf, workloadOf } from "../lib/workloads";

const SECRET_WORDS = new Set([
    "PASSWORD", "PASSWORDS", "PASSWD", "PWD", "PASS", "PASSPHRASE", "SECRET", "SECRETS", "TOKEN", "TOKENS",
    "CREDENTIAL", "CREDENTIALS", "APIKEY", "PRIVATEKEY", "ACCESSKEY", "SECRETKEY", "AUTHTOKEN",
]);
const KEY_QUALIFIERS = new Set(["API", "ACCESS", "PRIVATE", "SECRET", "SIGNING", "ENCRYPTION", "MASTER", "CLIENT", "SESSION", "HMAC"]);
/** A last word that makes the variable describe a secret rather than hold one (DB_PASSWORD_FILE, TOKEN_URL). */
const BENIGN_SUFFIXES = new Set([
    "FILE", "PATH", "DIR", "REF", "NAME", "NAMESPACE", "URL", "URI", "ENDPOINT", "HOST", "PORT", "TTL", "TIMEOUT", "SECONDS",
    "EXPIRY", "EXPIRES", "LENGTH", "ENABLED", "MODE", "TYPE", "ID", "HEADER", "ISSUER", "AUDIENCE", "FORMAT", "SIZE",
    "COUNT", "LIMIT", "ALGORITHM", "VERSION", "FIELD", "KEYS", "POLICY", "REQUIRED",
]);

/** Splits `dbPassword`, `DB_PASSWORD`, `db.password` into upper-case words. */
function words(name: string): string[] {
    return name
        .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
        .toUpperCase()
        .split(/[^A-Z0-9]+/)
        .filter((word) => word.length > 0);
}

const secretNames = new StringCache<boolean>();

/** True when a variable or key name says it holds a secret (password, token, API key, ...). */
export function isSecretName(name: string): boolean {
    return secretNames.get(name) ?? secretNames.set(name, classifyName(name));
}

function classifyName(name: string): boolean {
    const parts = words(name);
    const last = parts[parts.length - 1];
    if (last === undefined || BENIGN_SUFFIXES.has(last)) return false;
    return parts.some((word, index) => {
        if (SECRET_WORDS.has(word)) return true;
        const previous = parts[index - 1];
        return word === "KEY" && previous !== undefined && KEY_QUALIFIERS.has(previous);
    });
}

const PRIVATE_KEY_BLOCK = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----/;
const URL_CREDENTIALS = /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:([^\s/@]+)@/i;
const TOKEN_PATTERNS: [RegExp, string][] = [
    [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, "an AWS access key"],
    [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/, "a GitHub token"],
    [/\bgithub_pat_[A-Za-z0-9_]{22,}\b/, "a GitHub token"],
    [/\bxox[abeprs]-[A-Za-z0-9-]{10,}/, "a Slack token"],
    [/hooks\.slack\.com\/services\/T[A-Za-z0-9]+\/B[A-Za-z0-9]+\/[A-Za-z0-9]+/, "a Slack webhook URL"],
    [/\b[sr]k_live_[A-Za-z0-9]{16,}/, "a Stripe key"],
    [/\bAIza[0-9A-Za-z_-]{35}\b/, "a Google API key"],
];

function isReference(value: string): boolean {
    const trimmed = value.trim();
    return /^\$\([A-Za-z_][A-Za-z0-9_]*\)$/.test(trimmed) || /^\$\{[^}]+\}$/.test(trimmed) || /^\{\{.*\}\}$/.test(trimmed);
}

function isInnocuousLiteral(value: string): boolean {
    const trimmed = value.trim().toLowerCase();
    return trimmed === "" || ["true", "false", "yes", "no", "on", "off", "enabled", "disabled", "none", "null"].includes(trimmed) || isReference(value);
}

/** Why a value looks like a secret regardless of its name, or undefined. */
export function secretValueKind(value: string): string | undefined {
    if (PRIVATE_KEY_BLOCK.test(value)) return "a private key block";
    const credentials = URL_CREDENTIALS.exec(value);
    if (credentials && !isReference(credentials[1] ?? "") && !(credentials[1] ?? "").startsWith("$")) return "a URL with an embedded password";
    for (const [pattern, label] of TOKEN_PATTERNS) if (pattern.test(value)) return label;
    return undefined;
}

/** Why a `name=value` pair looks like a literal secret, or undefined. */
export function secretLiteralReason(name: string, value: string): string | undefined {
    const byValue = secretValueKind(value);
    if (byValue) return byValue;
    if (isSecretName(name) && !isInnocuousLiteral(value)) return "a literal value under a secret-sounding name";
    return undefined;
}

const CONFIG_LINE = /^\s*([\w.-]*(?:password|passwd|secret|token|api[_-]?key|private[_-]?key)[\w.-]*)\s*[=:]\s*(\S.*)$/gim;
const SECRET_FLAG = /^--?[\w-]*(?:password|passwd|secret|token|api-?key|private-?key)[\w-]*$/i;
const SECRET_FLAG_WITH_VALUE = /^--?[\w-]*(?:password|passwd|secret|token|api-?key|private-?key)[\w-]*=(.*)$/i;

const FIX = "move it to a Kubernetes Secret (env valueFrom.secretKeyRef) filled from a Pulumi secret";

export function secretLiterals(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    const isConfigMap = (type: string) => {
        const token = parseTypeToken(type);
        return token?.group === "core" && token.kind === "ConfigMap";
    };
    return resourcePolicy(
        {
            name: "secret-literals",
            description:
                "No secret may be written as a literal: environment values, container arguments and ConfigMap entries must not hold " +
                "passwords, tokens, API keys, private key blocks or URLs with embedded passwords. Secrets come from Kubernetes Secrets fed by Pulumi secrets.",
            enforcementLevel,
        },
        (type) => isConfigMap(type) || workloadKindOf(type) !== undefined,
        (ctx) => {
            if (isConfigMap(ctx.type)) {
                for (const [key, value] of Object.entries(stringMap(ctx.props.data))) {
                    const path = fieldPath("data", key);
                    const reason = secretLiteralReason(key, value);
                    if (reason) {
                        ctx.report(`${path} holds ${reason}; ${FIX}, not a ConfigMap.`);
                        continue;
                    }
                    for (const match of value.matchAll(CONFIG_LINE)) {
                        const entryValue = (match[2] ?? "").trim();
                        if (isInnocuousLiteral(entryValue) || entryValue.startsWith("$") || entryValue.startsWith("<")) continue;
                        ctx.report(`${path} sets ${JSON.stringify(safeId(match[1] ?? ""))} to a literal value; ${FIX}, and reference it from the config file.`);
                        break;
                    }
                }
                return;
            }
            const workload = workloadOf(ctx.type, ctx.props);
            if (!workload) return;
            for (const ref of containersOf(workload)) {
                list(ref.container.env).forEach((raw, index) => {
                    const entry = obj(raw);
                    const value = entry?.value;
                    if (!entry || typeof value !== "string") return;
                    const name = text(entry.name) ?? "";
                    const reason = secretLiteralReason(name, value);
                    if (reason) {
                        ctx.report(`${fieldPath(ref.path, "env", index)} (${JSON.stringify(safeId(name))}, ${describeContainer(ref)}) holds ${reason}; ${FIX}.`);
                    }
                });
                for (const field of ["command", "args"]) {
                    const items = list(ref.container[field]);
                    items.forEach((item, index) => {
                        if (typeof item !== "string") return;
                        const inline = SECRET_FLAG_WITH_VALUE.exec(item);
                        const next = items[index + 1];
                        const separate = SECRET_FLAG.test(item) && typeof next === "string" && !next.startsWith("-") ? next : undefined;
                        const literal = inline ? inline[1] ?? "" : separate;
                        const byValue = secretValueKind(item);
                        if (byValue || (literal !== undefined && !isInnocuousLiteral(literal) && !literal.startsWith("$"))) {
                            const what = byValue ?? "a secret passed as a literal command-line value";
                            ctx.report(`${fieldPath(ref.path, field, index)} (${describeContainer(ref)}) holds ${what}; ${FIX} and read it from the environment or a mounted file.`);
                        }
                    });
                }
            }
        },
    );
}

const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

/** The chart's name from `argo-rollouts`, `argo/argo-rollouts`, `oci://host/path/argo-rollouts` or `./charts/x-1.2.3.tgz`. */
export function chartName(chart: string): string {
    const last = chart.replace(/\/+$/, "").split("/").pop() ?? chart;
    return last.replace(/\.tgz$/, "").replace(/-v?\d+\.\d+\.\d+(?:[-+][\w.+-]*)?$/, "");
}

interface ReleaseConfig {
    allowedCharts: string[];
}

export function helmReleaseAllowList(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return resourcePolicy<ReleaseConfig>(
        {
            name: "helm-release-allow-list",
            description:
                "Only allow-listed third-party platform charts may be deployed as helm.v3.Release: CrossGuard sees only a Release's values, " +
                "so a service workload inside one would escape every other policy.",
            enforcementLevel,
            configSchema: { properties: { allowedCharts: schema.strings(["argo-rollouts"], "Chart names that may be deployed as helm.v3.Release.") } },
        },
        (type) => type === HELM_RELEASE,
        (ctx) => {
            const chart = text(ctx.props.chart);
            const name = chart ? chartName(chart) : undefined;
            if (name && ctx.config.allowedCharts.includes(name)) return;
            const what = chart ? `chart ${JSON.stringify(safeId(chart))} is not an allow-listed platform chart` : "has no chart";
            ctx.report(
                `props.chart: ${what} (allowed: ${ctx.config.allowedCharts.join(", ") || "none"}); deploy service workloads as typed resources (Rollout, Service, ...) so every policy sees them.`,
            );
        },
    );
}

export function helmReleaseVersion(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return resourcePolicy(
        {
            name: "helm-release-version",
            description: "Every helm.v3.Release must pin an exact chart version, so a platform add-on only changes when its version is changed on purpose.",
            enforcementLevel,
        },
        (type) => type === HELM_RELEASE,
        (ctx) => {
            const version = text(ctx.props.version);
            if (version && /^v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?$/.test(version.trim())) return;
            const state = version ? `${JSON.stringify(safeId(version))} is not an exact version` : "is not set";
            ctx.report(`props.version ${state}; pin the chart to an exact version such as "2.39.1".`);
        },
    );
}

/** Annotation keys that tell other linters to skip an object. */
export function isLinterSuppression(key: string): boolean {
    return (
        key === "kube-score/ignore" ||
        key === "polaris.fairwinds.com/exempt" ||
        /^polaris\.fairwinds\.com\/[\w.-]+-exempt$/.test(key) ||
        key === "kube-linter.io/ignore-all" ||
        key.startsWith("ignore-check.kube-linter.io/")
    );
}

interface SuppressionConfig {
    forbidSuppressions: boolean;
}

export function linterSuppressionAnnotations(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return resourcePolicy<SuppressionConfig>(
        {
            name: "linter-suppression-annotations",
            description:
                "Objects must not carry annotations that silence other linters (kube-score/ignore, polaris.fairwinds.com/exempt, " +
                "kube-linter.io/ignore-all, ignore-check.kube-linter.io/*): in prod every finding is fixed, not hidden.",
            enforcementLevel,
            configSchema: {
                properties: { forbidSuppressions: schema.boolean(true, "Report annotations that silence kube-score, Polaris or kube-linter.") },
            },
        },
        (type) => type.startsWith("kubernetes:"),
        (ctx) => {
            if (!ctx.config.forbidSuppressions) return;
            const places: [Record<string, string>, string][] = [[stringMap(obj(ctx.props.metadata)?.annotations), "metadata.annotations"]];
            const workload = workloadOf(ctx.type, ctx.props);
            if (workload && workload.podMetadataPath !== "metadata") {
                places.push([stringMap(workload.podMetadata.annotations), fieldPath(workload.podMetadataPath, "annotations")]);
            }
            for (const [annotations, path] of places) {
                for (const key of Object.keys(annotations)) {
                    if (isLinterSuppression(key)) {
                        ctx.report(`${fieldPath(path, key)} silences another linter; remove it and fix the finding instead.`);
                    }
                }
            }
        },
    );
}

export function secretsPolicies(): ResourceValidationPolicy[] {
    return [secretLiterals(), helmReleaseAllowList(), helmReleaseVersion(), linterSuppressionAnnotations()];
}
