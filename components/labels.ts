/**
 * Kubernetes recommended labels and Slipway's traceability annotations. Selectors use a stable
 * subset (never the version), so a new release never orphans its own pods.
 */

/** What identifies one service's objects. */
export interface ServiceIdentity {
    /** Service name. */
    name: string;
    /** Release version being deployed. */
    version: string;
    /** Environment (dev, prod, local). */
    environment: string;
    /** Owning team. */
    team: string;
}

/** Labels every object of the service carries. */
export function serviceLabels(id: ServiceIdentity): Record<string, string> {
    return {
        ...selectorLabels(id),
        "app.kubernetes.io/version": labelValue(id.version),
        "app.kubernetes.io/part-of": "slipway",
        "app.kubernetes.io/managed-by": "pulumi",
        "slipway.dev/team": id.team,
        "slipway.dev/environment": id.environment,
    };
}

/** The stable subset used by selectors: never changes between releases. */
export function selectorLabels(id: Pick<ServiceIdentity, "name" | "environment">): Record<string, string> {
    return {
        "app.kubernetes.io/name": id.name,
        "app.kubernetes.io/instance": `${id.name}-${id.environment}`,
    };
}

/** Label values are at most 63 characters of [A-Za-z0-9._-], starting and ending alphanumeric. */
export function labelValue(value: string): string {
    const cleaned = value.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 63);
    return cleaned.replace(/^[^A-Za-z0-9]+/, "").replace(/[^A-Za-z0-9]+$/, "");
}

/** Annotations that trace a running object back to its commit. */
export function traceAnnotations(trace: { service: string; commit: string; commitUrl: string; image: string }): Record<string, string> {
    return {
        "slipway.dev/service": trace.service,
        "slipway.dev/git-commit": trace.commit,
        "slipway.dev/commit-url": trace.commitUrl,
        "slipway.dev/image": trace.image,
    };
}
