import { afterEach, describe, expect, it } from "vitest";
import { CATALOG } from "../src/catalog";
import { createApp } from "../src/app";
import { BASE_OPTIONS, cycle, sample, startApp, type Started } from "./helpers";

let running: Started[] = [];
async function start(...args: Parameters<typeof startApp>): Promise<Started> {
    const s = await startApp(...args);
    running.push(s);
    return s;
}
afterEach(async () => {
    await Promise.all(running.map((s) => s.close()));
    running = [];
});

describe("catalog-api business routes", () => {
    it("GET /items lists the whole catalog", async () => {
        const { base } = await start();
        const res = await fetch(`${base}/items`);
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
        const body = (await res.json()) as { items: unknown[] };
        expect(body.items).toEqual(CATALOG);
        expect(body.items.length).toBeGreaterThan(0);
    });

    it("GET /items/:id returns the item", async () => {
        const { base } = await start();
        const res = await fetch(`${base}/items/sku-1002`);
        expect(res.status).toBe(200);
        expect(await res.json()).toMatchObject({ id: "sku-1002", name: "Rollout hoodie", priceCents: 4500, currency: "EUR" });
    });

    it("GET /items/:id answers 404 for an unknown item", async () => {
        const { base } = await start();
        const res = await fetch(`${base}/items/sku-9999`);
        expect(res.status).toBe(404);
        expect(await res.json()).toEqual({ error: "item not found", id: "sku-9999" });
    });

    it("answers 404 for unknown paths and 405 (with Allow) for wrong methods", async () => {
        const { base } = await start();
        const unknown = await fetch(`${base}/nope`);
        expect(unknown.status).toBe(404);
        expect(await unknown.json()).toEqual({ error: "not found" });
        expect((await fetch(`${base}/items/`)).status).toBe(404);

        const post = await fetch(`${base}/items`, { method: "POST", body: "{}" });
        expect(post.status).toBe(405);
        expect(post.headers.get("allow")).toBe("GET, HEAD");
    });

    it("serves an injected catalog", async () => {
        const { base } = await start({
            catalog: [{ id: "x-1", name: "X", description: "x", priceCents: 1, currency: "EUR" }],
        });
        expect(((await (await fetch(`${base}/items`)).json()) as { items: unknown[] }).items).toHaveLength(1);
        expect((await fetch(`${base}/items/sku-1001`)).status).toBe(404);
    });
});

describe("catalog-api probes and version", () => {
    it("GET /healthz and HEAD /healthz answer 200", async () => {
        const { base } = await start();
        const res = await fetch(`${base}/healthz`);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ status: "ok" });
        const head = await fetch(`${base}/healthz`, { method: "HEAD" });
        expect(head.status).toBe(200);
        expect(await head.text()).toBe("");
    });

    it("GET /readyz flips to 503 once shutdown has begun, while liveness stays 200", async () => {
        const { app, base } = await start();
        expect((await fetch(`${base}/readyz`)).status).toBe(200);
        expect(app.ready).toBe(true);

        app.beginShutdown();
        expect(app.ready).toBe(false);
        const res = await fetch(`${base}/readyz`);
        expect(res.status).toBe(503);
        expect(res.headers.get("connection")).toBe("close");
        expect(await res.json()).toEqual({ status: "shutting down" });
        expect((await fetch(`${base}/healthz`)).status).toBe(200);
        // Still serving business traffic while the endpoints drain.
        expect((await fetch(`${base}/items`)).status).toBe(200);
    });

    it("GET /version reports service, version, commit and source", async () => {
        const { base } = await start();
        const res = await fetch(`${base}/version`);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({
            service: "catalog-api",
            version: "1.2.3",
            commit: "0123456789abcdef0123456789abcdef01234567",
            source: "https://github.com/example/slipway",
        });
    });
});

