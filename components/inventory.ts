/**
 * The stack's inventory output: which version of which service runs where, traceable to its commit.
 * Promotion, rollback and inventory tools read it (`pulumi stack output inventory --json`), so its
 * shape is versioned: add fields freely, bump `schemaVersion` before changing or removing one.
 */
import type { Evidence } from "./evidence";

/** One service in one stack. */
export interface InventoryService {
    /** Service name (also the Rollout's name). */
    service: string;
    /** Owning team. */
    team: string;
    /** The team's Slack channel. */
    slack: string;
    /** Source repository (owner/name). */
    repository: string;
    /** Namespace the Rollout runs in. */
    namespace: string;
    /** Image reference pinned by digest. */
    image: string;
    /** `sha256:...`. */
    digest: string;
    /** Release version. */
    version: string;
    /** Git commit the image was built from. */
    commit: string;
    /** Link to the commit. */
    commitUrl: string;
    /** canary or blueGreen. */
    strategy: "canary" | "blueGreen";
    /** Replicas asked for (the autoscaler's floor when autoscaled). */
    replicas: number;
    /** How the last update of the Rollout ended ("Healthy", or why it was not awaited). */
    health: string;
    /** Quality evidence of this version, when known. */
    evidence?: Evidence;
}

/** The whole inventory of a stack. */
export interface Inventory {
    /** Version of this shape. */
    schemaVersion: 1;
    /** Stack name. */
    stack: string;
    /** Environment of the stack. */
    environment: string;
    /** Namespace of the services. */
    namespace: string;
    /** Services by name. */
    services: Record<string, InventoryService>;
}

/** A commit link for GitHub-style hosts. */
export function commitUrl(sourceBaseUrl: string, repository: string, commit: string): string {
    return `${sourceBaseUrl.replace(/\/+$/, "")}/${repository}/commit/${commit}`;
}

/** Builds the inventory from resolved entries, sorted by service name for stable diffs. */
export function buildInventory(meta: { stack: string; environment: string; namespace: string }, entries: InventoryService[]): Inventory {
    const sorted = [...entries].sort((a, b) => a.service.localeCompare(b.service));
    return { schemaVersion: 1, ...meta, services: Object.fromEntries(sorted.map((e) => [e.service, e])) };
}

/** The snapshot a stack runs (service to image, version, commit), in the shape stack config takes. */
export function snapshotOf(inventory: Inventory): Record<string, { ref: string; version: string; commit: string; evidence?: Evidence }> {
    return Object.fromEntries(
        Object.values(inventory.services).map((s) => [s.service, { ref: s.image, version: s.version, commit: s.commit, ...(s.evidence ? { evidence: s.evidence } : {}) }]),
    );
}
