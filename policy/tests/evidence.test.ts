import { describe, expect, it } from "vitest";
import { EVIDENCE, evidenceAnnotations, readEvidence } from "../evidence/contract";
import { ReportError, readCoverageSummary, readTestReport } from "../evidence/reports";
import { TrivyReportError, countTrivyVulnerabilities, parseTrivyReport } from "../evidence/trivy";
import { evidenceCoverage, evidencePresent, evidenceTests, evidenceVulnerabilities, workloadTraceability } from "../policies/evidence";
import { deployment, messagesOf, rollout, workloadOfKind } from "./helpers";

const withAnnotation = (key: string, value: string | undefined) =>
    rollout((p) => {
        if (value === undefined) delete p.metadata.annotations[key];
        else p.metadata.annotations[key] = value;
    });

describe("evidence-present", () => {
    it("passes complete evidence", () => {
        expect(messagesOf(evidencePresent(), [rollout(), deployment()])).toEqual([]);
    });
    it("rejects missing evidence", () => {
        expect(messagesOf(evidencePresent(), withAnnotation(EVIDENCE.coverageLines, undefined))).toEqual([
            "Rollout/catalog-api: metadata.annotations is missing evidence.slipway.dev/coverage-lines; the Slipway program sets it from the service's test run and image scan (see policy/README.md).",
        ]);
        const none = rollout((p) => (p.metadata.annotations = {}));
        expect(messagesOf(evidencePresent(), none)[0]).toContain(Object.values(EVIDENCE).join(", "));
    });
    it("rejects malformed evidence", () => {
        const [message] = messagesOf(evidencePresent(), withAnnotation(EVIDENCE.vulnsCritical, "none"));
        expect(message).toContain("metadata.annotations has malformed evidence.slipway.dev/vulns-critical");
        expect(messagesOf(evidencePresent(), withAnnotation(EVIDENCE.coverageLines, "120"))[0]).toContain("malformed evidence.slipway.dev/coverage-lines");
    });
    it("does not ask third-party workloads (no part-of: slipway) for evidence, unless the scope is all", () => {
        const thirdParty = workloadOfKind("Deployment");
        expect(messagesOf(evidencePresent(), thirdParty)).toEqual([]);
        expect(messagesOf(evidencePresent(), thirdParty, { evidenceScope: "all" })).toHaveLength(1);
    });
    it("only reports malformed values when evidence is not required", () => {
        expect(messagesOf(evidencePresent(), withAnnotation(EVIDENCE.testsPassed, undefined), { requireEvidence: false })).toEqual([]);
    });
});

describe("evidence-tests", () => {
    it("passes a green test run", () => {
        expect(messagesOf(evidenceTests(), rollout())).toEqual([]);
    });
    it("rejects failed tests", () => {
        expect(messagesOf(evidenceTests(), withAnnotation(EVIDENCE.testsFailed, "2"))).toEqual([
            'Rollout/catalog-api: metadata.annotations["evidence.slipway.dev/tests-failed"] reports 2 failed test(s); fix the tests and rebuild before deploying this version.',
        ]);
    });
    it("rejects a run where no test ran", () => {
        expect(messagesOf(evidenceTests(), withAnnotation(EVIDENCE.testsPassed, "0"))[0]).toContain("is 0, so no test ran");
    });
});

describe("evidence-coverage", () => {
    it("passes coverage at the threshold", () => {
        expect(messagesOf(evidenceCoverage(), withAnnotation(EVIDENCE.coverageLines, "80"))).toEqual([]);
    });
    it("rejects coverage below the threshold", () => {
        expect(messagesOf(evidenceCoverage(), withAnnotation(EVIDENCE.coverageLines, "79.9"))).toEqual([
            'Rollout/catalog-api: metadata.annotations["evidence.slipway.dev/coverage-lines"] is 79.9%, below the required 80%; add tests for the new code before this version can ship.',
        ]);
    });
    it("uses the configured threshold", () => {
        expect(messagesOf(evidenceCoverage(), rollout(), { minCoverage: 90 })[0]).toContain("is 87.5%, below the required 90%");
    });
});

describe("evidence-vulnerabilities", () => {
    it("passes no critical vulnerabilities", () => {
        expect(messagesOf(evidenceVulnerabilities(), rollout())).toEqual([]);
    });
    it("rejects critical vulnerabilities", () => {
        expect(messagesOf(evidenceVulnerabilities(), withAnnotation(EVIDENCE.vulnsCritical, "1"))).toEqual([
            'Rollout/catalog-api: metadata.annotations["evidence.slipway.dev/vulns-critical"] reports 1 critical vulnerability (allowed: 0); update the base image or dependencies and rescan.',
        ]);
    });
    it("can cap high vulnerabilities and require a scanner", () => {
        expect(messagesOf(evidenceVulnerabilities(), rollout(), { maxHigh: 0 })[0]).toContain("reports 1 high vulnerabilities (allowed: 0)");
        expect(messagesOf(evidenceVulnerabilities(), withAnnotation(EVIDENCE.scanner, "none"), { requireScanner: true })[0]).toContain('evidence.slipway.dev/scanner"] is "none"');
    });
});

