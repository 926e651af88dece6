/**
 * The Argo Rollouts notification engine's configuration (`argo-rollouts-notification-configmap`):
 * a Slack service whose token comes from the notification Secret, and one template per trigger the
 * services subscribe to. Pure, so the messages can be tested.
 */
import { notificationTriggers } from "./workloadObjects";

/** Name of the ConfigMap the controller reads. */
export const notificationConfigMapName = "argo-rollouts-notification-configmap";
/** Name of the Secret the controller resolves `$slack-token` from. */
export const notificationSecretName = "argo-rollouts-notification-secret";
/** Key of the Slack token inside the Secret. */
export const slackTokenKey = "slack-token";

interface TemplateText {
    /** Colour of the Slack attachment. */
    color: string;
    /** Headline. */
    title: string;
}

const templates: Record<(typeof notificationTriggers)[number], TemplateText> = {
    "on-rollout-updated": { color: "#3b82f6", title: "rollout started" },
    "on-rollout-step-completed": { color: "#3b82f6", title: "step {{.rollout.status.currentStepIndex}} completed" },
    "on-rollout-completed": { color: "#18be52", title: "promoted: rollout completed" },
    "on-rollout-aborted": { color: "#e01e5a", title: "ABORTED: rolled back to stable" },
    "on-rollout-paused": { color: "#ecb22e", title: "paused" },
    "on-analysis-run-failed": { color: "#e01e5a", title: "analysis FAILED" },
    "on-analysis-run-error": { color: "#e01e5a", title: "analysis errored" },
};

function templateName(trigger: string): string {
    return `slipway-${trigger.replace(/^on-/, "")}`;
}

/** The notification message: service, environment, image, and a link back to the commit. */
function templateBody(text: TemplateText): string {
    const name = "{{.rollout.metadata.name}}";
    const ns = "{{.rollout.metadata.namespace}}";
    const image = '{{index .rollout.metadata.annotations "slipway.dev/image"}}';
    const commit = '{{index .rollout.metadata.annotations "slipway.dev/git-commit"}}';
    const commitUrl = '{{index .rollout.metadata.annotations "slipway.dev/commit-url"}}';
    const attachment = JSON.stringify([
        {
            title: `${name} (${ns}): ${text.title}`,
            color: text.color,
            fields: [
                { title: "Image", value: image, short: false },
                { title: "Commit", value: `<${commitUrl}|${commit}>`, short: true },
            ],
        },
    ]);
    return [`message: "${name} in ${ns}: ${text.title}"`, "slack:", "  attachments: |", `    ${attachment}`].join("\n") + "\n";
}

/** The ConfigMap's data. `slackApiUrl` points the Slack client at a stand-in receiver. */
export function notificationConfigData(options: { slackApiUrl?: string }): Record<string, string> {
    const slack = ["token: $" + slackTokenKey, "username: slipway", "icon: ':ship:'"];
    if (options.slackApiUrl) {
        // slack-go appends method names to the base URL, so it must end with a slash.
        slack.push(`apiURL: ${options.slackApiUrl.endsWith("/") ? options.slackApiUrl : `${options.slackApiUrl}/`}`);
    }
    const data: Record<string, string> = { "service.slack": slack.join("\n") + "\n" };
    for (const trigger of notificationTriggers) {
        data[`template.${templateName(trigger)}`] = templateBody(templates[trigger]);
        data[`trigger.${trigger}`] = `- send: [${templateName(trigger)}]\n`;
    }
    return data;
}
