import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { formatViolation, main } from "../gate/cli";
import { readFileSync } from "node:fs";
import { parseManifests, parseWithYaml, typeTokenOf } from "../gate/load";
import { FIXTURES } from "./helpers";

const ROOT = path.resolve(__dirname, "..", "..");
const VERIFIED = path.join(FIXTURES, "verified-digests.txt");

async function gate(args: string[], stdin = ""): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const code = await main(args, { stdout: (t) => (out += t), stderr: (t) => (err += t), readStdin: async () => stdin });
    return { code, out, err };
}

function tempDir(): string {
    return mkdtempSync(path.join(tmpdir(), "slipway-gate-"));
}

const BAD_POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.25
      securityContext:
        privileged: true
`;

describe("gate: YAML to type tokens", () => {
    it("maps the core group and named groups", () => {
        expect(typeTokenOf("v1", "Service")).toBe("kubernetes:core/v1:Service");
        expect(typeTokenOf("apps/v1", "Deployment")).toBe("kubernetes:apps/v1:Deployment");
        expect(typeTokenOf("policy/v1", "PodDisruptionBudget")).toBe("kubernetes:policy/v1:PodDisruptionBudget");
        expect(typeTokenOf("argoproj.io/v1alpha1", "Rollout")).toBe("kubernetes:argoproj.io/v1alpha1:Rollout");
    });
    it("expands kind: List and skips empty documents", () => {
        const text = "---\n# Source: chart/templates/empty.yaml\n---\napiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n  - {apiVersion: autoscaling/v2, kind: HorizontalPodAutoscaler, metadata: {name: b}}\n";
        expect(parseManifests(text, "x.yaml").map((r) => `${r.type} ${r.name}`)).toEqual([
            "kubernetes:core/v1:ConfigMap a",
            "kubernetes:autoscaling/v2:HorizontalPodAutoscaler b",
        ]);
    });
    it("names the file and document of malformed input", () => {
        expect(() => parseManifests("apiVersion: v1\nkind: ConfigMap\n---\nkind: [unclosed\n", "chart.yaml")).toThrow(/^chart\.yaml: document 2: invalid YAML at line \d+, column \d+/);
        expect(() => parseManifests("apiVersion: v1\nkind: ConfigMap\n---\n- just\n- a list\n", "c.yaml")).toThrow("c.yaml: document 2, item 0: expected a Kubernetes object");
        expect(() => parseManifests("metadata: {name: x}\n", "d.yaml")).toThrow("d.yaml: document 1: apiVersion is missing or malformed");
        expect(() => parseManifests("apiVersion: v1\nkind: List\nitems:\n  - {kind: Pod}\n", "e.yaml")).toThrow("e.yaml: document 1, items[0]: apiVersion is missing or malformed");
        expect(() => parseManifests("a: 1\na: 2\n", "dup.yaml")).toThrow(/^dup\.yaml: document 1: invalid YAML at line 2, column 1: Map keys must be unique/);
    });
});

describe("gate: the fast parser agrees with the reference parser", () => {
    const tricky = `apiVersion: v1
kind: ConfigMap
metadata:
  name: scalars
  labels: {a: "yes", b: "1.10"}
data:
  plainYes: yes
  plainOn: on
  plainNo: no
  shortN: N
  octal: 0o17
  leadingZero: 017
  hex: 0x1F
  float: 1e3
  tilde: ~
  nullWord: null
  date: 2024-01-01
  inf: .inf
  quoted: "0x1F"
  block: |
    line one
    line two
  folded: >-
    folded
    text
  emptyValue:
  list: [1, "two", three, true, 1.5]
