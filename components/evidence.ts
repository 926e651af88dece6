/**
 * Quality evidence of a service version (test results, coverage, vulnerability counts), produced by
 * the service's own test run (`scripts/evidence.ts`) and carried on its workload as annotations, where
 * the policy pack's evidence gate reads it.
 */
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { evidenceAnnotations as contractAnnotations } from "../policy/evidence/contract";

const count = z.number().int().min(0);

export const evidenceSchema = z.object({
    /** Service the evidence is about. */
    service: z.string(),
    /** Version tested. */
    version: z.string(),
    /** Commit tested. */
    commit: z.string(),
    /** When the evidence was produced. */
    generatedAt: z.string().optional(),
    /** Test results. */
    tests: z.object({ passed: count, failed: count, total: count }),
    /** Line coverage percentage. */
    coverage: z.object({ lines: z.number().min(0).max(100) }),
    /** Vulnerabilities by severity (from a Trivy report, or zeros with scanner "none"). */
    vulnerabilities: z.object({ critical: count, high: count, medium: count, low: count, unknown: count.default(0) }),
    /** The scanner that produced the counts. */
    scanner: z.string().default("none"),
});
export type Evidence = z.infer<typeof evidenceSchema>;

/** The annotations that carry the evidence on a workload, in the policy pack's contract. */
export function evidenceAnnotations(evidence: Evidence | undefined): Record<string, string> {
    if (!evidence) {
        return {};
    }
    return contractAnnotations({
        testsPassed: evidence.tests.passed,
        testsFailed: evidence.tests.failed,
        coverageLines: evidence.coverage.lines,
        vulnerabilities: evidence.vulnerabilities,
        scanner: evidence.scanner === "trivy" ? "trivy" : "none",
    });
}

/**
 * Reads `<dir>/<service>.json` when it is evidence for exactly this commit; evidence of another
 * commit says nothing about the image being deployed, so it counts as missing.
 */
export function readEvidence(dir: string, service: string, commit: string): Evidence | undefined {
    const file = path.join(dir, `${service}.json`);
    if (!fs.existsSync(file)) {
        return undefined;
    }
    let json: unknown;
    try {
        json = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch {
        throw new Error(`${file}: evidence is not valid JSON; regenerate it with npm run evidence`);
    }
    const parsed = evidenceSchema.safeParse(json);
    if (!parsed.success) {
        const first = parsed.error.issues[0];
        throw new Error(`${file}: ${first?.path.join(".") || "evidence"}: ${first?.message ?? "invalid"}; regenerate it with npm run evidence`);
    }
    const sameCommit = parsed.data.commit === commit || (commit.length >= 7 && parsed.data.commit.startsWith(commit)) || commit.startsWith(parsed.data.commit);
    return parsed.data.service === service && sameCommit ? parsed.data : undefined;
}
