/**
 * Reads a service's own test run into evidence: the Vitest/Jest JSON reporter output
 * (`--reporter=json`) and an Istanbul/V8 `coverage-summary.json` (`json-summary` reporter).
 */

export class ReportError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ReportError";
    }
}

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function count(value: unknown, field: string): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
        throw new ReportError(`test report field ${field} must be a whole number >= 0`);
    }
    return value;
}

/** Test counts from a Vitest or Jest JSON report (`numPassedTests`, `numFailedTests`). */
export function readTestReport(report: unknown): { passed: number; failed: number } {
    if (!isObject(report)) throw new ReportError("a test report must be a JSON object");
    return { passed: count(report.numPassedTests, "numPassedTests"), failed: count(report.numFailedTests, "numFailedTests") };
}

/** Line coverage in percent from a `coverage-summary.json` (`total.lines.pct`, or covered/total). */
export function readCoverageSummary(summary: unknown): number {
    const lines = isObject(summary) && isObject(summary.total) ? summary.total.lines : undefined;
    if (!isObject(lines)) throw new ReportError("a coverage summary must have total.lines");
    if (typeof lines.pct === "number" && Number.isFinite(lines.pct)) return lines.pct;
    if (typeof lines.total === "number" && typeof lines.covered === "number") {
        return lines.total === 0 ? 100 : Math.round((lines.covered / lines.total) * 10000) / 100;
    }
    throw new ReportError("coverage summary total.lines has neither pct nor covered/total numbers");
}
