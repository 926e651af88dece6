/**
 * Validates registered Kubernetes objects against the real Kubernetes and Argo Rollouts schemas
 * (kubernetes-models, generated from the upstream OpenAPI specs and CRDs).
 */
import { AnalysisTemplate, Rollout } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from "kubernetes-models/v1";
import { RecordedResource, unwrapSecrets } from "./program";

type Validator = (object: Record<string, unknown>) => void;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function validatorOf(Model: any): Validator {
    return (object) => new Model(object).validate();
}

/** Type tokens the program registers, and their schema. */
export const schemaByType: Record<string, Validator> = {
    "kubernetes:argoproj.io/v1alpha1:Rollout": validatorOf(Rollout),
    "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate": validatorOf(AnalysisTemplate),
    "kubernetes:core/v1:Service": validatorOf(Service),
    "kubernetes:core/v1:ServiceAccount": validatorOf(ServiceAccount),
    "kubernetes:core/v1:Namespace": validatorOf(Namespace),
    "kubernetes:core/v1:Secret": validatorOf(Secret),
    "kubernetes:core/v1:ConfigMap": validatorOf(ConfigMap),
    "kubernetes:policy/v1:PodDisruptionBudget": validatorOf(PodDisruptionBudget),
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": validatorOf(NetworkPolicy),
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": validatorOf(HorizontalPodAutoscaler),
};

/** apiVersion/kind a Pulumi Kubernetes type token stands for. */
export function typeMeta(type: string): { apiVersion: string; kind: string } {
    const match = /^kubernetes:([^:]+):(\w+)$/.exec(type);
    if (!match) {
        throw new Error(`not a Kubernetes type token: ${type}`);
    }
    const [, groupVersion, kind] = match;
    return { apiVersion: groupVersion!.replace(/^core\//, ""), kind: kind! };
}

/** Returns the schema errors of one recorded object ("" when valid); throws for an unknown type. */
export function schemaErrors(resource: RecordedResource): string {
    const validate = schemaByType[resource.type];
    if (!validate) {
        throw new Error(`no schema registered for ${resource.type} (${resource.name}); add it to tests/support/schemas.ts`);
    }
    // Pulumi adds apiVersion/kind itself for typed resources; the schema wants them.
    const object = { ...typeMeta(resource.type), ...unwrapSecrets(resource.inputs) };
    try {
        validate(object);
        return "";
    } catch (error) {
        return `${resource.type} ${resource.name}: ${(error as Error).message}`;
    }
}
