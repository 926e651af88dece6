import { describe, expect, it } from "vitest";
import { isVerified, parseVerifiedDigests, promotionVerifiedDigests } from "../policies/promotion";
import { DIGEST, compliantContainer, deployment, firstContainer, messagesOf, rollout } from "./helpers";

const OTHER = "sha256:117d16480bc550b1b14ef8d31a7091be369fcdbc624894c62dc40aea235a243d";
const enabled = (verifiedDigests: string[]) => ({ requireVerifiedDigests: true, verifiedDigests });

describe("promotion-verified-digests", () => {
    it("does nothing unless enabled (dev)", () => {
        expect(messagesOf(promotionVerifiedDigests(), rollout())).toEqual([]);
    });
    it("passes a digest verified in dev", () => {
        expect(messagesOf(promotionVerifiedDigests(), rollout(), enabled([DIGEST]))).toEqual([]);
    });
    it("rejects a digest outside the verified set, naming the service and the digest", () => {
        expect(messagesOf(promotionVerifiedDigests(), rollout(), enabled([OTHER]))).toEqual([
            `Rollout/catalog-api: service "catalog-api": image digest ${DIGEST} (spec.template.spec.containers[0].image) was not verified in dev; deploy and verify it in dev first, then promote it so it is added to verifiedDigests.`,
        ]);
    });
    it("rejects an image without digest", () => {
        const tagged = rollout((p) => (firstContainer(p).image = "registry.prod.slipway.internal/catalog-api:1.4.2"));
        expect(messagesOf(promotionVerifiedDigests(), tagged, enabled([DIGEST]))[0]).toContain(
            'service "catalog-api": spec.template.spec.containers[0].image is not pinned by digest, so it cannot be matched to an image verified in dev',
        );
    });
    it("names the service from its label, else the object name, and checks init containers", () => {
        const unlabeled = deployment((p) => {
            delete p.metadata.labels["app.kubernetes.io/name"];
            p.spec.template.spec.initContainers = [{ ...compliantContainer("init"), image: `registry.prod.slipway.internal/tools@${OTHER}` }];
        }, "orders-worker");
        expect(messagesOf(promotionVerifiedDigests(), unlabeled, enabled([DIGEST]))).toEqual([
            expect.stringContaining(`service "orders-worker": image digest ${OTHER} (spec.template.spec.initContainers[0].image)`),
        ]);
    });
    it("accepts repository-qualified entries for the same repository path in another registry", () => {
        const entry = `registry.dev.slipway.internal/catalog-api@${DIGEST}`;
        expect(messagesOf(promotionVerifiedDigests(), rollout(), enabled([entry]))).toEqual([]);
        expect(messagesOf(promotionVerifiedDigests(), rollout(), enabled([`registry.dev.slipway.internal/orders-api@${DIGEST}`]))).toHaveLength(1);
    });
    it("fails closed: an empty verified set rejects every image, and bad entries are reported", () => {
        expect(messagesOf(promotionVerifiedDigests(), rollout(), enabled([]))).toHaveLength(1);
        const messages = messagesOf(promotionVerifiedDigests(), rollout(), enabled([DIGEST, "latest"]));
        expect(messages).toEqual([
            'promotion-verified-digests config verifiedDigests[1] is not "sha256:<64 hex>" or "<repository>@sha256:<64 hex>"; fix the promotion config.',
        ]);
    });
    it("parses the verified set", () => {
        const set = parseVerifiedDigests([DIGEST, `r.example/team/app@${OTHER}`, "sha256:short"]);
        expect(isVerified(set, DIGEST, "anything")).toBe(true);
        expect(isVerified(set, OTHER, "team/app")).toBe(true);
        expect(isVerified(set, OTHER, "team/other")).toBe(false);
        expect(set.invalid).toEqual([{ index: 2, entry: "sha256:short" }]);
    });
});
