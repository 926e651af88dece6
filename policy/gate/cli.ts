/**
 * The gate: runs the Slipway policy pack on plain Kubernetes YAML, so a service's own CI can check
 * `helm template` output or any manifests with the same policies and per-stack config as
 * `pulumi preview --policy-pack policy --policy-pack-config policy/config/<stack>.json`.
 *
 *   npm run gate -- --stack prod manifests/ chart.yaml -
 *
 * Prints one line per violation (`<LEVEL> <policy> <kind>/<name>: <message>`) and a summary.
 * Exit codes: 0 no mandatory violation, 1 at least one mandatory violation, 2 unusable input or
 * arguments (unreadable or malformed file, unknown stack, bad config).
 */
import { Command, CommanderError, Option } from "commander";
import { PackConfig, PackConfigError, Violation, evaluate } from "../engine";
import { STACKS, isStackName, loadPackConfigFile, loadStackConfig, readDigestList, withVerifiedDigests } from "../stacks";
import { InputError, loadInputs } from "./load";

export interface GateIo {
    stdout(text: string): void;
    stderr(text: string): void;
    readStdin(): Promise<string>;
}

export const EXIT_OK = 0;
export const EXIT_VIOLATIONS = 1;
export const EXIT_BAD_INPUT = 2;

interface GateOptions {
    stack: string;
    config?: string;
    verifiedDigests?: string;
    format: "text" | "json";
}

/** `<LEVEL> <policy> <kind>/<name>: <message>`, without repeating the `Kind/name: ` the message starts with. */
export function formatViolation(violation: Violation): string {
    const ref = `${violation.kind}/${violation.name}`;
    const message = violation.message.startsWith(`${ref}: `) ? violation.message.slice(ref.length + 2) : violation.message;
    return `${violation.level.toUpperCase()} ${violation.policy} ${ref}: ${message.replace(/[\r\n]+/g, " ")}`;
}

export function summarize(violations: readonly Violation[], objects: number, stack: string): string {
    const mandatory = violations.filter((v) => v.level === "mandatory").length;
    const advisory = violations.length - mandatory;
    const verdict = mandatory > 0 ? "FAILED" : "PASSED";
    return `gate ${verdict}: ${objects} object(s) checked with the ${stack} policies: ${mandatory} mandatory, ${advisory} advisory violation(s)`;
}

function buildCommand(io: GateIo): Command {
    return new Command()
        .name("gate")
        .description("Check Kubernetes YAML with the Slipway policy pack (same policies and per-stack config as pulumi preview).")
        .addOption(new Option("--stack <stack>", `stack whose policy config applies (${STACKS.join(", ")})`).makeOptionMandatory())
        .option("--config <file>", "use this policy pack config file instead of policy/config/<stack>.json")
        .option("--verified-digests <file>", "also accept these digests verified in dev (JSON array or one per line) for the promotion check")
        .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
        .argument("<inputs...>", "YAML/JSON files, directories (searched recursively for *.yaml, *.yml, *.json) or - for stdin")
        .exitOverride()
        .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) })
        .showHelpAfterError(false);
}

/** Runs the gate with CLI arguments (without `node` and the script) and returns the exit code. */
export async function main(argv: readonly string[], io: GateIo): Promise<number> {
    const command = buildCommand(io);
    try {
        command.parse([...argv], { from: "user" });
    } catch (error) {
        if (error instanceof CommanderError) {
            return error.code === "commander.helpDisplayed" || error.code === "commander.version" ? EXIT_OK : EXIT_BAD_INPUT;
        }
        throw error;
    }
    const options = command.opts<GateOptions>();
    const inputs = command.args;

    if (!isStackName(options.stack)) {
        io.stderr(`gate: error: unknown stack "${options.stack}"; expected one of ${STACKS.join(", ")}\n`);
        return EXIT_BAD_INPUT;
    }
    let config: PackConfig;
    try {
        config = options.config ? loadPackConfigFile(options.config) : loadStackConfig(options.stack);
        if (options.verifiedDigests) config = withVerifiedDigests(config, readDigestList(options.verifiedDigests));
    } catch (error) {
        io.stderr(`gate: error: invalid policy pack config: ${(error as Error).message}\n`);
        return EXIT_BAD_INPUT;
    }

    let resources;
    try {
        ({ resources } = await loadInputs(inputs, io.readStdin));
    } catch (error) {
        if (error instanceof InputError) {
            io.stderr(`gate: error: ${error.message}\n`);
            return EXIT_BAD_INPUT;
        }
        throw error;
    }

    let violations: Violation[];
    try {
        violations = evaluate(resources, config);
    } catch (error) {
        if (error instanceof PackConfigError) {
            io.stderr(`gate: error: invalid policy pack config: ${error.message}\n`);
            return EXIT_BAD_INPUT;
        }
        throw error;
    }

    const mandatory = violations.some((violation) => violation.level === "mandatory");
    if (options.format === "json") {
        io.stdout(
            `${JSON.stringify(
                {
                    stack: options.stack,
                    objects: resources.length,
                    passed: !mandatory,
                    violations,
                },
                null,
                2,
            )}\n`,
        );
    } else {
        const lines = violations.map(formatViolation);
        lines.push(summarize(violations, resources.length, options.stack));
        io.stdout(`${lines.join("\n")}\n`);
    }
    return mandatory ? EXIT_VIOLATIONS : EXIT_OK;
}

function readProcessStdin(): Promise<string> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        process.stdin.on("data", (chunk: Buffer) => chunks.push(chunk));
        process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        process.stdin.on("error", reject);
    });
}

if (require.main === module) {
    main(process.argv.slice(2), {
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
        readStdin: readProcessStdin,
    }).then(
        (code) => {
            process.exitCode = code;
        },
        (error: unknown) => {
            process.stderr.write(`gate: internal error: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
            process.exitCode = EXIT_BAD_INPUT;
        },
    );
}
