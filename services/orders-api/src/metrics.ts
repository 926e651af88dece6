import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** The summary Argo Rollouts' `web` metric provider reads (jsonPath `{$.errorRate}`). */
export interface MetricsSummary {
    /** Business requests answered since the process started. */
    requests: number;
    /** Business requests answered with a 5xx status since the process started. */
    errors: number;
    /** errors / requests, 0 when no business request has been answered yet. */
    errorRate: number;
}

/** One observed request, as the router labels it. */
export interface RequestObservation {
    route: string;
    method: string;
    code: number;
    durationSeconds: number;
}

/**
 * The service's Prometheus metrics, on a registry of its own (never prom-client's global one),
 * so that several apps can live in one process (tests) without clashing.
 */
export class ServiceMetrics {
    readonly registry: Registry;
    private readonly requests: Counter<"service" | "route" | "method" | "code">;
    private readonly errors: Counter<"service" | "route">;
    private readonly duration: Histogram<"service" | "route" | "method">;

    constructor(
        private readonly service: string,
        private readonly businessRoutes: ReadonlySet<string>,
        options: { defaultMetrics?: boolean } = {},
    ) {
        this.registry = new Registry();
        this.requests = new Counter({
            name: "http_requests_total",
            help: "HTTP requests answered, by route template, method and status code.",
            labelNames: ["service", "route", "method", "code"],
            registers: [this.registry],
        });
        this.errors = new Counter({
            name: "http_request_errors_total",
            help: "HTTP requests answered with a 5xx status, by route template.",
            labelNames: ["service", "route"],
            registers: [this.registry],
        });
        this.duration = new Histogram({
            name: "http_request_duration_seconds",
            help: "HTTP request duration in seconds, by route template and method.",
            labelNames: ["service", "route", "method"],
            buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
            registers: [this.registry],
        });
        if (options.defaultMetrics) {
            collectDefaultMetrics({ register: this.registry });
        }
    }

    observe(o: RequestObservation): void {
        const { service } = this;
        this.requests.inc({ service, route: o.route, method: o.method, code: String(o.code) });
        if (o.code >= 500) {
            this.errors.inc({ service, route: o.route });
        }
        this.duration.observe({ service, route: o.route, method: o.method }, o.durationSeconds);
    }

    /** Prometheus text exposition of every metric in the registry. */
    text(): Promise<string> {
        return this.registry.metrics();
    }

    get contentType(): string {
        return this.registry.contentType;
    }

    /** Cumulative counts over business routes only (probes and /metrics are left out). */
    async summary(): Promise<MetricsSummary> {
        const sum = (values: { labels: Partial<Record<string, string | number>>; value: number }[]): number =>
            values
                .filter((v) => typeof v.labels.route === "string" && this.businessRoutes.has(v.labels.route))
                .reduce((total, v) => total + v.value, 0);
        const requests = sum((await this.requests.get()).values);
        const errors = sum((await this.errors.get()).values);
        return { requests, errors, errorRate: requests === 0 ? 0 : errors / requests };
    }
}
