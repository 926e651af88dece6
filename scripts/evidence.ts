/**
 * Produces a service's quality evidence, for real: runs the service's tests with vitest and V8
 * coverage, counts the vulnerabilities of an optional Trivy JSON report, and writes
 * `<out>/<service>.json` for the policy pack's evidence gate (see components/evidence.ts).
 *
 *   npm exec -- tsx scripts/evidence.ts --service catalog-api [--trivy report.json] [--out <dir>]
 *   npm exec -- tsx scripts/evidence.ts --all [--out <dir>]
 *
 * Exit status: 0 when the tests pass, 1 when tests fail (the evidence is still written, with the
 * failed counts, so the gate can report it), 2 on a usage or input error (nothing is written).
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { countTrivyVulnerabilities, TrivyReportError } from "../policy/evidence/trivy";

export interface SeverityCounts {
    critical: number;
    high: number;
    medium: number;
    low: number;
    unknown: number;
}

export interface TestCounts {
    passed: number;
    failed: number;
    total: number;
}

export interface Evidence {
    service: string;
    version: string;
    commit: string;
    generatedAt: string;
    tests: TestCounts;
    coverage: { lines: number };
    vulnerabilities: SeverityCounts;
    scanner: "trivy" | "none";
}

export interface Options {
    /** Services to produce evidence for (folder names under services/). */
    services: string[];
    /** `--all`: every folder under services/ that has a package.json. */
    all: boolean;
    /** Trivy JSON report of the service's image (only with a single --service). */
    trivy?: string;
    /** Output directory; default `.slipway/evidence`. */
    out: string;
}

/** A problem with the command line or an input file: reported, exit 2, nothing written. */
export class InputError extends Error {
    override name = "InputError";
}

export const DEFAULT_OUT = path.join(".slipway", "evidence");
const SERVICE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const USAGE = "usage: tsx scripts/evidence.ts (--service <name> [--trivy <report.json>] | --all) [--out <dir>]";

