import { describe, expect, it } from "vitest";
import { canonicalRepository, fromAllowedRegistry, isSha256Digest, parseImage } from "../lib/images";
import { imageDigest, imageRegistry, imageTag } from "../policies/supplyChain";
import { DIGEST, compliantContainer, deployment, firstContainer, messagesOf } from "./helpers";

const withImage = (image: string) => deployment((p) => (firstContainer(p).image = image));

describe("image references", () => {
    it("parses registry, path, tag and digest", () => {
        const image = parseImage(`registry.prod.slipway.internal:5000/team/app:1.2.3@${DIGEST}`);
        expect(image).toMatchObject({ registry: "registry.prod.slipway.internal:5000", path: "team/app", tag: "1.2.3", digest: DIGEST, wellFormed: true });
        expect(parseImage("nginx").registry).toBeUndefined();
        expect(canonicalRepository(parseImage("nginx:1.25"))).toBe("docker.io/library/nginx");
        expect(parseImage("Bad Image!").wellFormed).toBe(false);
        expect(isSha256Digest(DIGEST)).toBe(true);
        expect(isSha256Digest("sha256:abc")).toBe(false);
    });
    it("matches registry prefixes on a path boundary", () => {
        expect(fromAllowedRegistry(parseImage("registry.prod.slipway.internal/app:1"), ["registry.prod.slipway.internal"])).toBe(true);
        expect(fromAllowedRegistry(parseImage("registry.prod.slipway.internal.evil.io/app:1"), ["registry.prod.slipway.internal"])).toBe(false);
        expect(fromAllowedRegistry(parseImage("nginx:1.25"), ["docker.io/library/"])).toBe(true);
    });
});

describe("image-tag", () => {
    it("passes a version-tagged, digest-pinned image", () => {
        expect(messagesOf(imageTag(), deployment())).toEqual([]);
    });
    it("rejects an image without tag or digest", () => {
        expect(messagesOf(imageTag(), withImage("nginx"))).toEqual([
            'Deployment/catalog-api: spec.template.spec.containers[0].image "nginx" has no tag or digest, so it floats to latest (container "app"); pin a version tag and digest.',
        ]);
    });
    it("rejects latest in any case", () => {
        expect(messagesOf(imageTag(), withImage("nginx:Latest"))[0]).toContain('"nginx:Latest" uses the latest tag');
    });
    it("rejects a missing image and a malformed one", () => {
        expect(messagesOf(imageTag(), deployment((p) => delete firstContainer(p).image))[0]).toContain("spec.template.spec.containers[0].image is missing");
        expect(messagesOf(imageTag(), withImage("{{ .Values.image }}"))[0]).toContain("is not a valid image reference");
    });
    it("checks init containers too", () => {
        const init = { ...compliantContainer("init"), image: "busybox" };
        expect(messagesOf(imageTag(), deployment((p) => (p.spec.template.spec.initContainers = [init])))[0]).toContain('initContainers[0].image "busybox" has no tag or digest');
    });
});

describe("image-digest", () => {
    it("rejects a tag-only image", () => {
        expect(messagesOf(imageDigest(), withImage("registry.prod.slipway.internal/catalog-api:1.4.2"))).toEqual([
            'Deployment/catalog-api: spec.template.spec.containers[0].image "registry.prod.slipway.internal/catalog-api:1.4.2" is not pinned by digest (container "app"); deploy it as "registry.prod.slipway.internal/catalog-api@sha256:<digest>".',
        ]);
    });
    it("passes a digest and can be disabled by config", () => {
        expect(messagesOf(imageDigest(), withImage(`registry.prod.slipway.internal/catalog-api@${DIGEST}`))).toEqual([]);
        expect(messagesOf(imageDigest(), withImage("nginx:1.25"), { requireDigest: false })).toEqual([]);
    });
});

describe("image-registry", () => {
    const prod = { allowedRegistries: ["registry.prod.slipway.internal/"] };
    it("passes images from the production registry", () => {
        expect(messagesOf(imageRegistry(), deployment(), prod)).toEqual([]);
    });
    it("rejects images from another registry, e.g. the dev registry in prod", () => {
        expect(messagesOf(imageRegistry(), withImage(`registry.dev.slipway.internal/catalog-api:1.4.2@${DIGEST}`), prod)).toEqual([
            `Deployment/catalog-api: spec.template.spec.containers[0].image "registry.dev.slipway.internal/catalog-api:1.4.2@${DIGEST}" is not from an allowed registry (container "app"); deploy an image from registry.prod.slipway.internal/ (in prod, the promoted copy in the production registry).`,
        ]);
    });
    it("allows any registry when the list is empty", () => {
        expect(messagesOf(imageRegistry(), withImage("nginx:1.25"))).toEqual([]);
    });
});
