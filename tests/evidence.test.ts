import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { evidenceSchema } from "../components/evidence";
import {
    buildEvidence,
    currentCommit,
    DEFAULT_OUT,
    InputError,
    listServices,
    main,
    parseArgs,
    parseCoverageSummary,
    parseVitestReport,
    readTrivyReport,
} from "../scripts/evidence";

describe("readTrivyReport", () => {
    it("counts the vulnerabilities of every result by severity, with the policy pack's parser", () => {
        const report = {
            SchemaVersion: 2,
            ArtifactName: "registry.example/catalog-api:1.4.0",
            Results: [
                {
                    Target: "debian 12",
                    Vulnerabilities: [
                        { VulnerabilityID: "CVE-1", Severity: "CRITICAL" },
                        { VulnerabilityID: "CVE-2", Severity: "HIGH" },
                        { VulnerabilityID: "CVE-3", Severity: "HIGH" },
                        { VulnerabilityID: "CVE-4", Severity: "LOW" },
                        // The same finding twice (same target, package and version) counts once.
                        { VulnerabilityID: "CVE-5", PkgName: "zlib", InstalledVersion: "1.0", Severity: "LOW" },
                        { VulnerabilityID: "CVE-5", PkgName: "zlib", InstalledVersion: "1.0", Severity: "LOW" },
                    ],
                },
                { Target: "app/package-lock.json", Vulnerabilities: [{ VulnerabilityID: "GHSA-1", Severity: "MEDIUM" }] },
                { Target: "app/node_modules", Vulnerabilities: null },
                { Target: "secrets" },
                { Target: "odd", Vulnerabilities: [{ VulnerabilityID: "X", Severity: "UNKNOWN" }, { VulnerabilityID: "Y", Severity: "NEGLIGIBLE" }, { VulnerabilityID: "Z" }] },
            ],
        };
        expect(readTrivyReport(report)).toEqual({ critical: 1, high: 2, medium: 1, low: 2, unknown: 3 });
    });

    it("reads a clean report (Results null or missing) as zero", () => {
        const zero = { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 };
        expect(readTrivyReport({ SchemaVersion: 2, Results: null })).toEqual(zero);
        expect(readTrivyReport({ SchemaVersion: 2 })).toEqual(zero);
        expect(readTrivyReport({ SchemaVersion: 2, Results: [] })).toEqual(zero);
    });

    it("refuses what is not a Trivy report, so a wrong file can't pass as clean", () => {
        expect(() => readTrivyReport({ runs: [] })).toThrow(/not a Trivy JSON report/);
        expect(() => readTrivyReport([])).toThrow(InputError);
        expect(() => readTrivyReport({ Results: {} })).toThrow(InputError);
        expect(() => readTrivyReport({ Results: {} })).toThrow(/Results must be an array/);
        expect(() => readTrivyReport({ Results: [{ Vulnerabilities: "many" }] })).toThrow(/Results\[0\]\.Vulnerabilities must be an array/);
    });
});

describe("parseVitestReport", () => {
    it("reads the counts of vitest's JSON reporter", () => {
        expect(
            parseVitestReport({ numTotalTests: 10, numPassedTests: 8, numFailedTests: 1, numPendingTests: 1, success: false, testResults: [] }),
        ).toEqual({ passed: 8, failed: 1, total: 10, success: false });
        expect(parseVitestReport({ numTotalTests: 3, numPassedTests: 3, numFailedTests: 0, success: true })).toEqual({
            passed: 3,
            failed: 0,
            total: 3,
            success: true,
        });
    });

    it("counts a test file that failed to load as a failed test", () => {
        const report = {
            numTotalTests: 2,
            numPassedTests: 2,
            numFailedTests: 0,
            success: false,
            testResults: [
                { name: "a.test.ts", status: "passed", assertionResults: [{}, {}] },
                { name: "b.test.ts", status: "failed", message: "SyntaxError", assertionResults: [] },
            ],
        };
        expect(parseVitestReport(report)).toEqual({ passed: 2, failed: 1, total: 3, success: false });
    });

    it("rejects a report without counts", () => {
        expect(() => parseVitestReport({ numTotalTests: "3" })).toThrow(/numPassedTests must be a non-negative integer/);
        expect(() => parseVitestReport(null)).toThrow(InputError);
    });
});

describe("parseCoverageSummary", () => {
    it("reads total line coverage", () => {
        expect(parseCoverageSummary({ total: { lines: { total: 179, covered: 157, skipped: 0, pct: 87.7 } } })).toEqual({ lines: 87.7 });
    });

    it("reads 'Unknown' (nothing measured) as 0, and rejects a summary without totals", () => {
        expect(parseCoverageSummary({ total: { lines: { total: 0, covered: 0, skipped: 0, pct: "Unknown" } } })).toEqual({ lines: 0 });
        expect(() => parseCoverageSummary({})).toThrow(/total\.lines is missing/);
        expect(() => parseCoverageSummary({ total: { lines: { total: 5, pct: 140 } } })).toThrow(/from 0 to 100/);
    });
});