describe("catalog-api metrics", () => {
    it("counts requests by route template, method and code in Prometheus text format", async () => {
        const { base } = await start();
        for (let i = 0; i < 3; i++) await fetch(`${base}/items`);
        for (let i = 0; i < 2; i++) await fetch(`${base}/items/sku-1001`);
        await fetch(`${base}/items/sku-0000`);
        await fetch(`${base}/healthz`);
        await fetch(`${base}/whatever`);

        const res = await fetch(`${base}/metrics`);
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
        const text = await res.text();
        expect(text).toContain("# TYPE http_requests_total counter");
        expect(text).toContain("# TYPE http_request_errors_total counter");
        const req = (route: string, code: string) =>
            sample(text, "http_requests_total", { service: "catalog-api", route, method: "GET", code });
        expect(req("/items", "200")).toBe(3);
        expect(req("/items/:id", "200")).toBe(2);
        expect(req("/items/:id", "404")).toBe(1);
        expect(req("/healthz", "200")).toBe(1);
        expect(req("unmatched", "404")).toBe(1);
        // The scrape itself is counted after it has been answered.
        expect(req("/metrics", "200")).toBeUndefined();
        expect(text).not.toMatch(/^http_request_errors_total\{/m);
        expect(text).toContain("http_request_duration_seconds_bucket");
    });

    it("injects faults on business routes only and counts them as errors", async () => {
        const { base } = await start({ faultRate: 1 });
        for (let i = 0; i < 4; i++) {
            const res = await fetch(`${base}/items`);
            expect(res.status).toBe(500);
            expect(await res.json()).toEqual({ error: "injected fault" });
        }
        expect((await fetch(`${base}/items/sku-1001`)).status).toBe(500);
        expect((await fetch(`${base}/healthz`)).status).toBe(200);
        expect((await fetch(`${base}/readyz`)).status).toBe(200);
        expect((await fetch(`${base}/version`)).status).toBe(200);

        const text = await (await fetch(`${base}/metrics`)).text();
        expect(sample(text, "http_request_errors_total", { service: "catalog-api", route: "/items" })).toBe(4);
        expect(sample(text, "http_request_errors_total", { service: "catalog-api", route: "/items/:id" })).toBe(1);
        expect(
            sample(text, "http_requests_total", { service: "catalog-api", route: "/items", method: "GET", code: "500" }),
        ).toBe(4);
    });

    it("GET /metrics/summary reports errorRate 1 with faultRate=1, over business routes only", async () => {
        const { base } = await start({ faultRate: 1 });
        for (let i = 0; i < 5; i++) await fetch(`${base}/items`);
        await fetch(`${base}/healthz`);
        await fetch(`${base}/metrics`);
        const res = await fetch(`${base}/metrics/summary`);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ requests: 5, errors: 5, errorRate: 1 });
    });

    it("GET /metrics/summary reports errorRate 0 with faultRate=0, and 0 before any request", async () => {
        const { base } = await start({ faultRate: 0 });
        expect(await (await fetch(`${base}/metrics/summary`)).json()).toEqual({ requests: 0, errors: 0, errorRate: 0 });
        for (let i = 0; i < 4; i++) await fetch(`${base}/items`);
        await fetch(`${base}/items/sku-0000`); // a 404 is not an error
        expect(await (await fetch(`${base}/metrics/summary`)).json()).toEqual({ requests: 5, errors: 0, errorRate: 0 });
    });

    it("answers the fault rate's share of business requests with 500 (deterministic random)", async () => {
        const { base } = await start({ faultRate: 0.25, random: cycle(0.1, 0.5, 0.9, 0.3) });
        const codes: number[] = [];
        for (let i = 0; i < 8; i++) codes.push((await fetch(`${base}/items`)).status);
        expect(codes).toEqual([500, 200, 200, 200, 500, 200, 200, 200]);
        expect(await (await fetch(`${base}/metrics/summary`)).json()).toEqual({ requests: 8, errors: 2, errorRate: 0.25 });
    });

    it("keeps each app's metrics in its own registry", async () => {
        const a = await start();
        const b = await start();
        await fetch(`${a.base}/items`);
        await fetch(`${a.base}/items`);
        await fetch(`${b.base}/items`);
        expect(((await (await fetch(`${a.base}/metrics/summary`)).json()) as { requests: number }).requests).toBe(2);
        expect(((await (await fetch(`${b.base}/metrics/summary`)).json()) as { requests: number }).requests).toBe(1);
    });

    it("rejects a fault rate outside 0..1", () => {
        expect(() => createApp({ ...BASE_OPTIONS, faultRate: 1.5 })).toThrow(/faultRate must be a number between 0 and 1/);
        expect(() => createApp({ ...BASE_OPTIONS, faultRate: Number.NaN })).toThrow(RangeError);
    });
});
