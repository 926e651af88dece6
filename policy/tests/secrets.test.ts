import { describe, expect, it } from "vitest";
import {
    chartName,
    helmReleaseAllowList,
    helmReleaseVersion,
    isSecretName,
    linterSuppressionAnnotations,
    secretLiterals,
} from "../policies/secrets";
import { deployment, firstContainer, messagesOf, rollout } from "./helpers";

const SECRET = "s3cr3t-Hunter2-value";
const PRIVATE_KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAvery-secret-material\n-----END RSA PRIVATE KEY-----";

const withEnv = (env: unknown[]) => deployment((p) => (firstContainer(p).env = env));

describe("secret-literals", () => {
    it("passes secretKeyRef, plain settings and file paths", () => {
        const env = [
            { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } },
            { name: "LOG_LEVEL", value: "info" },
            { name: "DB_PASSWORD_FILE", value: "/run/secrets/db" },
            { name: "TOKEN_TTL_SECONDS", value: "3600" },
            { name: "AUTH_TOKEN_ENABLED", value: "true" },
            { name: "API_KEY", value: "$(API_KEY_FROM_SECRET)" },
        ];
        expect(messagesOf(secretLiterals(), withEnv(env))).toEqual([]);
    });
    it("rejects a literal password and never echoes it", () => {
        const messages = messagesOf(secretLiterals(), withEnv([{ name: "DB_PASSWORD", value: SECRET }]));
        expect(messages).toEqual([
            'Deployment/catalog-api: spec.template.spec.containers[0].env[0] ("DB_PASSWORD", container "app") holds a literal value under a secret-sounding name; move it to a Kubernetes Secret (env valueFrom.secretKeyRef) filled from a Pulumi secret.',
        ]);
        expect(messages.join("\n")).not.toContain(SECRET);
    });
    it("hostile: rejects a private key block under any name, without echoing it", () => {
        const messages = messagesOf(secretLiterals(), withEnv([{ name: "CONFIG", value: PRIVATE_KEY }]));
        expect(messages).toHaveLength(1);
        expect(messages[0]).toContain('env[0] ("CONFIG", container "app") holds a private key block');
        expect(messages[0]).not.toContain("MIIEowIBAAKCAQEA");
        expect(messages[0]).not.toContain("BEGIN RSA");
    });
    it("rejects credentials in URLs and well-known token formats", () => {
        const env = [
            { name: "DATABASE_URL", value: `postgres://app:${SECRET}@db:5432/app` },
            { name: "NOTIFY", value: "xoxb-1234567890-abcdefghijkl" },
            { name: "AWS", value: "AKIAABCDEFGHIJKLMNOP" },
        ];
        const messages = messagesOf(secretLiterals(), withEnv(env));
        expect(messages.map((m) => m.match(/holds (.*?);/)?.[1])).toEqual(["a URL with an embedded password", "a Slack token", "an AWS access key"]);
        expect(messages.join("\n")).not.toContain(SECRET);
    });
    it("allows a URL whose password is a variable reference", () => {
        expect(messagesOf(secretLiterals(), withEnv([{ name: "DATABASE_URL", value: "postgres://app:$(DB_PASSWORD)@db/app" }]))).toEqual([]);
    });
    it("checks init containers and command-line arguments", () => {
        const messages = messagesOf(
            secretLiterals(),
            deployment((p) => {
                p.spec.template.spec.initContainers = [{ name: "init", image: "x:1", env: [{ name: "apiKey", value: SECRET }] }];
                firstContainer(p).args = ["--db-password", SECRET, "--port=8080"];
            }),
        );
        expect(messages).toHaveLength(2);
        expect(messages[0]).toContain("spec.template.spec.containers[0].args[0]");
        expect(messages[1]).toContain('spec.template.spec.initContainers[0].env[0] ("apiKey", init container "init")');
        expect(messages.join("\n")).not.toContain(SECRET);
    });
    it("checks ConfigMap entries", () => {
        const configMap = {
            type: "kubernetes:core/v1:ConfigMap",
            name: "cfg",
            props: { kind: "ConfigMap", metadata: { name: "cfg" }, data: { "tls.key": PRIVATE_KEY, "app.properties": `db.url=jdbc:x\ndb.password=${SECRET}\n`, "ok.properties": "db.password=${DB_PASSWORD}\n" } },
        };
        const messages = messagesOf(secretLiterals(), configMap);
        expect(messages).toEqual([
            'ConfigMap/cfg: data["tls.key"] holds a private key block; move it to a Kubernetes Secret (env valueFrom.secretKeyRef) filled from a Pulumi secret, not a ConfigMap.',
            'ConfigMap/cfg: data["app.properties"] sets "db.password" to a literal value; move it to a Kubernetes Secret (env valueFrom.secretKeyRef) filled from a Pulumi secret, and reference it from the config file.',
        ]);
        expect(messages.join("\n")).not.toContain(SECRET);
    });
    it("recognises secret-sounding names", () => {
        expect(["DB_PASSWORD", "dbPassword", "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "API_KEY", "apikey", "signing-key"].filter(isSecretName)).toHaveLength(7);
        expect(["SECRET_NAME", "TOKEN_URL", "PASSWORD_FILE", "KEYCLOAK_REALM", "MONKEY"].filter(isSecretName)).toEqual([]);
    });
});

const release = (chart: string | undefined, version: string | null = "2.39.1") => ({
    type: "kubernetes:helm.sh/v3:Release",
    name: "addon",
    props: { chart, ...(version === null ? {} : { version }), repositoryOpts: { repo: "https://argoproj.github.io/argo-helm" }, values: {} },
});

describe("helm-release-allow-list", () => {
    it("passes an allow-listed chart, however it is referenced", () => {
        for (const chart of ["argo-rollouts", "argo/argo-rollouts", "oci://ghcr.io/argoproj/argo-helm/argo-rollouts", "./charts/argo-rollouts-2.39.1.tgz"]) {
            expect(messagesOf(helmReleaseAllowList(), release(chart))).toEqual([]);
        }
        expect(chartName("oci://registry/x/argo-rollouts")).toBe("argo-rollouts");
    });
    it("hostile: rejects a service hidden in a helm.v3.Release", () => {
        expect(messagesOf(helmReleaseAllowList(), release("./charts/orders-api"))).toEqual([
            'Release/addon: props.chart: chart "./charts/orders-api" is not an allow-listed platform chart (allowed: argo-rollouts); deploy service workloads as typed resources (Rollout, Service, ...) so every policy sees them.',
        ]);
    });
    it("uses the configured allow-list", () => {
        expect(messagesOf(helmReleaseAllowList(), release("argo-rollouts"), { allowedCharts: ["cert-manager"] })).toHaveLength(1);
        expect(messagesOf(helmReleaseAllowList(), release("cert-manager"), { allowedCharts: ["cert-manager"] })).toEqual([]);
    });
});

describe("helm-release-version", () => {
    it("requires an exact chart version", () => {
        expect(messagesOf(helmReleaseVersion(), release("argo-rollouts", "2.39.1"))).toEqual([]);
        expect(messagesOf(helmReleaseVersion(), release("argo-rollouts", null))).toEqual([
            'Release/addon: props.version is not set; pin the chart to an exact version such as "2.39.1".',
        ]);
        expect(messagesOf(helmReleaseVersion(), release("argo-rollouts", "^2.0.0"))[0]).toContain('props.version "^2.0.0" is not an exact version');
    });
});

describe("linter-suppression-annotations", () => {
    it("hostile: rejects ignore-check.kube-linter.io/* in prod", () => {
        expect(messagesOf(linterSuppressionAnnotations(), deployment((p) => (p.metadata.annotations["ignore-check.kube-linter.io/foo"] = "because")))).toEqual([
            'Deployment/catalog-api: metadata.annotations["ignore-check.kube-linter.io/foo"] silences another linter; remove it and fix the finding instead.',
        ]);
    });
    it("rejects kube-score, Polaris and kube-linter silencers, on the pod template too", () => {
        const messages = messagesOf(
            linterSuppressionAnnotations(),
            rollout((p) => {
                p.metadata.annotations["kube-score/ignore"] = "container-resources";
                p.metadata.annotations["polaris.fairwinds.com/exempt"] = "true";
                p.metadata.annotations["polaris.fairwinds.com/runAsRootAllowed-exempt"] = "true";
                p.spec.template.metadata.annotations = { "kube-linter.io/ignore-all": "" };
            }),
        );
        expect(messages).toHaveLength(4);
        expect(messages[3]).toContain('spec.template.metadata.annotations["kube-linter.io/ignore-all"]');
    });
    it("checks any Kubernetes object and can be relaxed by config", () => {
        const svc = { type: "kubernetes:core/v1:Service", name: "s", props: { metadata: { name: "s", annotations: { "kube-score/ignore": "x" } } } };
        expect(messagesOf(linterSuppressionAnnotations(), svc)).toHaveLength(1);
        expect(messagesOf(linterSuppressionAnnotations(), svc, { forbidSuppressions: false })).toEqual([]);
        expect(messagesOf(linterSuppressionAnnotations(), deployment())).toEqual([]);
    });
});
