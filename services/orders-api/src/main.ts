import type { AddressInfo } from "node:net";
import { createApp, type App } from "./app";

export const SERVICE_NAME = "orders-api";

/** Everything the process reads from its environment, validated. */
export interface ServiceConfig {
    /** PORT: TCP port to listen on (0 picks a free one); default 8080. */
    port: number;
    /** HOST: address to bind; default 0.0.0.0. */
    host: string;
    /** SERVICE_VERSION: version baked into the image; default "unknown". */
    version: string;
    /** GIT_COMMIT: commit the image was built from; default "unknown". */
    commit: string;
    /** GIT_SOURCE: repository the commit belongs to; default "unknown". */
    source: string;
    /** SLIPWAY_FAULT_RATE: fraction (0..1) of business requests answered 500; default 0. */
    faultRate: number;
    /** SLIPWAY_SHUTDOWN_DELAY_MS: how long to keep serving with readiness 503 before closing; default 5000. */
    shutdownDelayMs: number;
}

/** A bad environment: lists every problem, each naming the variable and what was expected. */
export class ConfigError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`invalid environment for ${SERVICE_NAME}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

const VERSION_RE = /^[0-9A-Za-z][0-9A-Za-z._+-]{0,127}$/;
const COMMIT_RE = /^(?:[0-9a-f]{7,64}|unknown)$/;

/** Validates the process environment. Unset and empty variables take their defaults. */
export function parseEnv(env: Readonly<Record<string, string | undefined>>): ServiceConfig {
    const problems: string[] = [];
    const read = (key: string): string | undefined => {
        const value = env[key]?.trim();
        return value === undefined || value === "" ? undefined : value;
    };
    const integer = (key: string, fallback: number, min: number, max: number): number => {
        const raw = read(key);
        if (raw === undefined) return fallback;
        const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
        if (!(value >= min && value <= max)) {
            problems.push(`${key} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
            return fallback;
        }
        return value;
    };
    const matching = (key: string, re: RegExp, expected: string): string => {
        const raw = read(key);
        if (raw === undefined) return "unknown";
        if (!re.test(raw)) problems.push(`${key} must be ${expected}, got ${JSON.stringify(raw)}`);
        return raw;
    };

    const port = integer("PORT", 8080, 0, 65535);
    const host = read("HOST") ?? "0.0.0.0";
    if (/\s/.test(host)) problems.push(`HOST must be a host name or IP address, got ${JSON.stringify(host)}`);
    const version = matching("SERVICE_VERSION", VERSION_RE, "a version such as 1.4.2 (letters, digits, . _ + -)");
    const commit = matching("GIT_COMMIT", COMMIT_RE, 'a lowercase hex git commit (7 to 64 characters) or "unknown"');
    const source = matching("GIT_SOURCE", /^\S{1,512}$/, "a repository URL without spaces");

    let faultRate = 0;
    const rawFault = read("SLIPWAY_FAULT_RATE");
    if (rawFault !== undefined) {
        const value = /^[0-9.eE+-]+$/.test(rawFault) ? Number(rawFault) : NaN;
        if (!(value >= 0 && value <= 1)) {
            problems.push(`SLIPWAY_FAULT_RATE must be a number from 0 to 1, got ${JSON.stringify(rawFault)}`);
        } else {
            faultRate = value;
        }
    }
    const shutdownDelayMs = integer("SLIPWAY_SHUTDOWN_DELAY_MS", 5000, 0, 600_000);

    if (problems.length > 0) throw new ConfigError(problems);
    return { port, host, version, commit, source, faultRate, shutdownDelayMs };
}

type Log = (msg: string, fields?: Record<string, unknown>) => void;

const jsonLog: Log = (msg, fields = {}) => {
    process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), service: SERVICE_NAME, msg, ...fields })}\n`);
};

/** A listening service and the way to stop it gracefully. */
export interface RunningService {
    app: App;
    /** The bound address, e.g. http://127.0.0.1:8080 (the real port when PORT=0). */
    url: string;
    port: number;
    /**
     * Graceful shutdown: readiness goes 503 at once, the server keeps answering for
     * `shutdownDelayMs` (so Kubernetes removes the pod from the endpoints), then stops
     * accepting connections and resolves once in-flight requests have finished.
     */
    shutdown(): Promise<void>;
}

export async function start(config: ServiceConfig, log: Log = jsonLog): Promise<RunningService> {
    const app = createApp({
        service: SERVICE_NAME,
        version: config.version,
        commit: config.commit,
        source: config.source,
        faultRate: config.faultRate,
        defaultMetrics: true,
    });
    await new Promise<void>((resolve, reject) => {
        app.once("error", reject);
        app.listen(config.port, config.host, () => {
            app.off("error", reject);
            resolve();
        });
    });
    const { port } = app.address() as AddressInfo;
    const urlHost = config.host.includes(":") ? `[${config.host}]` : config.host;
    const url = `http://${urlHost}:${port}`;
    log("listening", { url, port, version: config.version, commit: config.commit, faultRate: config.faultRate });

    let stopping: Promise<void> | undefined;
    const shutdown = (): Promise<void> => {
        stopping ??= (async () => {
            app.beginShutdown();
            log("shutdown started: readiness is now 503", { drainMs: config.shutdownDelayMs });
            await new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs));
            await new Promise<void>((resolve) => {
                app.close(() => resolve());
                app.closeIdleConnections();
                // Don't let a client holding a connection open keep the pod alive forever.
                setTimeout(() => app.closeAllConnections(), 10_000).unref();
            });
            log("server closed");
        })();
        return stopping;
    };
    return { app, url, port, shutdown };
}

/** Process entry point: validate the environment, listen, and stop gracefully on SIGTERM/SIGINT. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
    let config: ServiceConfig;
    try {
        config = parseEnv(env);
    } catch (err) {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
    }
    // A closed stdout (a log collector gone away) must not crash the service.
    process.stdout.on("error", () => undefined);
    const running = await start(config);
    const onSignal = (signal: NodeJS.Signals): void => {
        jsonLog("signal received", { signal });
        running.shutdown().then(
            () => process.exit(0),
            (err: unknown) => {
                process.stderr.write(`shutdown failed: ${String(err)}\n`);
                process.exit(1);
            },
        );
    };
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
}

if (typeof require !== "undefined" && require.main === module) {
    main().catch((err: unknown) => {
        process.stderr.write(`${SERVICE_NAME} failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
    });
}
