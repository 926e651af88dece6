/**
 * The sample services run as real processes on 127.0.0.1, one per service, as the metric source the
 * local stack's analysis queries (`/metrics/summary`): the controller runs beside the simulated
 * cluster, whose pods are not real, so the real process stands in for the canary's endpoint.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { nodeBinDir, repoRoot, stateDir } from "./environment";

/** A running metric source. */
export interface MetricSource {
    service: string;
    port: number;
    pid: number;
    /** URL of its metrics summary. */
    url: string;
}

const pidDir = path.join(stateDir, "metric-sources");

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

/**
 * A GET on a fresh connection: the services close idle keep-alive sockets, and a pooled client
 * racing that close fails requests that never reached the server.
 */
function get(url: string): Promise<number> {
    return new Promise((resolve, reject) => {
        const request = http.get(url, { agent: false, headers: { connection: "close" } }, (response) => {
            response.resume();
            response.on("end", () => resolve(response.statusCode ?? 0));
        });
        request.on("error", reject);
        request.setTimeout(5000, () => request.destroy(new Error(`GET ${url} timed out`)));
    });
}

async function waitForReady(url: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
        try {
            const status = await get(url);
            if (status === 200) {
                return;
            }
            last = `HTTP ${status}`;
        } catch (error) {
            last = (error as Error).message;
        }
        await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`metric source at ${url} not ready after ${timeoutMs} ms (${last})`);
}

/**
 * Starts `services/<service>/src/main.ts` on a free loopback port with the given fault rate, detached
 * so it outlives the main job; its pid file lets `stopMetricSources` find it.
 */
export async function startMetricSource(service: string, options: { faultRate?: number; commit?: string; version?: string } = {}): Promise<MetricSource> {
    const main = path.join(repoRoot, "services", service, "src/main.ts");
    if (!fs.existsSync(main)) {
        throw new Error(`no metric source for ${service}: ${path.relative(repoRoot, main)} not found`);
    }
    fs.mkdirSync(pidDir, { recursive: true });
    const port = await freePort();
    const log = fs.openSync(path.join(pidDir, `${service}.log`), "a");
    const child = spawn(path.join(nodeBinDir, "node"), ["--import", "tsx", main], {
        cwd: repoRoot,
        detached: true,
        stdio: ["ignore", log, log],
        env: {
            ...process.env,
            HOST: "127.0.0.1",
            PORT: String(port),
            SLIPWAY_FAULT_RATE: String(options.faultRate ?? 0),
            SLIPWAY_SHUTDOWN_DELAY_MS: "0",
            GIT_COMMIT: options.commit ?? "unknown",
            SERVICE_VERSION: options.version ?? "0.0.0",
        },
    });
    child.unref();
    fs.writeFileSync(path.join(pidDir, `${service}.pid`), String(child.pid));
    const source = { service, port, pid: child.pid!, url: `http://127.0.0.1:${port}/metrics/summary` };
    await waitForReady(`http://127.0.0.1:${port}/readyz`, 30_000);
    return source;
}

/** Sends business traffic so the summary has requests (and, with a fault rate, errors) to report. */
export async function sendTraffic(source: MetricSource, requests: number, route: string): Promise<{ ok: number; failed: number }> {
    let ok = 0;
    let failed = 0;
    for (let i = 0; i < requests; i++) {
        const status = await get(`http://127.0.0.1:${source.port}${route}`);
        if (status >= 500) {
            failed++;
        } else {
            ok++;
        }
    }
    return { ok, failed };
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

/** Stops one service's metric source (or all) and removes their pid files. */
export async function stopMetricSources(service?: string): Promise<void> {
    if (!fs.existsSync(pidDir)) {
        return;
    }
    for (const file of fs.readdirSync(pidDir).filter((f) => f.endsWith(".pid"))) {
        if (service && file !== `${service}.pid`) {
            continue;
        }
        const pid = Number(fs.readFileSync(path.join(pidDir, file), "utf8"));
        if (pid > 0 && alive(pid)) {
            process.kill(pid, "SIGTERM");
            const deadline = Date.now() + 5000;
            while (alive(pid) && Date.now() < deadline) {
                await new Promise((r) => setTimeout(r, 100));
            }
            if (alive(pid)) {
                process.kill(pid, "SIGKILL");
            }
        }
        fs.rmSync(path.join(pidDir, file));
    }
}
