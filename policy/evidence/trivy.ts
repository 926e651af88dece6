/**
 * Reads a Trivy JSON report (`trivy image --format json`) into vulnerability counts by severity.
 *
 * Only `Results[].Vulnerabilities[].Severity` is used. The same vulnerability reported twice for the
 * same package, version and target is counted once. Severities other than CRITICAL, HIGH, MEDIUM and
 * LOW (UNKNOWN) are counted under `unknown`.
 */
import type { VulnerabilityCounts } from "./contract";

export interface TrivyCounts extends VulnerabilityCounts {
    unknown: number;
}

export class TrivyReportError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "TrivyReportError";
    }
}

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Counts vulnerabilities by severity in a parsed Trivy JSON report. Throws TrivyReportError on a report of the wrong shape. */
export function countTrivyVulnerabilities(report: unknown): TrivyCounts {
    if (!isObject(report)) throw new TrivyReportError("a Trivy report must be a JSON object with a Results array");
    const results = report.Results;
    if (results !== undefined && results !== null && !Array.isArray(results)) {
        throw new TrivyReportError("Trivy report field Results must be an array");
    }
    const counts: TrivyCounts = { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 };
    const seen = new Set<string>();
    (results ?? []).forEach((result: unknown, r: number) => {
        if (!isObject(result)) throw new TrivyReportError(`Trivy report Results[${r}] must be an object`);
        const vulnerabilities = result.Vulnerabilities;
        if (vulnerabilities === undefined || vulnerabilities === null) return;
        if (!Array.isArray(vulnerabilities)) throw new TrivyReportError(`Trivy report Results[${r}].Vulnerabilities must be an array`);
        vulnerabilities.forEach((vulnerability: unknown, v: number) => {
            if (!isObject(vulnerability)) throw new TrivyReportError(`Trivy report Results[${r}].Vulnerabilities[${v}] must be an object`);
            const key = [result.Target, vulnerability.VulnerabilityID, vulnerability.PkgName, vulnerability.InstalledVersion].map(String).join("\u0000");
            if (vulnerability.VulnerabilityID !== undefined && seen.has(key)) return;
            seen.add(key);
            switch (String(vulnerability.Severity ?? "").toUpperCase()) {
                case "CRITICAL":
                    counts.critical++;
                    break;
                case "HIGH":
                    counts.high++;
                    break;
                case "MEDIUM":
                    counts.medium++;
                    break;
                case "LOW":
                    counts.low++;
                    break;
                default:
                    counts.unknown++;
            }
        });
    });
    return counts;
}

/** Parses the text of a Trivy JSON report and counts its vulnerabilities. */
export function parseTrivyReport(json: string): TrivyCounts {
    let parsed: unknown;
    try {
        parsed = JSON.parse(json);
    } catch (error) {
        throw new TrivyReportError(`Trivy report is not valid JSON: ${(error as Error).message}`);
    }
    return countTrivyVulnerabilities(parsed);
}
