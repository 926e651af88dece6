import { describe, expect, it } from "vitest";
import { defaultServiceAccount, networkPolicyCoverage, serviceAccountToken, serviceExternalExposure } from "../policies/network";
import { deployment, messagesOf, networkPolicy, rollout, service, workloadOfKind } from "./helpers";

const serviceAccount = (automount: boolean | undefined, name = "catalog-api", namespace = "slipway") => ({
    type: "kubernetes:core/v1:ServiceAccount",
    name,
    props: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace }, ...(automount === undefined ? {} : { automountServiceAccountToken: automount }) },
});

describe("network-policy-coverage", () => {
    it("passes when a NetworkPolicy in the namespace selects the pods", () => {
        expect(messagesOf(networkPolicyCoverage(), [deployment(), networkPolicy()])).toEqual([]);
    });
    it("counts a default-deny policy with an empty podSelector", () => {
        expect(messagesOf(networkPolicyCoverage(), [deployment(), networkPolicy((p) => (p.spec.podSelector = {}))])).toEqual([]);
    });
    it("rejects a workload no NetworkPolicy selects", () => {
        expect(messagesOf(networkPolicyCoverage(), [rollout(), networkPolicy((p) => (p.spec.podSelector = { matchLabels: { app: "other" } }))])).toEqual([
            'Rollout/catalog-api: no NetworkPolicy in namespace "slipway" selects its pods (spec.template.metadata.labels); add a NetworkPolicy whose podSelector matches them and allows only the traffic it needs.',
        ]);
    });
    it("does not count a NetworkPolicy in another namespace; a missing namespace means default", () => {
        expect(messagesOf(networkPolicyCoverage(), [deployment(), networkPolicy(() => {}, "np", "other")])).toHaveLength(1);
        const inDefault = workloadOfKind("Deployment");
        expect(messagesOf(networkPolicyCoverage(), [inDefault, networkPolicy((p) => delete p.metadata.namespace)])).toEqual([]);
    });
    it("covers Jobs, CronJobs and Pods too, and is off when not required", () => {
        const resources = [workloadOfKind("Job"), workloadOfKind("CronJob"), workloadOfKind("Pod")];
        expect(messagesOf(networkPolicyCoverage(), resources)).toHaveLength(3);
        expect(messagesOf(networkPolicyCoverage(), resources, { requireNetworkPolicy: false })).toEqual([]);
    });
});

describe("service-account-token", () => {
    it("passes when the pod template disables automounting", () => {
        expect(messagesOf(serviceAccountToken(), deployment())).toEqual([]);
    });
    it("passes when the ServiceAccount disables it and the template leaves it unset", () => {
        const unset = deployment((p) => delete p.spec.template.spec.automountServiceAccountToken);
        expect(messagesOf(serviceAccountToken(), [unset, serviceAccount(false)])).toEqual([]);
    });
    it("rejects an explicit true even if the ServiceAccount disables it", () => {
        const explicit = deployment((p) => (p.spec.template.spec.automountServiceAccountToken = true));
        expect(messagesOf(serviceAccountToken(), [explicit, serviceAccount(false)])).toEqual([
            "Deployment/catalog-api: spec.template.spec.automountServiceAccountToken is true; set it to false (mount a projected token explicitly if the workload must call the API).",
        ]);
    });
    it("rejects an unset template whose ServiceAccount automounts", () => {
        const unset = deployment((p) => delete p.spec.template.spec.automountServiceAccountToken);
        expect(messagesOf(serviceAccountToken(), [unset, serviceAccount(undefined)])).toEqual([
            "Deployment/catalog-api: spec.template.spec.automountServiceAccountToken is not set and ServiceAccount/catalog-api does not disable it either; set automountServiceAccountToken: false on the pod template.",
        ]);
        expect(messagesOf(serviceAccountToken(), [unset, serviceAccount(false, "catalog-api", "other")])[0]).toContain('ServiceAccount "catalog-api" is not part of this set');
    });
});

describe("default-service-account", () => {
    it("hostile: rejects the default service account, named or implied", () => {
        expect(messagesOf(defaultServiceAccount(), deployment((p) => (p.spec.template.spec.serviceAccountName = "default")))).toEqual([
            'Deployment/catalog-api: spec.template.spec.serviceAccountName is "default"; create a ServiceAccount for this workload and name it here.',
        ]);
        expect(messagesOf(defaultServiceAccount(), deployment((p) => delete p.spec.template.spec.serviceAccountName))[0]).toContain(
            "spec.template.spec.serviceAccountName is not set, so the pods run as the namespace's default ServiceAccount",
        );
    });
    it("passes a dedicated account, also via the deprecated serviceAccount field", () => {
        expect(messagesOf(defaultServiceAccount(), deployment())).toEqual([]);
        const legacy = deployment((p) => {
            delete p.spec.template.spec.serviceAccountName;
            p.spec.template.spec.serviceAccount = "catalog-api";
        });
        expect(messagesOf(defaultServiceAccount(), legacy)).toEqual([]);
    });
});

describe("service-external-exposure", () => {
    it("passes a ClusterIP Service", () => {
        expect(messagesOf(serviceExternalExposure(), service("catalog-api"))).toEqual([]);
    });
    it("rejects NodePort and LoadBalancer without the opt-in", () => {
        expect(messagesOf(serviceExternalExposure(), service("web", (p) => (p.spec.type = "NodePort")))).toEqual([
            'Service/web: spec.type is NodePort, which exposes it outside the cluster; use ClusterIP behind the ingress, or add the annotation slipway.dev/allow-external-service: "true" if exposure is intended.',
        ]);
        const wrongValue = service("web", (p) => {
            p.spec.type = "LoadBalancer";
            p.metadata.annotations = { "slipway.dev/allow-external-service": "yes" };
        });
        expect(messagesOf(serviceExternalExposure(), wrongValue)).toHaveLength(1);
    });
    it("accepts the opt-in annotation", () => {
        const optedIn = service("web", (p) => {
            p.spec.type = "LoadBalancer";
            p.metadata.annotations = { "slipway.dev/allow-external-service": "true" };
        });
        expect(messagesOf(serviceExternalExposure(), optedIn)).toEqual([]);
    });
});
