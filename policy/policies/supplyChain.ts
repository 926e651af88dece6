/**
 * Supply chain: what each container runs must be named exactly, and in prod come by digest from
 * the production registry only.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { fieldPath, safeId, text } from "../lib/k8s";
import { fromAllowedRegistry, isSha256Digest, parseImage } from "../lib/images";
import { EnforcementLevel, podPolicy, schema } from "../lib/policy";
import { containersOf, describeContainer } from "../lib/workloads";

function show(image: string): string {
    return JSON.stringify(safeId(image));
}

export function imageTag(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return podPolicy(
        {
            name: "image-tag",
            description:
                "Every container image must be a well-formed reference with a version tag or a digest, never `latest` or no tag at all, " +
                "so what runs is known and repeatable.",
            enforcementLevel,
        },
        (ctx) => {
            for (const ref of containersOf(ctx.workload)) {
                const path = fieldPath(ref.path, "image");
                const raw = text(ref.container.image);
                if (raw === undefined || raw.trim() === "") {
                    ctx.report(`${path} is missing (${describeContainer(ref)}); set an image pinned by version and digest.`);
                    continue;
                }
                const image = parseImage(raw);
                if (!image.wellFormed) {
                    ctx.report(`${path} ${show(raw)} is not a valid image reference (${describeContainer(ref)}); use registry/repository:tag@sha256:digest.`);
                } else if (image.tag === undefined && image.digest === undefined) {
                    ctx.report(`${path} ${show(raw)} has no tag or digest, so it floats to latest (${describeContainer(ref)}); pin a version tag and digest.`);
                } else if (image.tag?.toLowerCase() === "latest") {
                    ctx.report(`${path} ${show(raw)} uses the latest tag (${describeContainer(ref)}); pin a version tag and digest.`);
                }
            }
        },
    );
}

interface DigestConfig {
    requireDigest: boolean;
}

export function imageDigest(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return podPolicy<DigestConfig>(
        {
            name: "image-digest",
            description: "Every container image must be pinned by a sha256 digest, so the exact image verified earlier is the one that runs.",
            enforcementLevel,
            configSchema: { properties: { requireDigest: schema.boolean(true, "Require every image to be pinned by @sha256 digest.") } },
        },
        (ctx) => {
            if (!ctx.config.requireDigest) return;
            for (const ref of containersOf(ctx.workload)) {
                const raw = text(ref.container.image);
                if (raw === undefined || raw.trim() === "") continue; // image-tag reports a missing image
                const image = parseImage(raw);
                if (!isSha256Digest(image.digest)) {
                    ctx.report(
                        `${fieldPath(ref.path, "image")} ${show(raw)} is not pinned by digest (${describeContainer(ref)}); deploy it as ${show(`${image.repository || "repository"}@sha256:<digest>`)}.`,
                    );
                }
            }
        },
    );
}

interface RegistryConfig {
    allowedRegistries: string[];
}

export function imageRegistry(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return podPolicy<RegistryConfig>(
        {
            name: "image-registry",
            description:
                "Every container image must come from an allowed registry; in prod that is the production registry only, " +
                "which holds nothing but promoted, known-good images. An empty list allows any registry.",
            enforcementLevel,
            configSchema: {
                properties: {
                    allowedRegistries: schema.strings([], "Registry prefixes images must start with, e.g. \"registry.prod.slipway.internal/\"; empty allows any."),
                },
            },
        },
        (ctx) => {
            const allowed = ctx.config.allowedRegistries.filter((prefix) => prefix.trim().length > 0);
            if (allowed.length === 0) return;
            for (const ref of containersOf(ctx.workload)) {
                const raw = text(ref.container.image);
                if (raw === undefined || raw.trim() === "") continue;
                if (!fromAllowedRegistry(parseImage(raw), allowed)) {
                    ctx.report(
                        `${fieldPath(ref.path, "image")} ${show(raw)} is not from an allowed registry (${describeContainer(ref)}); deploy an image from ${allowed.join(" or ")} (in prod, the promoted copy in the production registry).`,
                    );
                }
            }
        },
    );
}

export function supplyChainPolicies(): ResourceValidationPolicy[] {
    return [imageTag(), imageDigest(), imageRegistry()];
}
