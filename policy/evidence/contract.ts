/**
 * The evidence contract between the Slipway program and the policy pack.
 *
 * The program annotates each service workload (the Rollout's metadata.annotations) with the
 * quality evidence of the exact version it deploys, and labels it with the recommended labels.
 * The evidence policies read these keys; nothing else is trusted.
 */

/** Annotation keys carrying quality evidence. */
export const EVIDENCE = {
    testsPassed: "evidence.slipway.dev/tests-passed",
    testsFailed: "evidence.slipway.dev/tests-failed",
    coverageLines: "evidence.slipway.dev/coverage-lines",
    vulnsCritical: "evidence.slipway.dev/vulns-critical",
    vulnsHigh: "evidence.slipway.dev/vulns-high",
    vulnsMedium: "evidence.slipway.dev/vulns-medium",
    vulnsLow: "evidence.slipway.dev/vulns-low",
    scanner: "evidence.slipway.dev/scanner",
} as const;

/** Annotation keys tracing a workload back to its source. */
export const TRACEABILITY = {
    gitCommit: "slipway.dev/git-commit",
    service: "slipway.dev/service",
} as const;

/** Recommended labels every service workload carries. */
export const LABELS = {
    name: "app.kubernetes.io/name",
    instance: "app.kubernetes.io/instance",
    version: "app.kubernetes.io/version",
    partOf: "app.kubernetes.io/part-of",
    managedBy: "app.kubernetes.io/managed-by",
} as const;

/** `app.kubernetes.io/part-of` value that marks a workload as a Slipway service. */
export const PART_OF = "slipway";

/** Scanners the evidence may name; "none" means no scanner report was available. */
export type Scanner = "trivy" | "none";

export interface VulnerabilityCounts {
    critical: number;
    high: number;
    medium: number;
    low: number;
}

/** The evidence of one service version, as the program knows it. */
export interface Evidence {
    testsPassed: number;
    testsFailed: number;
    /** Line coverage in percent, 0 to 100. */
    coverageLines: number;
    vulnerabilities: VulnerabilityCounts;
    scanner: Scanner;
}

/** The annotations that carry `evidence` (what the program puts on the Rollout's metadata). */
export function evidenceAnnotations(evidence: Evidence): Record<string, string> {
    const whole = (value: number, what: string) => {
        if (!Number.isInteger(value) || value < 0) throw new Error(`evidence ${what} must be a whole number >= 0, got ${value}`);
        return String(value);
    };
    if (!Number.isFinite(evidence.coverageLines) || evidence.coverageLines < 0 || evidence.coverageLines > 100) {
        throw new Error(`evidence coverageLines must be a percentage from 0 to 100, got ${evidence.coverageLines}`);
    }
    return {
        [EVIDENCE.testsPassed]: whole(evidence.testsPassed, "testsPassed"),
        [EVIDENCE.testsFailed]: whole(evidence.testsFailed, "testsFailed"),
        [EVIDENCE.coverageLines]: String(Math.round(evidence.coverageLines * 100) / 100),
        [EVIDENCE.vulnsCritical]: whole(evidence.vulnerabilities.critical, "vulnerabilities.critical"),
        [EVIDENCE.vulnsHigh]: whole(evidence.vulnerabilities.high, "vulnerabilities.high"),
        [EVIDENCE.vulnsMedium]: whole(evidence.vulnerabilities.medium, "vulnerabilities.medium"),
        [EVIDENCE.vulnsLow]: whole(evidence.vulnerabilities.low, "vulnerabilities.low"),
        [EVIDENCE.scanner]: evidence.scanner,
    };
}

/** Parsed evidence annotations, or the problems that stop them being read. */
export interface ReadEvidence {
    evidence: Partial<Omit<Evidence, "vulnerabilities" | "scanner">> & { vulnerabilities: Partial<VulnerabilityCounts>; scanner?: string };
    /** Keys that are absent. */
    missing: string[];
    /** Keys whose value is not well-formed (the value itself is not repeated: evidence is not secret, but keep messages short). */
    malformed: string[];
}

function wholeNumber(value: string | undefined): number | undefined {
    if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
    return Number(value.trim());
}

/** Reads the evidence annotations of a workload. */
export function readEvidence(annotations: Readonly<Record<string, string>>): ReadEvidence {
    const missing: string[] = [];
    const malformed: string[] = [];
    const get = (key: string): string | undefined => {
        const value = annotations[key];
        if (value === undefined || value.trim() === "") missing.push(key);
        return value === undefined || value.trim() === "" ? undefined : value;
    };
    const whole = (key: string): number | undefined => {
        const raw = get(key);
        if (raw === undefined) return undefined;
        const parsed = wholeNumber(raw);
        if (parsed === undefined) malformed.push(key);
        return parsed;
    };
    const testsPassed = whole(EVIDENCE.testsPassed);
    const testsFailed = whole(EVIDENCE.testsFailed);
    const coverageRaw = get(EVIDENCE.coverageLines);
    let coverageLines: number | undefined;
    if (coverageRaw !== undefined) {
        const trimmed = coverageRaw.trim().replace(/%$/, "");
        const parsed = /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
        if (Number.isFinite(parsed) && parsed <= 100) coverageLines = parsed;
        else malformed.push(EVIDENCE.coverageLines);
    }
    const vulnerabilities = {
        critical: whole(EVIDENCE.vulnsCritical),
        high: whole(EVIDENCE.vulnsHigh),
        medium: whole(EVIDENCE.vulnsMedium),
        low: whole(EVIDENCE.vulnsLow),
    };
    const scanner = get(EVIDENCE.scanner)?.trim();
    return { evidence: { testsPassed, testsFailed, coverageLines, vulnerabilities, scanner }, missing, malformed };
}