describe("workload-traceability", () => {
    it("passes a traceable workload", () => {
        expect(messagesOf(workloadTraceability(), rollout())).toEqual([]);
    });
    it("requires the commit, the service and the recommended labels", () => {
        const messages = messagesOf(
            workloadTraceability(),
            rollout((p) => {
                delete p.metadata.annotations["slipway.dev/git-commit"];
                delete p.metadata.annotations["slipway.dev/service"];
                delete p.metadata.labels["app.kubernetes.io/version"];
            }),
        );
        expect(messages).toEqual([
            'Rollout/catalog-api: metadata.annotations["slipway.dev/git-commit"] is missing; record the full commit SHA the image was built from.',
            'Rollout/catalog-api: metadata.annotations["slipway.dev/service"] is missing; name the Slipway service this workload belongs to.',
            "Rollout/catalog-api: metadata.labels is missing app.kubernetes.io/version; add the recommended app.kubernetes.io labels.",
        ]);
    });
    it("rejects a commit that is not a SHA", () => {
        expect(messagesOf(workloadTraceability(), withAnnotation("slipway.dev/git-commit", "main"))[0]).toContain("is not a commit SHA");
    });
});

describe("evidence contract", () => {
    it("writes annotations the policies read back", () => {
        const annotations = evidenceAnnotations({ testsPassed: 10, testsFailed: 0, coverageLines: 85.123, vulnerabilities: { critical: 0, high: 2, medium: 1, low: 0 }, scanner: "trivy" });
        expect(annotations[EVIDENCE.coverageLines]).toBe("85.12");
        const read = readEvidence(annotations);
        expect(read.missing).toEqual([]);
        expect(read.malformed).toEqual([]);
        expect(read.evidence).toMatchObject({ testsPassed: 10, coverageLines: 85.12, vulnerabilities: { high: 2 }, scanner: "trivy" });
    });
    it("refuses impossible evidence", () => {
        expect(() => evidenceAnnotations({ testsPassed: -1, testsFailed: 0, coverageLines: 50, vulnerabilities: { critical: 0, high: 0, medium: 0, low: 0 }, scanner: "none" })).toThrow(
            /testsPassed must be a whole number/,
        );
        expect(() => evidenceAnnotations({ testsPassed: 1, testsFailed: 0, coverageLines: 101, vulnerabilities: { critical: 0, high: 0, medium: 0, low: 0 }, scanner: "none" })).toThrow(
            /coverageLines must be a percentage/,
        );
    });
});

describe("Trivy reports", () => {
    const report = {
        SchemaVersion: 2,
        Results: [
            {
                Target: "app (debian 12)",
                Vulnerabilities: [
                    { VulnerabilityID: "CVE-1", PkgName: "openssl", InstalledVersion: "3.0.1", Severity: "CRITICAL" },
                    { VulnerabilityID: "CVE-1", PkgName: "openssl", InstalledVersion: "3.0.1", Severity: "CRITICAL" },
                    { VulnerabilityID: "CVE-2", PkgName: "zlib", InstalledVersion: "1.2", Severity: "HIGH" },
                    { VulnerabilityID: "CVE-3", PkgName: "curl", InstalledVersion: "8", Severity: "medium" },
                    { VulnerabilityID: "CVE-4", PkgName: "curl", InstalledVersion: "8", Severity: "LOW" },
                    { VulnerabilityID: "CVE-5", PkgName: "curl", InstalledVersion: "8", Severity: "UNKNOWN" },
                ],
            },
            { Target: "package-lock.json", Vulnerabilities: null },
            { Target: "node", Vulnerabilities: [{ VulnerabilityID: "CVE-1", PkgName: "openssl", InstalledVersion: "3.0.1", Severity: "CRITICAL" }] },
        ],
    };
    it("counts by severity, once per target/package/version", () => {
        expect(countTrivyVulnerabilities(report)).toEqual({ critical: 2, high: 1, medium: 1, low: 1, unknown: 1 });
        expect(parseTrivyReport(JSON.stringify({ SchemaVersion: 2 }))).toEqual({ critical: 0, high: 0, medium: 0, low: 0, unknown: 0 });
    });
    it("rejects reports of the wrong shape", () => {
        expect(() => parseTrivyReport("not json")).toThrow(TrivyReportError);
        expect(() => countTrivyVulnerabilities({ Results: {} })).toThrow(/Results must be an array/);
        expect(() => countTrivyVulnerabilities({ Results: [{ Vulnerabilities: [1] }] })).toThrow(/Results\[0\]\.Vulnerabilities\[0\] must be an object/);
    });
});

describe("test and coverage reports", () => {
    it("reads Vitest JSON and coverage-summary.json", () => {
        expect(readTestReport({ numTotalTests: 12, numPassedTests: 11, numFailedTests: 1 })).toEqual({ passed: 11, failed: 1 });
        expect(readCoverageSummary({ total: { lines: { total: 200, covered: 175, skipped: 0, pct: 87.5 } } })).toBe(87.5);
        expect(readCoverageSummary({ total: { lines: { total: 3, covered: 2, pct: "Unknown" } } })).toBe(66.67);
    });
    it("rejects reports of the wrong shape", () => {
        expect(() => readTestReport({ numPassedTests: "3", numFailedTests: 0 })).toThrow(ReportError);
        expect(() => readCoverageSummary({ total: {} })).toThrow(/total.lines/);
    });
});
