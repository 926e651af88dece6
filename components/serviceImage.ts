import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";

/** An image reference pinned by digest: `repo@sha256:<64 hex>`. */
export const digestReference = /^([^\s@:]+(?::\d+)?(?:\/[^\s@:]+)*)(?::[^\s@/]+)?@(sha256:[a-f0-9]{64})$/;

/** Splits a digest-pinned reference into repository and digest; throws on a floating tag. */
export function parseDigestReference(service: string, ref: string): { repository: string; digest: string } {
    const match = digestReference.exec(ref);
    if (!match) {
        throw new Error(
            `service ${service}: image ${ref.includes("@") ? "reference is not a valid sha256 digest" : "uses a floating tag"}; ` +
                "give a reference pinned by digest (repo@sha256:<64 hex>) so every stack runs exactly what was verified",
        );
    }
    return { repository: match[1]!, digest: match[2]! };
}

/** OCI annotations/labels that tie an image to its source. */
export function ociLabels(args: { service: string; version: string; commit: string; source: string }): Record<string, string> {
    return {
        "org.opencontainers.image.title": args.service,
        "org.opencontainers.image.version": args.version,
        "org.opencontainers.image.revision": args.commit,
        "org.opencontainers.image.source": args.source,
    };
}

export interface ServiceImageArgs {
    /** Service name; the image repository is `<registry>/<service>`. */
    service: string;
    /** Release version (part of the tag and a label). */
    version: string;
    /** Git commit built (part of the tag and a label). */
    commit: string;
    /** URL of the source repository. */
    source: string;
    /** Registry host[/path] pushed to. */
    registry: string;
    /** Build from this Dockerfile; when absent, `ref` is used as given. */
    build?: {
        /** Absolute path of the build context. */
        context: string;
        /** Absolute path of the Dockerfile. */
        dockerfile: string;
        /** Multi-stage target. */
        target?: string;
    };
    /** Registry credentials for pushing. */
    auth?: { username: string; password: pulumi.Input<string> };
    /** A prebuilt image pinned by digest, for stacks that don't build. */
    ref?: string;
}

/**
 * The image a service runs: built from its Dockerfile, labelled with version and commit and pushed,
 * or taken as given; either way its output is a reference pinned by digest, never a floating tag.
 */
export class ServiceImage extends pulumi.ComponentResource {
    /** `repo@sha256:...`, what the workload runs. */
    public readonly ref: pulumi.Output<string>;
    /** `sha256:...`. */
    public readonly digest: pulumi.Output<string>;
    /** Repository without tag or digest. */
    public readonly repository: string;

    constructor(name: string, args: ServiceImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("slipway:image:ServiceImage", name, {}, opts);
        if (args.build) {
            this.repository = `${args.registry}/${args.service}`;
            const tag = `${this.repository}:${args.version}-${args.commit.slice(0, 12)}`;
            const labels = ociLabels(args);
            const image = new dockerBuild.Image(
                `${name}-image`,
                {
                    context: { location: args.build.context },
                    dockerfile: { location: args.build.dockerfile },
                    target: args.build.target,
                    platforms: ["linux/amd64"],
                    tags: [tag],
                    labels,
                    buildArgs: { GIT_COMMIT: args.commit, SERVICE_VERSION: args.version, GIT_SOURCE: args.source },
                    push: true,
                    registries: args.auth ? [{ address: args.registry.split("/")[0]!, username: args.auth.username, password: args.auth.password }] : undefined,
                },
                { parent: this },
            );
            this.digest = image.digest;
            this.ref = pulumi.interpolate`${this.repository}@${image.digest}`;
        } else {
            if (!args.ref) {
                throw new Error(`service ${args.service}: this stack does not build images, so it needs a prebuilt reference (slipway:images.${args.service}.ref)`);
            }
            const parsed = parseDigestReference(args.service, args.ref);
            this.repository = parsed.repository;
            this.digest = pulumi.output(parsed.digest);
            this.ref = pulumi.output(`${parsed.repository}@${parsed.digest}`);
        }
        this.registerOutputs({ ref: this.ref, digest: this.digest, repository: this.repository });
    }
}
