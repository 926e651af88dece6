/**
 * Every Slipway policy at its default enforcement level, in the order they run.
 * `policy/index.ts` serves this list as the PolicyPack; the gate CLI and tests evaluate it
 * through `policy/engine.ts`.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { evidencePolicies } from "./evidence";
import { networkPolicies } from "./network";
import { podSecurityPolicies } from "./podSecurity";
import { promotionPolicies } from "./promotion";
import { reliabilityPolicies } from "./reliability";
import { rolloutPolicies } from "./rollouts";
import { secretsPolicies } from "./secrets";
import { supplyChainPolicies } from "./supplyChain";

export type SlipwayPolicy = ResourceValidationPolicy | StackValidationPolicy;

/** Builds a fresh list of every policy (each policy object is independent). */
export function slipwayPolicies(): SlipwayPolicy[] {
    return [
        ...podSecurityPolicies(),
        ...reliabilityPolicies(),
        ...supplyChainPolicies(),
        ...rolloutPolicies(),
        ...networkPolicies(),
        ...secretsPolicies(),
        ...evidencePolicies(),
        ...promotionPolicies(),
    ];
}

/** The pack's policies. */
export const policies: readonly SlipwayPolicy[] = slipwayPolicies();
