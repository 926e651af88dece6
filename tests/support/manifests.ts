/** Builders of manifest text and service folders for tests and the benchmark. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";

/** A valid manifest as a plain object; tests mutate copies of it. */
export function validManifest(name = "demo-api", strategy: "canary" | "blueGreen" = "canary"): Record<string, any> {
    return {
        name,
        version: "1.0.0",
        team: "demo",
        slack: "#demo-deploys",
        repository: `slipway-demo/${name}`,
        image: { build: { context: ".", dockerfile: "Dockerfile" } },
        ports: [{ name: "http", containerPort: 8080, servicePort: 80 }],
        env: [
            { name: "LOG_LEVEL", value: "info" },
            { name: "DB_PASSWORD", secretRef: { name: `${name}-db`, key: "password" } },
        ],
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
        probes: { readiness: { path: "/readyz" }, liveness: { path: "/healthz" } },
        replicas: 2,
        autoscaling: { minReplicas: 2, maxReplicas: 4 },
        rollout:
            strategy === "canary"
                ? {
                      strategy: "canary",
                      canary: { steps: [{ setWeight: 20 }, { analysis: true }, { setWeight: 60 }, { pause: "30s" }] },
                      analysis: { errorRate: { max: 0.05 } },
                  }
                : { strategy: "blueGreen", blueGreen: { autoPromotion: false }, analysis: { errorRate: { max: 0.05 } } },
        overrides: { prod: { replicas: 3, autoscaling: { minReplicas: 3, maxReplicas: 9 } } },
    };
}

/** Writes services (name to manifest object or raw text) into a fresh temp services dir. */
export function writeServicesDir(services: Record<string, Record<string, any> | string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-services-"));
    for (const [folder, manifest] of Object.entries(services)) {
        fs.mkdirSync(path.join(dir, folder), { recursive: true });
        fs.writeFileSync(path.join(dir, folder, "service.yaml"), typeof manifest === "string" ? manifest : YAML.stringify(manifest));
    }
    return dir;
}
