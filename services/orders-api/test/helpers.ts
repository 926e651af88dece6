import type { AddressInfo } from "node:net";
import { createApp, type App, type AppOptions } from "../src/app";

export interface Started {
    app: App;
    base: string;
    close(): Promise<void>;
}

export const BASE_OPTIONS: AppOptions = {
    service: "orders-api",
    version: "1.2.3",
    commit: "0123456789abcdef0123456789abcdef01234567",
    source: "https://github.com/example/slipway",
    faultRate: 0,
};

/** Starts an app on an ephemeral port of 127.0.0.1. */
export async function startApp(overrides: Partial<AppOptions> = {}): Promise<Started> {
    const app = createApp({ ...BASE_OPTIONS, ...overrides });
    await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
    const { port } = app.address() as AddressInfo;
    return {
        app,
        base: `http://127.0.0.1:${port}`,
        close: () =>
            new Promise<void>((resolve) => {
                app.close(() => resolve());
                app.closeAllConnections();
            }),
    };
}

/** Value of one sample in Prometheus text format, or undefined when the series is absent. */
export function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
    for (const line of text.split("\n")) {
        const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$/.exec(line);
        if (!m || m[1] !== name) continue;
        const found: Record<string, string> = {};
        for (const pair of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) found[pair[1] ?? ""] = pair[2] ?? "";
        if (Object.keys(labels).length === Object.keys(found).length && Object.entries(labels).every(([k, v]) => found[k] === v)) {
            return Number(m[3]);
        }
    }
    return undefined;
}

/** A deterministic random source that cycles through the given values. */
export function cycle(...values: number[]): () => number {
    let i = 0;
    return () => values[i++ % values.length] ?? 0;
}
