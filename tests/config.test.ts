import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig, SecretConfig } from "../config";
import { stackConfig } from "./support/program";

function raw(values: Record<string, string>) {
    return { get: (key: string) => values[`slipway:${key}`] };
}

const secrets: SecretConfig = { slackToken: pulumi.output("xoxb-t"), registryPassword: pulumi.output("p"), actionsSecrets: pulumi.output<Record<string, string>>({ PULUMI_ACCESS_TOKEN: "t" }) };

function errorOf(stack: string, values: Record<string, string>, secretValues: SecretConfig = secrets): string {
    try {
        parseConfig(stack, raw(values), secretValues, { gitCommit: "abcdef1234567" });
    } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
    }
    throw new Error("expected a ConfigError");
}

const minimal = { "slipway:environment": "dev", "slipway:registry": "registry.dev.example", "slipway:analysis": JSON.stringify({ provider: "web" }) };

describe("stack configuration", () => {
    it("accepts every stack file of the repository", () => {
        for (const stack of ["dev", "prod", "local"]) {
            const config = parseConfig(stack, raw(stackConfig(stack)), secrets, { gitCommit: "abcdef1234567" });
            expect(config.environment).toBe(stack);
            expect(config.namespace).toBe(`slipway-${stack}`);
        }
    });

    it("fills defaults for what a stack leaves out", () => {
        const config = parseConfig("dev", raw(minimal), secrets, { gitCommit: "abcdef1234567" });
        expect(config.platform).toMatchObject({ installRolloutsController: true, rolloutsChartVersion: "2.40.5", controllerNamespace: "argo-rollouts", notifications: true });
        expect(config.github.enabled).toBe(false);
        expect(config.waitForRollouts).toBe(true);
        expect(config.evidenceDir).toBe(".slipway/evidence");
    });

    it("names the stack, the key and what was expected", () => {
        expect(errorOf("qa", { ...minimal, "slipway:environment": "staging" })).toBe("invalid configuration for stack qa:\n  slipway:environment: expected one of dev, prod, local");
        expect(errorOf("dev", { ...minimal, "slipway:registry": "https://registry.example" })).toContain("slipway:registry: expected a registry host[/path], without a scheme");
        expect(errorOf("dev", { ...minimal, "slipway:buildImages": "yes" })).toContain("slipway:buildImages: expected true or false");
        expect(errorOf("dev", { ...minimal, "slipway:rolloutTimeoutSeconds": "5" })).toContain("slipway:rolloutTimeoutSeconds: Too small");
    });

    it("reports unknown keys inside structured values", () => {
        expect(errorOf("dev", { ...minimal, "slipway:platform": JSON.stringify({ notification: true }) })).toContain("slipway:platform.notification: unknown key");
    });

    it("rejects snapshot images that float or come from another registry", () => {
        const images = (ref: string) => JSON.stringify({ "catalog-api": { ref, version: "1.0.0", commit: "abcdef1234567" } });
        expect(errorOf("dev", { ...minimal, "slipway:images": images("registry.dev.example/catalog-api:latest") })).toContain(
            "slipway:images.catalog-api.ref: expected an image pinned by digest (repo@sha256:<64 hex>), never a floating tag",
        );
        expect(errorOf("dev", { ...minimal, "slipway:images": images(`registry.other.example/catalog-api@sha256:${"a".repeat(64)}`) })).toContain(
            "slipway:images.catalog-api.ref: expected an image from the dev registry registry.dev.example/",
        );
    });

    it("never builds in prod", () => {
        expect(errorOf("prod", { ...minimal, "slipway:environment": "prod", "slipway:buildImages": "true" })).toContain("slipway:buildImages: prod never builds");
    });

    it("requires the secrets the enabled features need, without printing any", () => {
        const message = errorOf("dev", minimal, {});
        expect(message).toContain("slipway:slackToken: expected a secret when platform.notifications is on");
        const withUser = errorOf("dev", { ...minimal, "slipway:buildImages": "true", "slipway:registryUsername": "ci" }, { slackToken: pulumi.output("x") });
        expect(withUser).toContain("slipway:registryPassword: expected a secret when registryUsername is set");

        expect(errorOf("prod", { ...minimal, "slipway:environment": "prod", "slipway:github": JSON.stringify({ enabled: true, actionsSecretNames: ["PULUMI_ACCESS_TOKEN"] }) }, { slackToken: pulumi.output("x") })).toContain(
            "slipway:actionsSecrets: expected a secret object",
        );
    });

    it("requires a Prometheus address for the prometheus analysis provider", () => {
        expect(errorOf("dev", { ...minimal, "slipway:analysis": JSON.stringify({ provider: "prometheus" }) })).toContain(
            "slipway:analysis.prometheusAddress: expected the Prometheus URL for analysis.provider prometheus",
        );
    });

    it("requires the commit being built", () => {
        expect(() => parseConfig("dev", raw({ ...minimal, "slipway:buildImages": "true" }), secrets, {})).toThrow(/slipway:gitCommit: expected the commit being built/);
    });

    it("collects every problem at once", () => {
        const message = errorOf("dev", { "slipway:environment": "nope", "slipway:registry": "UPPER", "slipway:waitForRollouts": "maybe" });
        expect(message.split("\n").length).toBeGreaterThanOrEqual(4);
    });
});