export function parseArgs(argv: readonly string[]): Options {
    const options: Options = { services: [], all: false, out: DEFAULT_OUT };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i] ?? "";
        const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
        const value = (): string => {
            const v = inline ?? argv[++i];
            if (v === undefined || v === "" || (inline === undefined && v.startsWith("--"))) {
                throw new InputError(`${flag} needs a value\n${USAGE}`);
            }
            return v;
        };
        switch (flag) {
            case "--service": {
                const name = value();
                if (!SERVICE_NAME.test(name)) {
                    throw new InputError(`--service ${JSON.stringify(name)} is not a service folder name (lowercase letters, digits and '-')`);
                }
                options.services.push(name);
                break;
            }
            case "--all":
                options.all = true;
                break;
            case "--trivy":
                options.trivy = value();
                break;
            case "--out":
                options.out = value();
                break;
            case "--help":
            case "-h":
                throw new InputError(USAGE);
            default:
                throw new InputError(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`);
        }
    }
    if (options.all && options.services.length > 0) throw new InputError(`give either --service or --all, not both\n${USAGE}`);
    if (!options.all && options.services.length === 0) throw new InputError(`give --service <name> or --all\n${USAGE}`);
    if (options.trivy !== undefined && (options.all || options.services.length > 1)) {
        throw new InputError("--trivy is the report of one image: use it with a single --service");
    }
    return options;
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Vulnerability counts of a Trivy JSON report (`trivy image --format json`), counted by the policy
 * pack's own parser so that the script and the gate agree. A file that doesn't look like a Trivy
 * report at all (no SchemaVersion, no Results: a SARIF or table output, say) is refused here, so
 * that a wrong file can't pass as "no vulnerabilities".
 */
export function readTrivyReport(report: unknown): SeverityCounts {
    if (!isRecord(report) || !("SchemaVersion" in report || "Results" in report)) {
        throw new InputError("not a Trivy JSON report (expected an object with SchemaVersion and Results; use trivy --format json)");
    }
    try {
        const { critical, high, medium, low, unknown } = countTrivyVulnerabilities(report);
        return { critical, high, medium, low, unknown };
    } catch (err) {
        if (err instanceof TrivyReportError) throw new InputError(err.message);
        throw err;
    }
}

function count(report: Record<string, unknown>, key: string): number {
    const value = report[key];
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
        throw new InputError(`vitest JSON report: ${key} must be a non-negative integer`);
    }
    return value;
}

/**
 * Test counts from vitest's JSON reporter. A test file that fails before any test runs (a syntax
 * or import error) reports no tests; it counts as one failed test so that it can't go unnoticed.
 */
export function parseVitestReport(report: unknown): TestCounts & { success: boolean } {
    if (!isRecord(report)) throw new InputError("vitest JSON report: expected an object");
    const passed = count(report, "numPassedTests");
    let failed = count(report, "numFailedTests");
    let total = count(report, "numTotalTests");
    const files = Array.isArray(report.testResults) ? (report.testResults as unknown[]) : [];
    for (const file of files) {
        if (isRecord(file) && file.status === "failed" && (!Array.isArray(file.assertionResults) || file.assertionResults.length === 0)) {
            failed++;
            total++;
        }
    }
    return { passed, failed, total, success: report.success === true && failed === 0 };
}

/**
 * Line coverage percentage from a coverage `json-summary` report (`coverage-summary.json`).
 * With nothing to measure, istanbul writes "Unknown": that is 0, not 100.
 */
export function parseCoverageSummary(summary: unknown): { lines: number } {
    const lines = isRecord(summary) && isRecord(summary.total) && isRecord(summary.total.lines) ? summary.total.lines : undefined;
    if (!lines) throw new InputError("coverage summary: total.lines is missing");
    const pct = lines.pct;
    if (typeof pct === "number" && Number.isFinite(pct) && pct >= 0 && pct <= 100) return { lines: pct };
    if (lines.total === 0) return { lines: 0 };
    throw new InputError("coverage summary: total.lines.pct must be a number from 0 to 100");
}

export function buildEvidence(args: {
    service: string;
    version: string;
    commit: string;
    tests: TestCounts;
    coverage: { lines: number };
    vulnerabilities?: SeverityCounts;
    now?: Date;
}): Evidence {
    return {
        service: args.service,
        version: args.version,
        commit: args.commit,
        generatedAt: (args.now ?? new Date()).toISOString(),
        tests: { passed: args.tests.passed, failed: args.tests.failed, total: args.tests.total },
        coverage: { lines: args.coverage.lines },
        vulnerabilities: args.vulnerabilities ?? { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 },
        scanner: args.vulnerabilities ? "trivy" : "none",
    };
}

// ---------------------------------------------------------------------------------------------
// Side effects: git, vitest, files.

const ROOT = path.resolve(__dirname, "..");

/** Folders under services/ that have a package.json, sorted. */
export function listServices(root = ROOT): string[] {
    const dir = path.join(root, "services");
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, "package.json")))
        .map((e) => e.name)
        .sort();
}

function git(args: string[]): string | undefined {
    const r = spawnSync("git", args, { cwd: ROOT, encoding: "utf8" });
    return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * The commit the evidence is for: SLIPWAY_GIT_COMMIT when set (as the program's config reads it, so
 * both agree in CI), else `git rev-parse HEAD`, else "unknown". Undefined when the variable is malformed.
 */
export function currentCommit(env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
    const fromEnv = env.SLIPWAY_GIT_COMMIT;
    if (fromEnv) return /^[0-9a-f]{7,40}$/.test(fromEnv) ? fromEnv : undefined;
    return git(["rev-parse", "HEAD"]) ?? "unknown";
}

function readJson(file: string, what: string): unknown {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new InputError(`${what} ${file} can't be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    try {
        return JSON.parse(text);
    } catch {
        throw new InputError(`${what} ${file} is not valid JSON`);
    }
}

function serviceVersion(service: string): string {
    const pkg = readJson(path.join(ROOT, "services", service, "package.json"), "package.json");
    if (!isRecord(pkg) || typeof pkg.version !== "string" || pkg.version === "") {
        throw new InputError(`services/${service}/package.json has no version`);
    }
    return pkg.version;
}

