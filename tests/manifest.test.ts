import * as path from "path";
import * as YAML from "yaml";
import { describe, expect, it } from "vitest";
import { loadServices, ManifestError, mergeOverride, parseManifest } from "../manifest/load";
import { parseQuantity } from "../manifest/quantity";
import { projectDir } from "./support/program";
import { validManifest, writeServicesDir } from "./support/manifests";

/** Validates one manifest object and returns its issues as `path: message` lines. */
function issuesOf(manifest: unknown): string[] {
    return parseManifest("svc/service.yaml", YAML.stringify(manifest)).issues.map((i) => `${i.path}: ${i.message}`);
}

function mutate(change: (m: Record<string, any>) => void): Record<string, any> {
    const manifest = validManifest();
    change(manifest);
    return manifest;
}

describe("service manifest validation", () => {
    it("accepts a complete valid manifest and fills defaults", () => {
        const parsed = parseManifest("svc/service.yaml", YAML.stringify(validManifest()));
        expect(parsed.issues).toEqual([]);
        expect(parsed.resolved.dev!.rollout.analysis).toMatchObject({ interval: "30s", count: 5, failureLimit: 1 });
        expect(parsed.resolved.dev!.ports[0]!.protocol).toBe("TCP");
        expect(parsed.resolved.prod!.replicas).toBe(3);
        expect(parsed.resolved.dev!.replicas).toBe(2);
    });

    it("rejects unknown fields, naming the path", () => {
        expect(issuesOf(mutate((m) => (m.replicaz = 2)))).toEqual(["replicaz: unknown field (check its spelling against the manifest schema)"]);
        expect(issuesOf(mutate((m) => (m.probes.readiness.paht = "/x")))).toContain("probes.readiness.paht: unknown field (check its spelling against the manifest schema)");
    });

    it("rejects wrong types", () => {
        expect(issuesOf(mutate((m) => (m.replicas = "two")))).toEqual(["replicas: expected number, received string"]);
        expect(issuesOf(mutate((m) => (m.ports = "8080")))).toEqual(["ports: expected array, received string"]);
    });

    it("rejects bad ports", () => {
        expect(issuesOf(mutate((m) => (m.ports[0].containerPort = 70000)))).toEqual(["ports[0].containerPort: expected a port between 1 and 65535"]);
        expect(issuesOf(mutate((m) => (m.ports[0].containerPort = 0)))).toEqual(["ports[0].containerPort: expected a port between 1 and 65535"]);
        expect(issuesOf(mutate((m) => (m.ports[0].containerPort = 80.5)))).toEqual(["ports[0].containerPort: expected int, received number"]);
        expect(issuesOf(mutate((m) => m.ports.push({ name: "http", containerPort: 9090 })))).toEqual(["ports[1].name: duplicate port name http"]);
        expect(issuesOf(mutate((m) => m.ports.push({ name: "metrics", containerPort: 8080 })))).toEqual(["ports[1].containerPort: duplicate containerPort 8080"]);
        expect(issuesOf(mutate((m) => (m.ports = [])))).toEqual(["ports: expected at least one port"]);
        expect(issuesOf(mutate((m) => (m.probes.liveness.port = "admin")))).toEqual(["probes.liveness.port: expected a port declared in ports, got admin"]);
    });

    it("rejects limits below requests", () => {
        expect(issuesOf(mutate((m) => (m.resources.limits.memory = "64Mi")))).toEqual(["resources.limits.memory: expected a limit at or above the request (128Mi), got 64Mi"]);
        expect(issuesOf(mutate((m) => (m.resources.limits.cpu = "0.05")))).toEqual(["resources.limits.cpu: expected a limit at or above the request (100m), got 0.05"]);
        expect(issuesOf(mutate((m) => (m.resources.requests.cpu = "lots")))).toEqual(["resources.requests.cpu: expected a Kubernetes quantity such as 100m, 0.5, 128Mi or 1Gi"]);
    });

    it("rejects a literal secret in env without echoing it", () => {
        const issues = issuesOf(mutate((m) => m.env.push({ name: "API_TOKEN", value: "s3cr3t-value-123" })));
        expect(issues).toEqual(["env[2].value: literal secret value for API_TOKEN; reference a Kubernetes Secret with secretRef: {name, key} instead"]);
        expect(issues.join("\n")).not.toContain("s3cr3t-value-123");
        const byValue = issuesOf(mutate((m) => m.env.push({ name: "GREETING", value: "ghp_abcdefghijklmnopqrstuvwxyz0123456789" })));
        expect(byValue).toEqual(["env[2].value: literal secret value for GREETING; reference a Kubernetes Secret with secretRef: {name, key} instead"]);
        expect(byValue.join("\n")).not.toContain("ghp_");
        expect(issuesOf(mutate((m) => m.env.push({ name: "PRIVATE_KEY", value: "-----BEGIN RSA PRIVATE KEY-----\nabc" })))).toHaveLength(1);
    });

    it("requires exactly one of value and secretRef, and unique env names", () => {
        expect(issuesOf(mutate((m) => m.env.push({ name: "EMPTY" })))).toEqual(["env[2]: expected exactly one of value or secretRef"]);
        expect(issuesOf(mutate((m) => m.env.push({ name: "LOG_LEVEL", value: "debug" })))).toEqual(["env[2].name: duplicate environment variable LOG_LEVEL"]);
    });

    it("checks rollout strategy settings and that a canary is analysed", () => {
        expect(issuesOf(mutate((m) => delete m.rollout.canary))).toEqual(["rollout.canary: expected canary settings for strategy canary"]);
        expect(issuesOf(mutate((m) => (m.rollout.canary.steps = [{ setWeight: 50 }, { pause: "manual" }])))).toEqual([
            "rollout.canary.steps[1].pause: a manual pause needs an analysis step or background analysis, or the rollout waits for a person with nothing verified",
            "rollout.canary.steps: expected an analysis step or backgroundAnalysisFromStep, so the canary is verified before promotion",
        ]);
        expect(issuesOf(mutate((m) => m.rollout.canary.steps.push({ setWeight: 120 })))).toEqual(["rollout.canary.steps[4].setWeight: expected a weight between 0 and 100"]);
        expect(issuesOf(mutate((m) => (m.rollout.analysis = { interval: "30s" })))).toEqual(["rollout.analysis: expected at least one check: errorRate or smokeTest"]);
        expect(issuesOf(mutate((m) => (m.rollout.analysis.failureLimit = -1)))).toEqual(["rollout.analysis.failureLimit: expected 0 or more (-1 would disable failure and promote anything)"]);
        expect(issuesOf(mutate((m) => (m.rollout.analysis.interval = "soon")))).toEqual(["rollout.analysis.interval: expected a duration such as 30s, 5m or 1h"]);
    });

    it("accepts blue/green and rejects canary settings on it", () => {
        expect(issuesOf(validManifest("bg-api", "blueGreen"))).toEqual([]);
        expect(issuesOf({ ...validManifest("bg-api", "blueGreen"), rollout: { ...validManifest().rollout, strategy: "blueGreen" } })).toEqual([
            "rollout.blueGreen: expected blueGreen settings for strategy blueGreen",
            "rollout.canary: canary settings given for strategy blueGreen",
        ]);
    });

    it("rejects a floating image tag and a missing image source", () => {
        expect(issuesOf(mutate((m) => (m.image = { ref: "registry.example/demo:latest" })))).toEqual([
            "image.ref: expected an image pinned by digest (repo@sha256:<64 hex>), never a floating tag",
        ]);
        expect(issuesOf(mutate((m) => (m.image = {})))).toEqual(["image: expected build (context and Dockerfile) or ref (a repo@sha256: reference)"]);
    });

    it("checks names, Slack channel, repository and version formats", () => {
        expect(issuesOf(mutate((m) => (m.name = "Demo_API")))).toHaveLength(1);
        expect(issuesOf(mutate((m) => (m.slack = "demo")))).toEqual(["slack: expected a Slack channel such as #team-deploys"]);
        expect(issuesOf(mutate((m) => (m.repository = "just-a-name")))).toEqual(["repository: expected a GitHub repository as owner/name"]);
        expect(issuesOf(mutate((m) => (m.version = "v1")))).toEqual(["version: expected a semantic version such as 1.4.2"]);
    });

    it("checks autoscaling bounds against each other and the replica floor", () => {
        expect(issuesOf(mutate((m) => (m.autoscaling = { minReplicas: 5, maxReplicas: 3 })))).toEqual(["autoscaling.maxReplicas: expected maxReplicas at or above minReplicas (5)"]);
        expect(issuesOf(mutate((m) => (m.autoscaling = { minReplicas: 1, maxReplicas: 3 })))).toEqual([
            "autoscaling.minReplicas: expected minReplicas at or above replicas (2), or the autoscaler scales below the floor",
        ]);
    });

    it("validates each environment's merged overrides and names the override in the path", () => {
        const issues = issuesOf(mutate((m) => (m.overrides.prod.resources = { limits: { memory: "1Mi" } })));
        expect(issues).toEqual(["overrides.prod.resources.limits.memory: expected a limit at or above the request (128Mi), got 1Mi"]);
        expect(issuesOf(mutate((m) => (m.overrides.staging = { replicas: 2 })))).toHaveLength(1);
        expect(issuesOf(mutate((m) => (m.overrides.prod.image = { ref: "x" })))).toEqual(["overrides.prod.image: unknown field (check its spelling against the manifest schema)"]);
    });

    it("reports invalid YAML with its line, and more than one document", () => {
        const broken = parseManifest("svc/service.yaml", "name: demo\nports: [\n");
        expect(broken.issues[0]!.message).toMatch(/^invalid YAML at line \d+/);
        expect(parseManifest("svc/service.yaml", "a: 1\n---\nb: 2\n").issues[0]!.message).toBe("expected exactly one YAML document, found 2");
    });
});