describe("buildEvidence", () => {
    it("has the shape the evidence gate reads, with scanner none or trivy", () => {
        const now = new Date("2026-01-02T03:04:05.000Z");
        const base = { service: "catalog-api", version: "1.4.0", commit: "abc1234", tests: { passed: 5, failed: 1, total: 6 }, coverage: { lines: 80 }, now };
        const none = buildEvidence(base);
        expect(none).toEqual({
            service: "catalog-api",
            version: "1.4.0",
            commit: "abc1234",
            generatedAt: "2026-01-02T03:04:05.000Z",
            tests: { passed: 5, failed: 1, total: 6 },
            coverage: { lines: 80 },
            vulnerabilities: { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 },
            scanner: "none",
        });
        expect(evidenceSchema.parse(none)).toMatchObject({ scanner: "none" });
        const trivy = buildEvidence({ ...base, vulnerabilities: { critical: 1, high: 0, medium: 0, low: 2, unknown: 0 } });
        expect(trivy.scanner).toBe("trivy");
        expect(evidenceSchema.parse(trivy).vulnerabilities.critical).toBe(1);
    });
});

describe("parseArgs", () => {
    it("reads --service, --trivy, --out (also as --flag=value) and --all", () => {
        expect(parseArgs(["--service", "catalog-api"])).toEqual({ services: ["catalog-api"], all: false, out: DEFAULT_OUT });
        expect(parseArgs(["--service=orders-api", "--trivy", "r.json", "--out=dist/ev"])).toEqual({
            services: ["orders-api"],
            all: false,
            trivy: "r.json",
            out: "dist/ev",
        });
        expect(parseArgs(["--all", "--out", "x"])).toEqual({ services: [], all: true, out: "x" });
    });

    it("rejects bad command lines with a clear message", () => {
        expect(() => parseArgs([])).toThrow(/give --service <name> or --all/);
        expect(() => parseArgs(["--service"])).toThrow(/--service needs a value/);
        expect(() => parseArgs(["--service", "--all"])).toThrow(/--service needs a value/);
        expect(() => parseArgs(["--service", "../etc"])).toThrow(/not a service folder name/);
        expect(() => parseArgs(["--all", "--service", "a"])).toThrow(/either --service or --all/);
        expect(() => parseArgs(["--all", "--trivy", "r.json"])).toThrow(/single --service/);
        expect(() => parseArgs(["--verbose"])).toThrow(/unknown argument "--verbose"/);
    });
});

describe("evidence script", () => {
    it("records SLIPWAY_GIT_COMMIT when set, as the program's config does, else git HEAD", () => {
        expect(currentCommit({ SLIPWAY_GIT_COMMIT: "0123456789abcdef0123456789abcdef01234567" })).toBe("0123456789abcdef0123456789abcdef01234567");
        expect(currentCommit({ SLIPWAY_GIT_COMMIT: "main" })).toBeUndefined();
        expect(currentCommit({})).toMatch(/^([0-9a-f]{40}|unknown)$/);
    });

    it("lists the service folders that have a package.json", () => {
        expect(listServices()).toEqual(expect.arrayContaining(["catalog-api", "orders-api"]));
    });

    it("exits 2 and writes nothing on a usage or input error", async () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "evidence-test-"));
        try {
            expect(await main(["--service", "no-such-service", "--out", out])).toBe(2);
            const trivy = path.join(out, "sarif.json");
            fs.writeFileSync(trivy, JSON.stringify({ runs: [] }));
            expect(await main(["--service", "catalog-api", "--trivy", trivy, "--out", out])).toBe(2);
            expect(fs.readdirSync(out)).toEqual(["sarif.json"]);
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    });

    it("runs a service's tests with coverage and writes evidence the gate accepts", async () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "evidence-test-"));
        try {
            const trivy = path.join(out, "trivy.json");
            fs.writeFileSync(trivy, JSON.stringify({ SchemaVersion: 2, Results: [{ Vulnerabilities: [{ Severity: "HIGH" }, { Severity: "LOW" }] }] }));
            expect(await main(["--service", "catalog-api", "--trivy", trivy, "--out", out])).toBe(0);
            const evidence = evidenceSchema.parse(JSON.parse(fs.readFileSync(path.join(out, "catalog-api.json"), "utf8")));
            expect(evidence.service).toBe("catalog-api");
            expect(evidence.tests.failed).toBe(0);
            expect(evidence.tests.passed).toBe(evidence.tests.total);
            expect(evidence.tests.total).toBeGreaterThanOrEqual(10);
            expect(evidence.coverage.lines).toBeGreaterThan(50);
            expect(evidence.vulnerabilities).toEqual({ critical: 0, high: 1, medium: 0, low: 1, unknown: 0 });
            expect(evidence.scanner).toBe("trivy");
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    }, 120_000);
});
