import http from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody, requestPath, sendJson, sendText } from "./http";
import { ServiceMetrics } from "./metrics";
import { OrderStore, validateOrderInput } from "./orders";

export interface AppOptions {
    /** Service name, reported by /version and as the `service` label of every metric. */
    service: string;
    /** Version the image was built as (SERVICE_VERSION). */
    version: string;
    /** Git commit the image was built from (GIT_COMMIT), "unknown" when not known. */
    commit: string;
    /** Where the source lives (GIT_SOURCE), e.g. the repository URL. */
    source: string;
    /** Fraction (0..1) of business requests deliberately answered 500, to exercise rollout analysis. */
    faultRate: number;
    /** Random source in [0, 1) for fault injection; injectable for deterministic tests. */
    random?: () => number;
    /** Also export prom-client's default process metrics (off by default, to keep tests light). */
    defaultMetrics?: boolean;
    /** Where orders are kept; defaults to a new in-memory store. */
    store?: OrderStore;
    /** Largest accepted request body in bytes (413 beyond); default 64 KiB. */
    maxBodyBytes?: number;
}

/** The HTTP server plus the lifecycle and metrics handles the process needs. */
export interface App extends http.Server {
    readonly metrics: ServiceMetrics;
    /** False once shutdown has begun: /readyz then answers 503 so the pod leaves the endpoints. */
    readonly ready: boolean;
    /** Marks the app as shutting down (readiness 503, `connection: close`); it keeps serving. */
    beginShutdown(): void;
}

type Handler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => void | Promise<void>;

interface Route {
    /** The route template, used as the `route` metric label (bounded cardinality). */
    template: string;
    /** Business routes count in /metrics/summary and are subject to fault injection. */
    business: boolean;
    methods: Partial<Record<string, Handler>>;
}

/** Route label for paths that match no route. */
export const UNMATCHED_ROUTE = "unmatched";

export function createApp(options: AppOptions): App {
    if (!(options.faultRate >= 0 && options.faultRate <= 1)) {
        throw new RangeError(`faultRate must be a number between 0 and 1, got ${options.faultRate}`);
    }
    const random = options.random ?? Math.random;
    const store = options.store ?? new OrderStore();
    const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
    let ready = true;

    const routes: Route[] = [
        {
            template: "/orders",
            business: true,
            methods: {
                POST: async (req, res) => {
                    const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
                    if (type !== "application/json") {
                        req.resume();
                        sendJson(res, 415, { error: "content-type must be application/json" });
                        return;
                    }
                    const body = await readBody(req, maxBodyBytes);
                    if (!body.ok) {
                        if (body.reason === "too-large") {
                            sendJson(res, 413, { error: `request body must be at most ${maxBodyBytes} bytes` }, { connection: "close" });
                        } else {
                            res.destroy();
                        }
                        return;
                    }
                    let parsed: unknown;
                    try {
                        parsed = JSON.parse(body.text);
                    } catch {
                        sendJson(res, 400, { error: "request body is not valid JSON" });
                        return;
                    }
                    const input = validateOrderInput(parsed);
                    if (!input.ok) {
                        sendJson(res, 400, { error: "invalid order", details: input.errors });
                        return;
                    }
                    const order = store.create(input.value);
                    sendJson(res, 201, order, { location: `/orders/${encodeURIComponent(order.id)}` });
                },
            },
        },
        {
            template: "/orders/:id",
            business: true,
            methods: {
                GET: (_req, res, params) => {
                    const order = store.get(params.id ?? "");
                    if (order) sendJson(res, 200, order);
                    else sendJson(res, 404, { error: "order not found", id: params.id });
                },
            },
        },
        { template: "/healthz", business: false, methods: { GET: (_req, res) => sendJson(res, 200, { status: "ok" }) } },
        {
            template: "/readyz",
            business: false,
            methods: {
                GET: (_req, res) =>
                    ready ? sendJson(res, 200, { status: "ready" }) : sendJson(res, 503, { status: "shutting down" }),
            },
        },
        {
            template: "/version",
            business: false,
            methods: {
                GET: (_req, res) =>
                    sendJson(res, 200, {
                        service: options.service,
                        version: options.version,
                        commit: options.commit,
                        source: options.source,
                    }),
            },
        },
        {
            template: "/metrics",
            business: false,
            methods: { GET: async (_req, res) => sendText(res, 200, await metrics.text(), metrics.contentType) },
        },
        {
            template: "/metrics/summary",
            business: false,
            methods: { GET: async (_req, res) => sendJson(res, 200, await metrics.summary()) },
        },
    ];
    const metrics = new ServiceMetrics(
        options.service,
        new Set(routes.filter((r) => r.business).map((r) => r.template)),
        { defaultMetrics: options.defaultMetrics ?? false },
    );

    const server = http.createServer((req, res) => {
        const started = process.hrtime.bigint();
        const method = req.method ?? "GET";
        const path = requestPath(req);
        const found = path === undefined ? undefined : matchRoute(routes, path);
        const route = found?.route.template ?? UNMATCHED_ROUTE;
        res.on("finish", () => {
            const durationSeconds = Number(process.hrtime.bigint() - started) / 1e9;
            metrics.observe({ route, method, code: res.statusCode, durationSeconds });
        });
        if (!ready) res.setHeader("connection", "close");

        if (!found) {
            sendJson(res, 404, { error: "not found" });
            return;
        }
        const handler = found.route.methods[method] ?? (method === "HEAD" ? found.route.methods.GET : undefined);
        if (!handler) {
            sendJson(res, 405, { error: "method not allowed" }, { allow: allowed(found.route) });
            return;
        }
        if (found.route.business && random() < options.faultRate) {
            sendJson(res, 500, { error: "injected fault" });
            return;
        }
        Promise.resolve()
            .then(() => handler(req, res, found.params))
            .catch(() => {
                if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
                else res.destroy();
            });
    });

    return Object.defineProperties(server, {
        metrics: { value: metrics, enumerable: true },
        ready: { get: () => ready, enumerable: true },
        beginShutdown: {
            value: () => {
                ready = false;
            },
        },
    }) as App;
}

function allowed(route: Route): string {
    const methods = Object.keys(route.methods);
    if (methods.includes("GET")) methods.push("HEAD");
    return methods.join(", ");
}

/** Matches a path against the route templates; `:name` segments capture one path segment. */
function matchRoute(routes: readonly Route[], path: string): { route: Route; params: Record<string, string> } | undefined {
    const segments = path.split("/");
    for (const route of routes) {
        const parts = route.template.split("/");
        if (parts.length !== segments.length) continue;
        const params: Record<string, string> = {};
        const matched = parts.every((part, i) => {
            const segment = segments[i] ?? "";
            if (part.startsWith(":")) {
                const value = safeDecode(segment);
                if (value === undefined || value === "") return false;
                params[part.slice(1)] = value;
                return true;
            }
            return part === segment;
        });
        if (matched) return { route, params };
    }
    return undefined;
}

function safeDecode(segment: string): string | undefined {
    try {
        return decodeURIComponent(segment);
    } catch {
        return undefined;
    }
}