describe("loading a services directory", () => {
    it("loads the repository's own sample services for every environment", () => {
        for (const environment of ["dev", "prod", "local"] as const) {
            const services = loadServices({ servicesDir: path.join(projectDir, "services"), environment });
            expect(services.map((s) => s.name)).toEqual(["catalog-api", "orders-api"]);
        }
    });

    it("reports every error of every file at once, each naming its file", () => {
        const dir = writeServicesDir({
            "good-api": validManifest("good-api"),
            "bad-one": mutate((m) => {
                m.name = "bad-one";
                m.ports[0].containerPort = 99999;
                m.replicaz = 1;
            }),
            "bad-two": { ...validManifest("bad-two"), slack: "nope" },
        });
        let error: unknown;
        try {
            loadServices({ servicesDir: dir, environment: "dev", relativeTo: dir });
        } catch (e) {
            error = e;
        }
        expect(error).toBeInstanceOf(ManifestError);
        const issues = (error as ManifestError).issues.map((i) => `${i.file}: ${i.path}: ${i.message}`);
        expect(issues).toEqual([
            "bad-one/service.yaml: ports[0].containerPort: expected a port between 1 and 65535",
            "bad-one/service.yaml: replicaz: unknown field (check its spelling against the manifest schema)",
            "bad-two/service.yaml: slack: expected a Slack channel such as #team-deploys",
        ]);
        expect((error as Error).message).toContain("3 problem(s) in service manifests");
    });

    it("rejects duplicate service names and a name that is not its folder", () => {
        const dir = writeServicesDir({ "first-api": validManifest("shared-api"), "shared-api": validManifest("shared-api") });
        expect(() => loadServices({ servicesDir: dir, environment: "dev", relativeTo: dir })).toThrow(
            /first-api\/service.yaml: name: expected the folder name first-api, got shared-api[\s\S]*shared-api\/service.yaml: name: duplicate service name shared-api \(also in first-api\/service.yaml\)/,
        );
    });

    it("fails clearly on an empty or missing services directory", () => {
        expect(() => loadServices({ servicesDir: writeServicesDir({}), environment: "dev" })).toThrow(/no services\/<name>\/service.yaml found/);
        expect(() => loadServices({ servicesDir: "/nonexistent/services", environment: "dev" })).toThrow(/services directory not found/);
    });
});

