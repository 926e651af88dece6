import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { evidenceAnnotations, readEvidence } from "../components/evidence";

function dirWith(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-ev-"));
    for (const [name, text] of Object.entries(files)) {
        fs.writeFileSync(path.join(dir, name), text);
    }
    return dir;
}

const evidence = {
    service: "a",
    version: "1.0.0",
    commit: "abcdef1234567890",
    tests: { passed: 3, failed: 1, total: 4 },
    coverage: { lines: 77.777 },
    vulnerabilities: { critical: 2, high: 0, medium: 0, low: 0, unknown: 0 },
    scanner: "trivy",
};

describe("evidence on workloads", () => {
    it("reads evidence for the same commit (full or abbreviated) and ignores other commits", () => {
        const dir = dirWith({ "a.json": JSON.stringify(evidence) });
        expect(readEvidence(dir, "a", "abcdef1234567890")?.tests.failed).toBe(1);
        expect(readEvidence(dir, "a", "abcdef1")?.coverage.lines).toBe(77.777);
        expect(readEvidence(dir, "a", "1234567")).toBeUndefined();
        expect(readEvidence(dir, "b", "abcdef1")).toBeUndefined();
    });

    it("fails clearly on malformed evidence, naming the file and field", () => {
        const dir = dirWith({ "a.json": "{", "b.json": JSON.stringify({ ...evidence, service: "b", coverage: { lines: 140 } }) });
        expect(() => readEvidence(dir, "a", "abcdef1")).toThrow(/a\.json: evidence is not valid JSON/);
        expect(() => readEvidence(dir, "b", "abcdef1")).toThrow(/b\.json: coverage\.lines: Too big/);
    });

    it("turns evidence into the annotations the gate reads", () => {
        expect(evidenceAnnotations(evidence)).toEqual({
            "evidence.slipway.dev/tests-passed": "3",
            "evidence.slipway.dev/tests-failed": "1",
            "evidence.slipway.dev/coverage-lines": "77.78",
            "evidence.slipway.dev/vulns-critical": "2",
            "evidence.slipway.dev/vulns-high": "0",
            "evidence.slipway.dev/vulns-medium": "0",
            "evidence.slipway.dev/vulns-low": "0",
            "evidence.slipway.dev/scanner": "trivy",
        });
        expect(evidenceAnnotations(undefined)).toEqual({});
    });
});
