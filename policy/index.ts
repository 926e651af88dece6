// The Slipway CrossGuard pack. This module only constructs the PolicyPack (which starts the policy
// server); the policies live in ./policies and are tested from there.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies/all";

new PolicyPack("slipway-gates", {
    description: "Slipway quality gates: pod security, reliability, supply chain, rollouts, network, secrets, evidence and promotion.",
    enforcementLevel: "mandatory",
    policies: [...policies],
});