---
{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "json-doc"}, "spec": {"ports": [{"port": 80}]}}
`;
    it("on tricky scalars", () => {
        expect(parseManifests(tricky, "t.yaml")).toEqual(parseWithYaml(tricky, "t.yaml"));
        expect(parseManifests(tricky, "t.yaml")[0]?.props.data).toMatchObject({ plainYes: true, plainOn: true, octal: 15, hex: 31, tilde: null, date: "2024-01-01" });
        expect(parseManifests(tricky, "t.yaml")[0]?.props.metadata.labels).toEqual({ a: "yes", b: "1.10" });
    });
    it("on every fixture", () => {
        for (const file of ["good/prod-rollout.yaml", "good/deployment.yaml", "bad/rollout-unsafe.yaml", "bad/cronjob-root.yaml"]) {
            const text = readFileSync(path.join(FIXTURES, file), "utf8");
            expect(parseManifests(text, file)).toEqual(parseWithYaml(text, file));
        }
    });
    it("expands aliases with the reference parser, and refuses an alias bomb", () => {
        const anchors = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: &l {app: web}}\ndata: {copy: *l}\n";
        expect(parseManifests(anchors, "a.yaml")[0]?.props.data.copy).toEqual({ app: "web" });
        const bomb = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: bomb}", "a: &a [x, x, x, x, x, x, x, x, x, x]"];
        for (let i = 0; i < 8; i++) bomb.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(", ")}]`);
        expect(() => parseManifests(`${bomb.join("\n")}\n`, "bomb.yaml")).toThrow(/^bomb\.yaml: document 1: .*alias/i);
    });
});

describe("gate: YAML 1.1 booleans, as kubectl reads them", () => {
    it("hostile: `privileged: yes` is a privileged container", async () => {
        const pod = BAD_POD.replace("privileged: true", "privileged: yes");
        const result = await gate(["--stack", "prod", "-"], pod);
        expect(result.out).toContain("MANDATORY container-privileged Pod/web: spec.containers[0].securityContext.privileged is true");
        expect(result.code).toBe(1);
    });
    it("`allowPrivilegeEscalation: no` is false", () => {
        const [pod] = parseManifests(BAD_POD.replace("privileged: true", "allowPrivilegeEscalation: no"), "p.yaml");
        expect(pod?.props.spec.containers[0].securityContext.allowPrivilegeEscalation).toBe(false);
    });
});