/** Runs the service's tests under the root vitest config, with V8 coverage of its src/ only. */
async function runTests(service: string, work: string): Promise<{ exitCode: number | null; tests: TestCounts & { success: boolean }; coverage: { lines: number } }> {
    const results = path.join(work, "results.json");
    const coverageDir = path.join(work, "coverage");
    const vitest = path.join(path.dirname(require.resolve("vitest/package.json", { paths: [ROOT] })), "vitest.mjs");
    const args = [
        vitest,
        "run",
        `services/${service}/`,
        "--coverage.enabled=true",
        "--coverage.provider=v8",
        `--coverage.include=services/${service}/src/**`,
        "--coverage.reporter=json-summary",
        `--coverage.reportsDirectory=${coverageDir}`,
        "--coverage.reportOnFailure=true",
        "--reporter=default",
        "--reporter=json",
        `--outputFile.json=${results}`,
    ];
    const exitCode = await new Promise<number | null>((resolve, reject) => {
        const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
        child.on("error", reject);
        child.on("exit", (code) => resolve(code));
    });
    const noTests = { passed: 0, failed: 0, total: 0, success: false };
    const tests = fs.existsSync(results) ? parseVitestReport(readJson(results, "vitest JSON report")) : noTests;
    const summary = path.join(coverageDir, "coverage-summary.json");
    const coverage = fs.existsSync(summary) ? parseCoverageSummary(readJson(summary, "coverage summary")) : { lines: 0 };
    return { exitCode, tests: exitCode === 0 ? tests : { ...tests, success: false }, coverage };
}

/** Writes the file atomically, so the gate never reads half an evidence file. */
function writeEvidence(out: string, evidence: Evidence): string {
    fs.mkdirSync(out, { recursive: true });
    const file = path.join(out, `${evidence.service}.json`);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(evidence, null, 2)}\n`);
    fs.renameSync(tmp, file);
    return file;
}

/** Produces one service's evidence; resolves to whether its tests passed. */
async function evidenceFor(service: string, options: Options, commit: string): Promise<boolean> {
    if (!fs.existsSync(path.join(ROOT, "services", service, "package.json"))) {
        throw new InputError(`services/${service}/package.json not found: known services are ${listServices().join(", ") || "(none)"}`);
    }
    const version = serviceVersion(service);
    const vulnerabilities = options.trivy === undefined ? undefined : readTrivyReport(readJson(path.resolve(options.trivy), "Trivy report"));
    if (commit !== "unknown" && git(["status", "--porcelain", "--", `services/${service}`])) {
        process.stderr.write(`evidence: warning: services/${service} has uncommitted changes; the evidence is recorded for ${commit}\n`);
    }

    const work = fs.mkdtempSync(path.join(os.tmpdir(), `slipway-evidence-${service}-`));
    try {
        const run = await runTests(service, work);
        const evidence = buildEvidence({ service, version, commit, tests: run.tests, coverage: run.coverage, vulnerabilities });
        const file = writeEvidence(path.resolve(ROOT, options.out), evidence);
        const v = evidence.vulnerabilities;
        process.stdout.write(
            `evidence: ${service}@${version} (${commit.slice(0, 12)}): tests ${evidence.tests.passed}/${evidence.tests.total} passed, ` +
                `${evidence.tests.failed} failed; lines ${evidence.coverage.lines}%; vulnerabilities critical ${v.critical} high ${v.high} ` +
                `medium ${v.medium} low ${v.low} unknown ${v.unknown} (scanner ${evidence.scanner}) -> ${path.relative(process.cwd(), file)}\n`,
        );
        if (!run.tests.success) process.stderr.write(`evidence: ${service}: tests failed (vitest exit ${run.exitCode ?? "signal"})\n`);
        return run.tests.success;
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
}

export async function main(argv: readonly string[]): Promise<number> {
    let options: Options;
    try {
        options = parseArgs(argv);
    } catch (err) {
        process.stderr.write(`evidence: ${(err as Error).message}\n`);
        return 2;
    }
    const services = options.all ? listServices() : options.services;
    const commit = currentCommit();
    if (commit === undefined) {
        process.stderr.write("evidence: SLIPWAY_GIT_COMMIT must be a git commit hash (7 to 40 hex characters)\n");
        return 2;
    }
    let ok = true;
    try {
        for (const service of services) {
            ok = (await evidenceFor(service, options, commit)) && ok;
        }
    } catch (err) {
        if (err instanceof InputError) {
            process.stderr.write(`evidence: ${err.message}\n`);
            return 2;
        }
        throw err;
    }
    return ok ? 0 : 1;
}

if (typeof require !== "undefined" && require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (err: unknown) => {
            process.stderr.write(`evidence: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
            process.exit(2);
        },
    );
}
