/**
 * Benchmark of the gate command: generates 10,000 Kubernetes objects as multi-document YAML
 * (mostly workloads, with their Services, budgets, network policies, autoscalers, config maps and
 * analysis templates, some of them breaking rules), then runs the gate exactly as
 * `npm run gate -- --stack prod -` does (parse, evaluate every policy, format), and prints
 * objects per second and peak memory.
 *
 *   npm exec -- tsx bench/gate.ts [objects] [runs]
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../policy/gate/cli";
import { parseManifests } from "../policy/gate/load";
import { evaluate } from "../policy/engine";
import { loadStackConfig } from "../policy/stacks";

const OBJECTS = Number(process.argv[2] ?? 10_000);
const RUNS = Number(process.argv[3] ?? 3);
const DIGEST = "sha256:1463700c5e276214fe683a20e43ecd7b29b1d50041e1b06c46f6a88e9dcd41ba";

function labels(name: string, indent: string): string {
    return `${indent}app.kubernetes.io/name: ${name}\n${indent}app.kubernetes.io/instance: ${name}-prod`;
}

function podTemplate(name: string, i: number, indent: string): string {
    const bad = i % 7 === 0;
    const lines = [
        "metadata:",
        "  labels:",
        `    app.kubernetes.io/name: ${name}`,
        `    app.kubernetes.io/instance: ${name}-prod`,
        "spec:",
        `  serviceAccountName: ${bad ? "default" : name}`,
        "  automountServiceAccountToken: false",
        "  securityContext:",
        "    runAsNonRoot: true",
        "    seccompProfile: {type: RuntimeDefault}",
        "  topologySpreadConstraints:",
        "    - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway}",
        "  containers:",
        "    - name: app",
        `      image: ${bad ? "nginx:latest" : `registry.prod.slipway.internal/${name}:1.0.${i}@${DIGEST}`}`,
        "      ports: [{name: http, containerPort: 8080}]",
        "      env:",
        "        - {name: PORT, value: \"8080\"}",
        `        - {name: DB_PASSWORD, ${bad ? "value: hunter2" : "valueFrom: {secretKeyRef: {name: db, key: password}}"}}`,
        "      resources:",
        "        requests: {cpu: 100m, memory: 128Mi}",
        "        limits: {cpu: 500m, memory: 256Mi}",
        "      readinessProbe: {httpGet: {path: /readyz, port: http}}",
        "      livenessProbe: {httpGet: {path: /healthz, port: http}, failureThreshold: 6}",
        "      securityContext:",
        `        allowPrivilegeEscalation: ${bad ? "true" : "false"}`,
        "        capabilities: {drop: [ALL]}",
    ];
    return lines.map((line) => indent + line).join("\n");
}

function metadata(kind: string, name: string, namespace: string, workload: boolean): string {
    const evidence = workload
        ? `
  annotations:
    slipway.dev/git-commit: 7baab665584ff0fac6ab9abd62a27113acbc5e7a
    slipway.dev/service: ${name}
    evidence.slipway.dev/tests-passed: "42"
    evidence.slipway.dev/tests-failed: "0"
    evidence.slipway.dev/coverage-lines: "87.5"
    evidence.slipway.dev/vulns-critical: "0"
    evidence.slipway.dev/vulns-high: "0"
    evidence.slipway.dev/vulns-medium: "0"
    evidence.slipway.dev/vulns-low: "0"
    evidence.slipway.dev/scanner: trivy`
        : "";
    return `kind: ${kind}
metadata:
  name: ${name}
  namespace: ${namespace}
  labels:
    app.kubernetes.io/name: ${name}
    app.kubernetes.io/instance: ${name}-prod
    app.kubernetes.io/version: "1.0.0"
    app.kubernetes.io/part-of: slipway
    app.kubernetes.io/managed-by: pulumi${evidence}`;
}

/** One object; the kind cycles so that about 60% are workloads. */
function object(i: number): string {
    const service = `svc-${Math.floor(i / 10)}`;
    const namespace = `team-${Math.floor(i / 200)}`;
    switch (i % 10) {
        case 0:
        case 1:
            return `apiVersion: argoproj.io/v1alpha1
${metadata("Rollout", `${service}-r${i % 10}`, namespace, true)}
spec:
  replicas: 3
  progressDeadlineAbort: true
  selector:
    matchLabels:
${labels(service, "      ")}
  template:
${podTemplate(service, i, "    ")}
  strategy:
    canary:
      canaryService: ${service}-canary
      stableService: ${service}-stable
      analysis: {templates: [{templateName: ${service}-analysis}]}
      steps: [{setWeight: ${i % 3 === 0 ? 120 : 20}}, {pause: {duration: 2m}}, {setWeight: 100}]`;
        case 2:
        case 3:
            return `apiVersion: apps/v1
${metadata("Deployment", `${service}-d${i % 10}`, namespace, true)}
spec:
  replicas: 2
  selector:
    matchLabels:
${labels(service, "      ")}
  template:
${podTemplate(service, i, "    ")}`;
        case 4:
            return `apiVersion: apps/v1
${metadata("StatefulSet", `${service}-db`, namespace, false)}
spec:
  replicas: 3
  serviceName: ${service}-db
  selector:
    matchLabels:
${labels(service, "      ")}
  template:
${podTemplate(service, i, "    ")}`;
        case 5:
            return `apiVersion: batch/v1
${metadata("CronJob", `${service}-nightly`, namespace, false)}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
${podTemplate(service, i, "        ")}`;
        case 6:
            return `apiVersion: v1
${metadata("Service", `${service}-stable`, namespace, false)}
spec:
  type: ${i % 9 === 0 ? "LoadBalancer" : "ClusterIP"}
  selector:
${labels(service, "    ")}
  ports: [{port: 80, targetPort: http}]`;
        case 7:
            return `apiVersion: policy/v1
${metadata("PodDisruptionBudget", service, namespace, false)}
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: ${service}`;
        case 8:
            return `apiVersion: networking.k8s.io/v1
${metadata("NetworkPolicy", service, namespace, false)}
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: ${service}
  policyTypes: [Ingress]`;
        default:
            return i % 20 === 9
                ? `apiVersion: autoscaling/v2
${metadata("HorizontalPodAutoscaler", service, namespace, false)}
spec:
  scaleTargetRef: {apiVersion: argoproj.io/v1alpha1, kind: Rollout, name: ${service}-r0}
  minReplicas: 3
  maxReplicas: 10`
                : `apiVersion: argoproj.io/v1alpha1
${metadata("AnalysisTemplate", `${service}-analysis`, namespace, false)}
spec:
  metrics:
    - name: error-rate
      interval: 1m
      count: 5
      failureLimit: ${i % 3 === 0 ? -1 : 1}
      successCondition: result < 0.01
      provider: {web: {url: "http://metrics/${service}"}}`;
    }
}