describe("gate CLI", () => {
    it("exits 0 with a summary for the good fixtures in prod", async () => {
        const result = await gate(["--stack", "prod", "--verified-digests", VERIFIED, path.join(FIXTURES, "good")]);
        expect(result.err).toBe("");
        expect(result.out).toBe("gate PASSED: 14 object(s) checked with the prod policies: 0 mandatory, 0 advisory violation(s)\n");
        expect(result.code).toBe(0);
    });
    it("exits 1 and prints one line per violation for a bad object in prod", async () => {
        const dir = tempDir();
        writeFileSync(path.join(dir, "pod.yaml"), BAD_POD);
        const result = await gate(["--stack", "prod", path.join(dir, "pod.yaml")]);
        expect(result.code).toBe(1);
        const lines = result.out.trimEnd().split("\n");
        expect(lines).toContain('MANDATORY container-privileged Pod/web: spec.containers[0].securityContext.privileged is true (container "web"); remove it or set it to false.');
        for (const line of lines.slice(0, -1)) expect(line).toMatch(/^MANDATORY [a-z-]+ Pod\/web: \S/);
        expect(lines[lines.length - 1]).toMatch(/^gate FAILED: 1 object\(s\) checked with the prod policies: \d+ mandatory, 0 advisory violation\(s\)$/);
    });
    it("exits 0 for the same object in dev, with advisory lines", async () => {
        const result = await gate(["--stack", "dev", "-"], BAD_POD);
        expect(result.code).toBe(0);
        expect(result.out).toContain("ADVISORY container-privileged Pod/web: ");
        expect(result.out).toMatch(/gate PASSED: 1 object\(s\) checked with the dev policies: 0 mandatory, \d+ advisory violation\(s\)\n$/);
    });
    it("reads directories recursively (yaml, yml, json) and ignores other files", async () => {
        const dir = tempDir();
        mkdirSync(path.join(dir, "nested", "deeper"), { recursive: true });
        writeFileSync(path.join(dir, "a.yml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n");
        writeFileSync(path.join(dir, "nested", "b.json"), JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "b" } }));
        writeFileSync(path.join(dir, "nested", "deeper", "c.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
        writeFileSync(path.join(dir, "README.md"), "# not a manifest: [\n");
        const result = await gate(["--stack", "prod", dir]);
        expect(result.out).toContain("3 object(s) checked");
        expect(result.code).toBe(0);
    });
    it("exits 2 naming file and document for malformed YAML", async () => {
        const dir = tempDir();
        const file = path.join(dir, "broken.yaml");
        writeFileSync(file, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: [\n");
        const result = await gate(["--stack", "prod", file]);
        expect(result.code).toBe(2);
        expect(result.out).toBe("");
        expect(result.err).toMatch(new RegExp(`^gate: error: ${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: document 2: invalid YAML at line `));
    });
    it("exits 2 for an unreadable file, a non-object document, stdin errors and an unknown stack", async () => {
        expect((await gate(["--stack", "prod", "/nonexistent/x.yaml"])).err).toBe("gate: error: /nonexistent/x.yaml: cannot read: ENOENT\n");
        const scalar = await gate(["--stack", "prod", "-"], "just a string\n");
        expect(scalar).toMatchObject({ code: 2, err: "gate: error: <stdin>: document 1: expected a Kubernetes object (a mapping with apiVersion and kind)\n" });
        const unknown = await gate(["--stack", "staging", "-"], BAD_POD);
        expect(unknown).toMatchObject({ code: 2, err: 'gate: error: unknown stack "staging"; expected one of dev, local, prod\n' });
        const missing = await gate(["-"], BAD_POD);
        expect(missing.code).toBe(2);
        expect(missing.err).toContain("--stack");
        const noInputs = await gate(["--stack", "prod"]);
        expect(noInputs.code).toBe(2);
    });
    it("exits 2 for an invalid --config file", async () => {
        const dir = tempDir();
        const config = path.join(dir, "bad.json");
        writeFileSync(config, JSON.stringify({ all: "mandatory", "evidence-coverage": { minCoverage: "high" } }));
        const result = await gate(["--stack", "prod", "--config", config, "-"], BAD_POD);
        expect(result.code).toBe(2);
        expect(result.err).toContain('invalid policy pack config: ' + config + ': "evidence-coverage".minCoverage must be of type number');
    });
    it("prints JSON with --format json", async () => {
        const result = await gate(["--stack", "prod", "--format", "json", "-"], BAD_POD);
        const report = JSON.parse(result.out);
        expect(report).toMatchObject({ stack: "prod", objects: 1, passed: false });
        expect(report.violations).toContainEqual(expect.objectContaining({ policy: "container-privileged", level: "mandatory", kind: "Pod", name: "web" }));
        expect(result.code).toBe(1);
    });
    it("formats a line without repeating kind/name", () => {
        expect(formatViolation({ policy: "p", level: "advisory", kind: "Pod", name: "x", message: "Pod/x: something\nwrong" })).toBe("ADVISORY p Pod/x: something wrong");
    });
});

describe("gate CLI as a process", () => {
    const tsx = require.resolve("tsx/cli");
    const run = (args: string[], input?: string) =>
        spawnSync(process.execPath, [tsx, path.join("policy", "gate", "cli.ts"), ...args], { cwd: ROOT, input, encoding: "utf8", timeout: 60_000 });

    it("exits 1 on a mandatory violation read from stdin, 0 on the good fixtures, 2 on a bad stack", () => {
        const bad = run(["--stack", "prod", "-"], BAD_POD);
        expect(bad.status).toBe(1);
        expect(bad.stdout).toContain("MANDATORY container-privileged Pod/web: spec.containers[0].securityContext.privileged is true");
        const good = run(["--stack", "prod", "--verified-digests", VERIFIED, path.join(FIXTURES, "good")]);
        expect(good.stdout).toContain("gate PASSED: 14 object(s)");
        expect(good.status).toBe(0);
        const wrong = run(["--stack", "qa", "-"], BAD_POD);
        expect(wrong.status).toBe(2);
        expect(wrong.stderr).toContain('unknown stack "qa"');
    });
    it("runs through the npm script", () => {
        const result = spawnSync("npm", ["run", "--silent", "gate", "--", "--stack", "prod", "-"], { cwd: ROOT, input: BAD_POD, encoding: "utf8", timeout: 60_000 });
        expect(result.status).toBe(1);
        expect(result.stdout).toContain("gate FAILED: 1 object(s) checked with the prod policies");
    });
});
