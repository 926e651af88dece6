import { spawn } from "node:child_process";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, parseEnv, start, type RunningService } from "../src/main";

const MAIN = path.resolve(__dirname, "../src/main.ts");

describe("parseEnv", () => {
    it("applies defaults when nothing is set", () => {
        expect(parseEnv({})).toEqual({
            port: 8080,
            host: "0.0.0.0",
            version: "unknown",
            commit: "unknown",
            source: "unknown",
            faultRate: 0,
            shutdownDelayMs: 5000,
        });
    });

    it("reads every variable, and treats empty values as unset", () => {
        expect(
            parseEnv({
                PORT: "9090",
                HOST: "127.0.0.1",
                SERVICE_VERSION: "1.4.2-rc.1",
                GIT_COMMIT: "3f2a9c1d0e",
                GIT_SOURCE: "https://github.com/example/slipway",
                SLIPWAY_FAULT_RATE: "0.25",
                SLIPWAY_SHUTDOWN_DELAY_MS: "0",
            }),
        ).toEqual({
            port: 9090,
            host: "127.0.0.1",
            version: "1.4.2-rc.1",
            commit: "3f2a9c1d0e",
            source: "https://github.com/example/slipway",
            faultRate: 0.25,
            shutdownDelayMs: 0,
        });
        expect(parseEnv({ PORT: "", GIT_COMMIT: "", SLIPWAY_FAULT_RATE: " " })).toMatchObject({
            port: 8080,
            commit: "unknown",
            faultRate: 0,
        });
    });

    it("rejects bad values, naming every variable and what was expected", () => {
        let error: unknown;
        try {
            parseEnv({ PORT: "80a", SLIPWAY_FAULT_RATE: "1.5", GIT_COMMIT: "not-a-sha", SERVICE_VERSION: "1 2" });
        } catch (err) {
            error = err;
        }
        expect(error).toBeInstanceOf(ConfigError);
        const problems = (error as ConfigError).problems;
        expect(problems).toEqual([
            'PORT must be an integer from 0 to 65535, got "80a"',
            'SERVICE_VERSION must be a version such as 1.4.2 (letters, digits, . _ + -), got "1 2"',
            'GIT_COMMIT must be a lowercase hex git commit (7 to 64 characters) or "unknown", got "not-a-sha"',
            'SLIPWAY_FAULT_RATE must be a number from 0 to 1, got "1.5"',
        ]);
        expect((error as Error).message).toContain("invalid environment for orders-api");
    });

    it("rejects out-of-range ports and non-numeric fault rates", () => {
        expect(() => parseEnv({ PORT: "65536" })).toThrow(/PORT must be an integer from 0 to 65535/);
        expect(() => parseEnv({ PORT: "-1" })).toThrow(/PORT/);
        expect(() => parseEnv({ SLIPWAY_FAULT_RATE: "NaN" })).toThrow(/SLIPWAY_FAULT_RATE/);
        expect(() => parseEnv({ SLIPWAY_FAULT_RATE: "-0.1" })).toThrow(/SLIPWAY_FAULT_RATE/);
        expect(() => parseEnv({ SLIPWAY_SHUTDOWN_DELAY_MS: "soon" })).toThrow(/SLIPWAY_SHUTDOWN_DELAY_MS/);
        expect(parseEnv({ SLIPWAY_FAULT_RATE: "1" }).faultRate).toBe(1);
    });
});

describe("start and graceful shutdown", () => {
    let running: RunningService | undefined;
    afterEach(async () => {
        running?.app.closeAllConnections();
        await running?.shutdown();
        running = undefined;
    });

    it("serves on the configured address and drains with readiness 503 before closing", async () => {
        const config = { ...parseEnv({ PORT: "0", HOST: "127.0.0.1", GIT_COMMIT: "abcdef1" }), shutdownDelayMs: 300 };
        const logs: string[] = [];
        running = await start(config, (msg) => logs.push(msg));
        expect(running.url).toBe(`http://127.0.0.1:${running.port}`);
        expect(await (await fetch(`${running.url}/version`)).json()).toMatchObject({ service: "orders-api", commit: "abcdef1" });

        const stopped = running.shutdown();
        expect((await fetch(`${running.url}/readyz`)).status).toBe(503);
        await stopped;
        expect(running.app.listening).toBe(false);
        await expect(fetch(`${running.url}/healthz`)).rejects.toThrow();
        expect(logs).toEqual(["listening", "shutdown started: readiness is now 503", "server closed"]);
    });
});

describe("main process", () => {
    function run(env: Record<string, string>): { exit: Promise<number | null>; stdout: () => string; stderr: () => string; kill: (s: NodeJS.Signals) => void } {
        const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
            cwd: path.dirname(MAIN),
            env: { PATH: process.env.PATH ?? "", ...env },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        let err = "";
        child.stdout.on("data", (d: Buffer) => (out += d.toString()));
        child.stderr.on("data", (d: Buffer) => (err += d.toString()));
        return {
            exit: new Promise((resolve) => child.on("exit", (code) => resolve(code))),
            stdout: () => out,
            stderr: () => err,
            kill: (s) => child.kill(s),
        };
    }

    it("exits 1 with a clear message on a bad environment", async () => {
        const p = run({ PORT: "http", SLIPWAY_FAULT_RATE: "lots" });
        expect(await p.exit).toBe(1);
        expect(p.stderr()).toContain('PORT must be an integer from 0 to 65535, got "http"');
        expect(p.stderr()).toContain('SLIPWAY_FAULT_RATE must be a number from 0 to 1, got "lots"');
    });

    it("serves, then exits 0 on SIGTERM", async () => {
        const p = run({ PORT: "0", HOST: "127.0.0.1", SLIPWAY_SHUTDOWN_DELAY_MS: "0", GIT_COMMIT: "feedbeef" });
        const deadline = Date.now() + 20_000;
        let url: string | undefined;
        while (!url && Date.now() < deadline) {
            url = /"url":"([^"]+)"/.exec(p.stdout())?.[1];
            if (!url) await new Promise((r) => setTimeout(r, 50));
        }
        expect(url, p.stderr()).toBeDefined();
        expect(await (await fetch(`${url}/version`)).json()).toMatchObject({ commit: "feedbeef" });
        p.kill("SIGTERM");
        expect(await p.exit).toBe(0);
        expect(p.stdout()).toContain("server closed");
    });
});
