import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { OrderStore } from "../src/orders";
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

const VALID = { customerId: "cust-42", items: [{ sku: "sku-1001", quantity: 2 }, { sku: "sku-1003", quantity: 1 }] };

function post(base: string, body: unknown, headers: Record<string, string> = { "content-type": "application/json" }): Promise<Response> {
    return fetch(`${base}/orders`, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
}

describe("orders-api business routes", () => {
    it("POST /orders creates an order: 201, Location, and the order in the body", async () => {
        const { base } = await start();
        const res = await post(base, VALID);
        expect(res.status).toBe(201);
        const order = (await res.json()) as { id: string; status: string; createdAt: string };
        expect(order).toMatchObject({ ...VALID, status: "created" });
        expect(order.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(Number.isNaN(Date.parse(order.createdAt))).toBe(false);
        expect(res.headers.get("location")).toBe(`/orders/${order.id}`);
    });

    it("GET /orders/:id returns a created order and 404 for an unknown one", async () => {
        const { base } = await start();
        const created = (await (await post(base, VALID)).json()) as { id: string };
        const res = await fetch(`${base}/orders/${created.id}`);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual(created);

        const missing = await fetch(`${base}/orders/does-not-exist`);
        expect(missing.status).toBe(404);
        expect(await missing.json()).toEqual({ error: "order not found", id: "does-not-exist" });
    });

    it("POST /orders answers 400 naming every invalid field", async () => {
        const { base } = await start();
        const res = await post(base, {
            customerId: "",
            items: [{ sku: "ok-1", quantity: 0 }, { sku: "bad sku", quantity: 1.5 }, "x"],
            coupon: "FREE",
        });
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual({
            error: "invalid order",
            details: [
                { field: "coupon", message: "is not a known field" },
                { field: "customerId", message: "must be 1 to 64 letters, digits, '_' or '-'" },
                { field: "items[0].quantity", message: "must be an integer from 1 to 1000" },
                { field: "items[1].sku", message: "must be 1 to 64 letters, digits, '_' or '-'" },
                { field: "items[1].quantity", message: "must be an integer from 1 to 1000" },
                { field: "items[2]", message: "must be an object with sku and quantity" },
            ],
        });
    });

    it("POST /orders rejects a body that is not an order object, or has no lines", async () => {
        const { base } = await start();
        for (const body of [[VALID], "null", 42]) {
            const res = await post(base, body);
            expect(res.status).toBe(400);
            expect(await res.json()).toEqual({ error: "invalid order", details: [{ field: "$", message: "must be a JSON object" }] });
        }
        const empty = await post(base, { customerId: "c1", items: [] });
        expect(empty.status).toBe(400);
        expect(((await empty.json()) as { details: unknown[] }).details).toEqual([
            { field: "items", message: "must be an array of 1 to 50 order lines" },
        ]);
    });

    it("POST /orders answers 400 for malformed JSON, 415 for another content type, 413 for a huge body", async () => {
        const { base } = await start({ maxBodyBytes: 1024 });
        const bad = await post(base, "{ not json");
        expect(bad.status).toBe(400);
        expect(await bad.json()).toEqual({ error: "request body is not valid JSON" });

        const text = await post(base, JSON.stringify(VALID), { "content-type": "text/plain" });
        expect(text.status).toBe(415);

        const huge = await post(base, { customerId: "c1", items: [{ sku: "x".repeat(2000), quantity: 1 }] });
        expect(huge.status).toBe(413);
        expect(await huge.json()).toEqual({ error: "request body must be at most 1024 bytes" });

        const charset = await post(base, VALID, { "content-type": "application/json; charset=utf-8" });
        expect(charset.status).toBe(201);
    });

    it("answers 404 for unknown paths and 405 (with Allow) for wrong methods", async () => {
        const { base } = await start();
        const unknown = await fetch(`${base}/carts`);
        expect(unknown.status).toBe(404);
        const get = await fetch(`${base}/orders`);
        expect(get.status).toBe(405);
        expect(get.headers.get("allow")).toBe("POST");
        const del = await fetch(`${base}/orders/abc`, { method: "DELETE" });
        expect(del.status).toBe(405);
        expect(del.headers.get("allow")).toBe("GET, HEAD");
    });
});

describe("OrderStore", () => {
    it("forgets the oldest orders beyond its capacity", () => {
        let n = 0;
        const store = new OrderStore(2, () => `o${++n}`, () => new Date("2026-01-01T00:00:00Z"));
        const line = { customerId: "c", items: [{ sku: "s", quantity: 1 }] };
        store.create(line);
        store.create(line);
        const third = store.create(line);
        expect(store.size).toBe(2);
        expect(store.get("o1")).toBeUndefined();
        expect(store.get("o2")?.id).toBe("o2");
        expect(third).toEqual({ ...line, id: "o3", status: "created", createdAt: "2026-01-01T00:00:00.000Z" });
    });
});

describe("orders-api probes and version", () => {
    it("GET /healthz answers 200", async () => {
        const { base } = await start();
        const res = await fetch(`${base}/healthz`);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ status: "ok" });
    });

    it("GET /readyz flips to 503 once shutdown has begun, while liveness stays 200", async () => {
        const { app, base } = await start();
        expect((await fetch(`${base}/readyz`)).status).toBe(200);
        app.beginShutdown();
        const res = await fetch(`${base}/readyz`);
        expect(res.status).toBe(503);
        expect(res.headers.get("connection")).toBe("close");
        expect(await res.json()).toEqual({ status: "shutting down" });
        expect((await fetch(`${base}/healthz`)).status).toBe(200);
        expect((await post(base, VALID)).status).toBe(201);
    });

    it("GET /version reports service, version, commit and source", async () => {
        const { base } = await start();
        expect(await (await fetch(`${base}/version`)).json()).toEqual({
            service: "orders-api",
            version: "1.2.3",
            commit: "0123456789abcdef0123456789abcdef01234567",
            source: "https://github.com/example/slipway",
        });
    });
});