function generate(count: number): string {
    const documents: string[] = [];
    for (let i = 0; i < count; i++) documents.push(object(i));
    return `${documents.join("\n---\n")}\n`;
}

let peakRss = 0;
function sample(): void {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
}

async function run(): Promise<void> {
    const text = generate(OBJECTS);
    const megabytes = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
    console.log(`gate benchmark: ${OBJECTS} objects, ${megabytes(Buffer.byteLength(text))} of YAML, Node ${process.version}, load average ${os.loadavg()[0]?.toFixed(2)}`);
    const sampler = setInterval(sample, 5);

    // Phase breakdown (one run): parse, then evaluate.
    let started = performance.now();
    const resources = parseManifests(text, "bench.yaml");
    const parseMs = performance.now() - started;
    started = performance.now();
    const violations = evaluate(resources, loadStackConfig("prod"));
    const evaluateMs = performance.now() - started;
    sample();
    console.log(
        `  parse ${parseMs.toFixed(0)} ms, evaluate ${evaluateMs.toFixed(0)} ms (${violations.length} violations on ${resources.length} objects)`,
    );

    // The whole gate command (parse + evaluate + format), as `npm run gate -- --stack prod -`.
    const rates: number[] = [];
    for (let runIndex = 0; runIndex < RUNS; runIndex++) {
        let output = 0;
        const cpuBefore = process.cpuUsage();
        started = performance.now();
        const code = await main(["--stack", "prod", "-"], {
            stdout: (chunk) => (output += chunk.length),
            stderr: (chunk) => process.stderr.write(chunk),
            readStdin: async () => text,
        });
        const seconds = (performance.now() - started) / 1000;
        const cpu = process.cpuUsage(cpuBefore);
        const cpuSeconds = (cpu.user + cpu.system) / 1e6;
        sample();
        rates.push(OBJECTS / seconds);
        console.log(
            `  run ${runIndex + 1}: ${(seconds * 1000).toFixed(0)} ms wall (${(cpuSeconds * 1000).toFixed(0)} ms CPU), ` +
                `${(OBJECTS / seconds).toFixed(0)} objects/s (${(OBJECTS / cpuSeconds).toFixed(0)} per CPU second), exit ${code}, ${output} bytes of report`,
        );
    }
    clearInterval(sampler);
    const maxRss = process.resourceUsage().maxRSS * 1024;
    const best = Math.max(...rates);
    const median = [...rates].sort((a, b) => a - b)[Math.floor(rates.length / 2)] ?? best;
    console.log(`in-process throughput: ${median.toFixed(0)} objects/s median, ${best.toFixed(0)} best (target >= 5000)`);
    console.log(`in-process peak RSS: ${megabytes(Math.max(maxRss, peakRss))} (resourceUsage maxRSS ${megabytes(maxRss)}, sampled ${megabytes(peakRss)})`);

    // A cold gate process on a file, as CI runs it (includes Node and tsx start-up).
    const root = path.resolve(__dirname, "..");
    const outDir = path.join(root, "bench", "out");
    mkdirSync(outDir, { recursive: true });
    const file = path.join(outDir, `gate-${OBJECTS}.yaml`);
    writeFileSync(file, text);
    const timeBin = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
    const command = [process.execPath, require.resolve("tsx/cli"), path.join(root, "policy", "gate", "cli.ts"), "--stack", "prod", file];
    started = performance.now();
    const child = timeBin
        ? spawnSync(timeBin, ["-f", "maxrss_kb=%M cpu_s=%U+%S", ...command], { encoding: "utf8", maxBuffer: 1 << 30 })
        : spawnSync(command[0] as string, command.slice(1), { encoding: "utf8", maxBuffer: 1 << 30 });
    const seconds = (performance.now() - started) / 1000;
    const childRss = /maxrss_kb=(\d+)/.exec(child.stderr ?? "")?.[1];
    const childCpu = /cpu_s=([\d.]+)\+([\d.]+)/.exec(child.stderr ?? "");
    const childCpuSeconds = childCpu ? Number(childCpu[1]) + Number(childCpu[2]) : undefined;
    console.log(
        `cold gate process (tsx policy/gate/cli.ts --stack prod ${path.relative(root, file)}): ${(seconds * 1000).toFixed(0)} ms wall, ` +
            `${(OBJECTS / seconds).toFixed(0)} objects/s including start-up, exit ${child.status}` +
            (childCpuSeconds ? ` (${(childCpuSeconds * 1000).toFixed(0)} ms CPU)` : "") +
            (childRss ? `, peak RSS ${megabytes(Number(childRss) * 1024)}` : ""),
    );
}

run().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
});
