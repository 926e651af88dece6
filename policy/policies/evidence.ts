/**
 * Evidence and traceability: each Slipway service version carries its own quality evidence
 * (tests, line coverage, vulnerability counts) and the commit it was built from.
 *
 * Scope: long-running workloads (Rollout, Deployment, StatefulSet, DaemonSet) labelled
 * `app.kubernetes.io/part-of: slipway`. Third-party objects (the Argo Rollouts controller, a
 * chart's own workloads) carry no Slipway evidence and are not asked for it. Set
 * `evidenceScope: "all"` to require evidence on every long-running workload instead.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { ObjectCache } from "../lib/cache";
import { stringMap } from "../lib/k8s";
import { EnforcementLevel, PodContext, podPolicy, schema } from "../lib/policy";
import { WorkloadKind } from "../lib/workloads";
import { EVIDENCE, LABELS, PART_OF, ReadEvidence, TRACEABILITY, readEvidence } from "../evidence/contract";

const EVIDENCE_KINDS: ReadonlySet<WorkloadKind> = new Set<WorkloadKind>(["Rollout", "Deployment", "StatefulSet", "DaemonSet"]);

type Scope = "slipway" | "all";

interface ScopeConfig {
    evidenceScope: Scope;
}

const scopeProperty = schema.oneOf(
    ["slipway", "all"],
    "slipway",
    "Which workloads must carry evidence: those labelled app.kubernetes.io/part-of: slipway, or all long-running workloads.",
);

function inScope(ctx: PodContext<ScopeConfig>): boolean {
    if (ctx.config.evidenceScope === "all") return true;
    return stringMap(ctx.workload.metadata.labels)[LABELS.partOf] === PART_OF;
}

const evidenceCache = new ObjectCache<object, ReadEvidence>();

function evidenceOf(ctx: PodContext<ScopeConfig>): ReadEvidence {
    const annotations = stringMap(ctx.workload.metadata.annotations);
    return evidenceCache.get(annotations) ?? evidenceCache.set(annotations, readEvidence(annotations));
}

const FIX = "the Slipway program sets it from the service's test run and image scan (see policy/README.md)";

interface PresentConfig extends ScopeConfig {
    requireEvidence: boolean;
}

export function evidencePresent(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return podPolicy<PresentConfig>(
        {
            name: "evidence-present",
            description:
                "Every Slipway service workload must carry well-formed quality evidence annotations (tests passed and failed, line coverage, " +
                "vulnerability counts by severity and the scanner used), so nothing unverified reaches production.",
            enforcementLevel,
            configSchema: {
                properties: {
                    requireEvidence: schema.boolean(true, "Require the evidence annotations on every in-scope workload."),
                    evidenceScope: scopeProperty,
                },
            },
        },
        (ctx) => {
            if (!inScope(ctx)) return;
            const { missing, malformed } = evidenceOf(ctx);
            if (ctx.config.requireEvidence && missing.length > 0) {
                ctx.report(`metadata.annotations is missing ${missing.join(", ")}; ${FIX}.`);
            }
            if (malformed.length > 0) {
                ctx.report(`metadata.annotations has malformed ${malformed.join(", ")} (counts must be whole numbers, coverage a percentage from 0 to 100); ${FIX}.`);
            }
        },
        { kinds: EVIDENCE_KINDS, includeWorkloadRef: true },
    );
}

export function evidenceTests(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return podPolicy<ScopeConfig>(
        {
            name: "evidence-tests",
            description: "A Slipway service version may only ship when its test run passed: no failed tests, and at least one test ran.",
            enforcementLevel,
            configSchema: { properties: { evidenceScope: scopeProperty } },
        },
        (ctx) => {
            if (!inScope(ctx)) return;
            const { testsPassed, testsFailed } = evidenceOf(ctx).evidence;
            if (testsFailed !== undefined && testsFailed > 0) {
                ctx.report(`metadata.annotations["${EVIDENCE.testsFailed}"] reports ${testsFailed} failed test(s); fix the tests and rebuild before deploying this version.`);
            }
            if (testsPassed === 0 && testsFailed === 0) {
                ctx.report(`metadata.annotations["${EVIDENCE.testsPassed}"] is 0, so no test ran; run the service's tests and record the result.`);
            }
        },
        { kinds: EVIDENCE_KINDS, includeWorkloadRef: true },
    );
}

interface CoverageConfig extends ScopeConfig {
    minCoverage: number;
}

export function evidenceCoverage(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return podPolicy<CoverageConfig>(
        {
            name: "evidence-coverage",
            description: "A Slipway service version must have line coverage at or above the configured threshold.",
            enforcementLevel,
            configSchema: {
                properties: {
                    minCoverage: schema.number(80, "Minimum line coverage in percent.", 0, 100),
                    evidenceScope: scopeProperty,
                },
            },
        },
        (ctx) => {
            if (!inScope(ctx)) return;
            const { coverageLines } = evidenceOf(ctx).evidence;
            if (coverageLines !== undefined && coverageLines < ctx.config.minCoverage) {
                ctx.report(
                    `metadata.annotations["${EVIDENCE.coverageLines}"] is ${coverageLines}%, below the required ${ctx.config.minCoverage}%; add tests for the new code before this version can ship.`,
                );
            }
        },
        { kinds: EVIDENCE_KINDS, includeWorkloadRef: true },
    );
}

interface VulnerabilityConfig extends ScopeConfig {
    maxCritical: number;
    maxHigh: number;
    requireScanner: boolean;
}

export function evidenceVulnerabilities(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return podPolicy<VulnerabilityConfig>(
        {
            name: "evidence-vulnerabilities",
            description:
                "A Slipway service image must not exceed the allowed vulnerability counts: no critical vulnerabilities by default, " +
                "and optionally a cap on high ones and a required scanner report.",
            enforcementLevel,
            configSchema: {
                properties: {
                    maxCritical: schema.integer(0, "Most critical vulnerabilities allowed.", 0),
                    maxHigh: schema.integer(-1, "Most high vulnerabilities allowed; -1 means no limit.", -1),
                    requireScanner: schema.boolean(false, "Require a real scanner report (scanner other than \"none\")."),
                    evidenceScope: scopeProperty,
                },
            },
        },
        (ctx) => {
            if (!inScope(ctx)) return;
            const { vulnerabilities, scanner } = evidenceOf(ctx).evidence;
            const { maxCritical, maxHigh, requireScanner } = ctx.config;
            if (vulnerabilities.critical !== undefined && vulnerabilities.critical > maxCritical) {
                ctx.report(
                    `metadata.annotations["${EVIDENCE.vulnsCritical}"] reports ${vulnerabilities.critical} critical vulnerabilit${vulnerabilities.critical === 1 ? "y" : "ies"} (allowed: ${maxCritical}); update the base image or dependencies and rescan.`,
                );
            }
            if (maxHigh >= 0 && vulnerabilities.high !== undefined && vulnerabilities.high > maxHigh) {
                ctx.report(`metadata.annotations["${EVIDENCE.vulnsHigh}"] reports ${vulnerabilities.high} high vulnerabilities (allowed: ${maxHigh}); update the image and rescan.`);
            }
            if (requireScanner && scanner !== undefined && scanner === "none") {
                ctx.report(`metadata.annotations["${EVIDENCE.scanner}"] is "none"; scan the image with Trivy and record its report.`);
            }
        },
        { kinds: EVIDENCE_KINDS, includeWorkloadRef: true },
    );
}

interface TraceabilityConfig extends ScopeConfig {
    requireTraceability: boolean;
}

export function workloadTraceability(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    const labels = [LABELS.name, LABELS.instance, LABELS.version, LABELS.partOf, LABELS.managedBy];
    return podPolicy<TraceabilityConfig>(
        {
            name: "workload-traceability",
            description:
                "Every Slipway service workload must name the git commit it was built from and its service, and carry the recommended " +
                "app.kubernetes.io labels, so what runs can be traced back to its source.",
            enforcementLevel,
            configSchema: {
                properties: {
                    requireTraceability: schema.boolean(true, "Require the commit and service annotations and the recommended labels."),
                    evidenceScope: scopeProperty,
                },
            },
        },
        (ctx) => {
            if (!ctx.config.requireTraceability || !inScope(ctx)) return;
            const annotations = stringMap(ctx.workload.metadata.annotations);
            const commit = annotations[TRACEABILITY.gitCommit];
            if (commit === undefined || commit.trim() === "") {
                ctx.report(`metadata.annotations["${TRACEABILITY.gitCommit}"] is missing; record the full commit SHA the image was built from.`);
            } else if (!/^[0-9a-f]{7,64}$/i.test(commit.trim())) {
                ctx.report(`metadata.annotations["${TRACEABILITY.gitCommit}"] is not a commit SHA; record the full hexadecimal commit SHA.`);
            }
            if (!annotations[TRACEABILITY.service]) {
                ctx.report(`metadata.annotations["${TRACEABILITY.service}"] is missing; name the Slipway service this workload belongs to.`);
            }
            const present = stringMap(ctx.workload.metadata.labels);
            const missing = labels.filter((label) => !present[label]);
            if (missing.length > 0) {
                ctx.report(`metadata.labels is missing ${missing.join(", ")}; add the recommended app.kubernetes.io labels.`);
            }
        },
        { kinds: EVIDENCE_KINDS, includeWorkloadRef: true },
    );
}

export function evidencePolicies(): ResourceValidationPolicy[] {
    return [evidencePresent(), evidenceTests(), evidenceCoverage(), evidenceVulnerabilities(), workloadTraceability()];
}
