/**
 * Promotion: prod runs only what was verified in dev.
 *
 * The verified set is pack config (`verifiedDigests`), written by the promotion step from the dev
 * stack. Entries are `sha256:<64 hex>` (that content, in any repository) or
 * `<repository>@sha256:<64 hex>` (that content under that repository path; the registry host may
 * differ, since promotion copies the digest from the dev registry to the production registry).
 * Digests are content hashes, not secrets, so messages name them.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { fieldPath, safeId, stringMap, text } from "../lib/k8s";
import { isSha256Digest, parseImage } from "../lib/images";
import { EnforcementLevel, schema, stackPolicy } from "../lib/policy";
import { containersOf, workloadOf } from "../lib/workloads";
import { LABELS } from "../evidence/contract";

interface PromotionConfig {
    requireVerifiedDigests: boolean;
    verifiedDigests: string[];
}

/** The verified set: digests allowed anywhere, and digests allowed under given repository paths. */
export interface VerifiedSet {
    anywhere: Set<string>;
    byPath: Map<string, Set<string>>;
    invalid: { index: number; entry: string }[];
}

export function parseVerifiedDigests(entries: readonly string[]): VerifiedSet {
    const result: VerifiedSet = { anywhere: new Set(), byPath: new Map(), invalid: [] };
    entries.forEach((entry, index) => {
        const trimmed = typeof entry === "string" ? entry.trim() : "";
        if (isSha256Digest(trimmed)) {
            result.anywhere.add(trimmed);
            return;
        }
        const image = parseImage(trimmed);
        if (image.wellFormed && isSha256Digest(image.digest) && image.tag === undefined) {
            const paths = result.byPath.get(image.digest) ?? new Set<string>();
            paths.add(image.path);
            result.byPath.set(image.digest, paths);
            return;
        }
        result.invalid.push({ index, entry: String(entry) });
    });
    return result;
}

export function isVerified(set: VerifiedSet, digest: string, path: string): boolean {
    return set.anywhere.has(digest) || (set.byPath.get(digest)?.has(path) ?? false);
}

export function promotionVerifiedDigests(enforcementLevel: EnforcementLevel = "mandatory"): StackValidationPolicy {
    return stackPolicy<PromotionConfig>(
        {
            name: "promotion-verified-digests",
            description:
                "When enabled (prod), every image of every workload must be pinned by a digest that was verified in dev and is listed " +
                "in verifiedDigests; anything else was never verified and must not reach production.",
            enforcementLevel,
            configSchema: {
                properties: {
                    requireVerifiedDigests: schema.boolean(false, "Require every image digest to be in verifiedDigests (enabled in prod)."),
                    verifiedDigests: schema.strings([], "Digests verified in dev: \"sha256:<hex>\" or \"<repository>@sha256:<hex>\"."),
                },
            },
        },
        (ctx) => {
            if (!ctx.config.requireVerifiedDigests) return;
            const verified = parseVerifiedDigests(ctx.config.verifiedDigests);
            for (const { index } of verified.invalid) {
                ctx.report(undefined, `promotion-verified-digests config verifiedDigests[${index}] is not "sha256:<64 hex>" or "<repository>@sha256:<64 hex>"; fix the promotion config.`);
            }
            for (const resource of ctx.resources) {
                const workload = workloadOf(resource.type, resource.props);
                if (!workload) continue;
                const service = stringMap(workload.metadata.labels)[LABELS.name] ?? resource.name;
                const who = `service "${safeId(service)}"`;
                for (const ref of containersOf(workload)) {
                    const raw = text(ref.container.image);
                    const path = fieldPath(ref.path, "image");
                    if (raw === undefined || raw.trim() === "") continue;
                    const image = parseImage(raw);
                    if (!isSha256Digest(image.digest)) {
                        ctx.report(resource, `${who}: ${path} is not pinned by digest, so it cannot be matched to an image verified in dev; promote the verified digest from dev.`);
                    } else if (!isVerified(verified, image.digest, image.path)) {
                        ctx.report(
                            resource,
                            `${who}: image digest ${image.digest} (${path}) was not verified in dev; deploy and verify it in dev first, then promote it so it is added to verifiedDigests.`,
                        );
                    }
                }
            }
        },
    );
}

export function promotionPolicies(): StackValidationPolicy[] {
    return [promotionVerifiedDigests()];
}
