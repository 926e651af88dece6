import { describe, expect, it } from "vitest";
import { evaluate } from "../engine";
import { loadStackConfig } from "../stacks";
import { deployment, firstContainer, fixture, rollout } from "./helpers";

const SECRET = "Zq9-canary-s3cret-value-7Hx";

function everythingWrong() {
    return [
        deployment((p) => {
            const c = firstContainer(p);
            c.env = [
                { name: "DB_PASSWORD", value: SECRET },
                { name: "STRIPE", value: `sk_live_${SECRET}abcdefgh` },
                { name: "DATABASE_URL", value: `postgres://u:${SECRET}@h/db` },
                { name: "KEY", value: `-----BEGIN PRIVATE KEY-----\n${SECRET}\n-----END PRIVATE KEY-----` },
            ];
            c.args = [`--token=${SECRET}`];
            c.securityContext = { privileged: true, runAsUser: 0, capabilities: { add: ["SYS_ADMIN"] } };
            c.livenessProbe = { httpGet: { host: "metadata.internal", path: "/", port: 80 } };
            p.spec.template.spec.hostNetwork = true;
            delete p.spec.template.spec.securityContext;
            p.metadata.annotations["kube-score/ignore"] = SECRET;
            p.metadata.annotations["evidence.slipway.dev/coverage-lines"] = "12";
        }),
        rollout((p) => {
            p.spec.strategy.canary.steps = [{ setWeight: 120 }, { pause: {} }];
            delete p.spec.strategy.canary.analysis;
        }),
        {
            type: "kubernetes:core/v1:ConfigMap",
            name: "cfg",
            props: { kind: "ConfigMap", metadata: { name: "cfg" }, data: { password: SECRET, "app.ini": `api_key = ${SECRET}` } },
        },
        ...fixture("bad/privileged-pod.yaml"),
        ...fixture("bad/rollout-unsafe.yaml"),
        ...fixture("bad/cronjob-root.yaml"),
    ];
}

describe("violation messages", () => {
    const violations = evaluate(everythingWrong(), loadStackConfig("prod"));

    it("are many for objects that break many rules", () => {
        expect(new Set(violations.map((v) => v.policy)).size).toBeGreaterThan(25);
    });
    it("never echo a secret value", () => {
        for (const violation of violations) expect(violation.message).not.toContain(SECRET);
        expect(violations.filter((v) => v.policy === "secret-literals").length).toBeGreaterThanOrEqual(7);
    });
    it("never echo the hostile fixture's literal password", () => {
        for (const violation of violations) expect(violation.message).not.toContain("correct-horse-battery-staple");
    });
    it("are one line, start with Kind/name and end with a fix", () => {
        for (const violation of violations) {
            expect(violation.message).not.toMatch(/[\r\n]/);
            if (violation.kind !== "Stack") expect(violation.message.startsWith(`${violation.kind}/${violation.name}: `)).toBe(true);
            expect(violation.message).toMatch(/; [a-z].*[.)]$/);
        }
    });
});
