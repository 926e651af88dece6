import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";

/** One service repository and what its pipeline needs. */
export interface DeliveryRepository {
    /** `owner/name`. */
    repository: string;
    /** Service deployed from it. */
    service: string;
    /** Actions variables to set. */
    variables: Record<string, string>;
}

/** Splits `owner/name`; the provider's owner must match, so the repository is named by `name`. */
export function repositoryName(fullName: string): string {
    return fullName.split("/")[1] ?? fullName;
}

/** Actions variables every service's pipeline reads. */
export function pipelineVariables(args: { service: string; registry: string; namespace: string }): Record<string, string> {
    return {
        SLIPWAY_SERVICE: args.service,
        SLIPWAY_REGISTRY: args.registry,
        SLIPWAY_NAMESPACE: args.namespace,
    };
}

export interface GithubDeliveryArgs {
    /** Repositories to manage. */
    repositories: DeliveryRepository[];
    /** Default branch, protected and the only one prod may deploy from. */
    defaultBranch: string;
    /** Status checks required before merging. */
    requiredChecks: string[];
    /** Required approving reviews. */
    requiredApprovals: number;
    /** Team slugs whose approval a prod deployment needs. */
    prodReviewerTeams: string[];
    /** Actions secrets (name to value) for every repository; values are Pulumi secrets. */
    actionsSecrets?: pulumi.Input<Record<string, string>>;
    /** Names of the secrets in actionsSecrets (known at plan time, values stay secret). */
    actionsSecretNames: string[];
}

/**
 * GitHub as code for the service repositories: branch protection with required checks, dev and
 * prod environments (prod behind required reviewers, from the default branch only), and the Actions
 * variables and secrets the pipeline needs.
 */
export class GithubDelivery extends pulumi.ComponentResource {
    /** Repositories managed. */
    public readonly repositories: string[];

    constructor(name: string, args: GithubDeliveryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("slipway:github:GithubDelivery", name, {}, opts);
        const reviewerTeamIds = args.prodReviewerTeams.map((slug) => github.getTeamOutput({ slug, summaryOnly: true }, { parent: this }).apply((team) => Number(team.id)));

        for (const repo of args.repositories) {
            const repoName = repositoryName(repo.repository);
            const prefix = `${name}-${repo.service}`;
            new github.BranchProtection(
                `${prefix}-protection`,
                {
                    repositoryId: repoName,
                    pattern: args.defaultBranch,
                    enforceAdmins: true,
                    allowsDeletions: false,
                    allowsForcePushes: false,
                    requireConversationResolution: true,
                    requiredLinearHistory: true,
                    requiredStatusChecks: [{ strict: true, contexts: args.requiredChecks }],
                    requiredPullRequestReviews: [{ requiredApprovingReviewCount: args.requiredApprovals, dismissStaleReviews: true, requireLastPushApproval: true }],
                },
                { parent: this },
            );
            new github.RepositoryEnvironment(`${prefix}-env-dev`, { repository: repoName, environment: "dev" }, { parent: this });
            const prod = new github.RepositoryEnvironment(
                `${prefix}-env-prod`,
                {
                    repository: repoName,
                    environment: "prod",
                    preventSelfReview: true,
                    canAdminsBypass: false,
                    reviewers: reviewerTeamIds.length ? [{ teams: reviewerTeamIds }] : undefined,
                    deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
                },
                { parent: this },
            );
            new github.RepositoryEnvironmentDeploymentPolicy(
                `${prefix}-env-prod-branch`,
                { repository: repoName, environment: prod.environment, branchPattern: args.defaultBranch },
                { parent: this },
            );
            for (const [variable, value] of Object.entries(repo.variables)) {
                new github.ActionsVariable(`${prefix}-var-${variable.toLowerCase()}`, { repository: repoName, variableName: variable, value }, { parent: this });
            }
            for (const secretName of args.actionsSecretNames) {
                const value = pulumi.secret(
                    pulumi.output(args.actionsSecrets ?? {}).apply((secrets) => {
                        const found = secrets[secretName];
                        if (found === undefined || found === "") {
                            throw new Error(`github: Actions secret ${secretName} is listed in slipway:github.actionsSecretNames but slipway:actionsSecrets has no value for it`);
                        }
                        return found;
                    }),
                );
                new github.ActionsSecret(`${prefix}-secret-${secretName.toLowerCase()}`, { repository: repoName, secretName, value }, { parent: this });
            }
        }
        this.repositories = args.repositories.map((r) => r.repository);
        this.registerOutputs({ repositories: this.repositories });
    }
}