describe("manifest helpers", () => {
    it("merges overrides: objects key by key, lists replace", () => {
        expect(mergeOverride({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, e: 2 })).toEqual({ a: { b: 1, c: [3] }, d: 1, e: 2 });
    });

    it("parses Kubernetes quantities", () => {
        expect(parseQuantity("100m")).toBeCloseTo(0.1);
        expect(parseQuantity("128Mi")).toBe(128 * 2 ** 20);
        expect(parseQuantity("1G")).toBe(1e9);
        expect(parseQuantity("1e3")).toBe(1000);
        expect(parseQuantity(2)).toBe(2);
        expect(parseQuantity("12 Mi")).toBeUndefined();
        expect(parseQuantity("Mi")).toBeUndefined();
    });
});

describe("the manifest's JSON Schema for editors", () => {
    it("is generated from the zod schema and committed up to date (npm run schema)", async () => {
        const fs = await import("fs");
        const { manifestJsonSchema, schemaFile } = await import("../manifest/jsonSchema");
        expect(fs.readFileSync(schemaFile, "utf8")).toBe(manifestJsonSchema());
        const schema = JSON.parse(manifestJsonSchema());
        expect(schema.additionalProperties).toBe(false);
        expect(schema.required).toEqual(expect.arrayContaining(["name", "team", "slack", "image", "ports", "probes", "resources", "rollout"]));
    });
});