describe("orders-api metrics", () => {
    it("counts requests by route template, method and code in Prometheus text format", async () => {
        const { base } = await start();
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) ids.push(((await (await post(base, VALID)).json()) as { id: string }).id);
        await post(base, { customerId: "" });
        for (const id of ids) await fetch(`${base}/orders/${id}`);
        await fetch(`${base}/orders/nope`);
        await fetch(`${base}/readyz`);

        const res = await fetch(`${base}/metrics`);
        expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
        const text = await res.text();
        const req = (route: string, method: string, code: string) =>
            sample(text, "http_requests_total", { service: "orders-api", route, method, code });
        expect(req("/orders", "POST", "201")).toBe(3);
        expect(req("/orders", "POST", "400")).toBe(1);
        expect(req("/orders/:id", "GET", "200")).toBe(3);
        expect(req("/orders/:id", "GET", "404")).toBe(1);
        expect(req("/readyz", "GET", "200")).toBe(1);
        // Every order id shares one series: the route label is the template, never the raw path.
        expect(text).not.toContain(ids[0]);
        expect(text).not.toMatch(/^http_request_errors_total\{/m);
    });

    it("injects faults on business routes only, counts them as errors, and stores nothing", async () => {
        const store = new OrderStore();
        const { base } = await start({ faultRate: 1, store });
        for (let i = 0; i < 3; i++) {
            const res = await post(base, VALID);
            expect(res.status).toBe(500);
            expect(await res.json()).toEqual({ error: "injected fault" });
        }
        expect((await fetch(`${base}/orders/any`)).status).toBe(500);
        expect(store.size).toBe(0);
        expect((await fetch(`${base}/healthz`)).status).toBe(200);
        expect((await fetch(`${base}/version`)).status).toBe(200);

        const text = await (await fetch(`${base}/metrics`)).text();
        expect(sample(text, "http_request_errors_total", { service: "orders-api", route: "/orders" })).toBe(3);
        expect(sample(text, "http_request_errors_total", { service: "orders-api", route: "/orders/:id" })).toBe(1);
    });

    it("GET /metrics/summary reports errorRate 1 with faultRate=1, over business routes only", async () => {
        const { base } = await start({ faultRate: 1 });
        for (let i = 0; i < 4; i++) await post(base, VALID);
        await fetch(`${base}/healthz`);
        await fetch(`${base}/metrics`);
        expect(await (await fetch(`${base}/metrics/summary`)).json()).toEqual({ requests: 4, errors: 4, errorRate: 1 });
    });

    it("GET /metrics/summary reports errorRate 0 with faultRate=0; 4xx are not errors", async () => {
        const { base } = await start({ faultRate: 0 });
        expect(await (await fetch(`${base}/metrics/summary`)).json()).toEqual({ requests: 0, errors: 0, errorRate: 0 });
        await post(base, VALID);
        await post(base, "{");
        await fetch(`${base}/orders/unknown`);
        expect(await (await fetch(`${base}/metrics/summary`)).json()).toEqual({ requests: 3, errors: 0, errorRate: 0 });
    });

    it("answers the fault rate's share of business requests with 500 (deterministic random)", async () => {
        const { base } = await start({ faultRate: 0.5, random: cycle(0.4, 0.6) });
        const codes: number[] = [];
        for (let i = 0; i < 6; i++) codes.push((await post(base, VALID)).status);
        expect(codes).toEqual([500, 201, 500, 201, 500, 201]);
        expect(await (await fetch(`${base}/metrics/summary`)).json()).toEqual({ requests: 6, errors: 3, errorRate: 0.5 });
    });

    it("keeps each app's metrics and orders to itself", async () => {
        const a = await start();
        const b = await start();
        const order = (await (await post(a.base, VALID)).json()) as { id: string };
        expect((await fetch(`${b.base}/orders/${order.id}`)).status).toBe(404);
        expect(((await (await fetch(`${a.base}/metrics/summary`)).json()) as { requests: number }).requests).toBe(1);
        expect(((await (await fetch(`${b.base}/metrics/summary`)).json()) as { requests: number }).requests).toBe(1);
    });

    it("rejects a fault rate outside 0..1", () => {
        expect(() => createApp({ ...BASE_OPTIONS, faultRate: -0.1 })).toThrow(/faultRate must be a number between 0 and 1/);
    });
});
