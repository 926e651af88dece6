/**
 * Pod Security Standards, restricted profile (which includes baseline), applied to the pod template
 * of every workload kind and to every container in it: regular, init and ephemeral.
 *
 * Reference: https://kubernetes.io/docs/concepts/security/pod-security-standards/ and the
 * pod-security-admission checks. Capability names are compared case-insensitively and with any
 * `CAP_` prefix removed, so `cap_sys_admin` is recognised as SYS_ADMIN.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { Obj, fieldPath, list, obj, safeId, stringMap, text } from "../lib/k8s";
import { EnforcementLevel, PodContext, podPolicy } from "../lib/policy";
import { ContainerRef, containersOf, describeContainer } from "../lib/workloads";

/** Capabilities the baseline profile allows a container to add. */
export const BASELINE_CAPABILITIES: ReadonlySet<string> = new Set([
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
]);

/** Volume types the restricted profile allows. */
export const RESTRICTED_VOLUME_TYPES: ReadonlySet<string> = new Set([
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
]);

/** The "safe" sysctls of the baseline profile (pod-security-admission, Kubernetes 1.32). */
export const SAFE_SYSCTLS: ReadonlySet<string> = new Set([
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
]);

/** SELinux types the baseline profile allows (empty means the runtime default). */
export const SELINUX_TYPES: ReadonlySet<string> = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);

const ALLOWED_PROFILE_TYPES: ReadonlySet<string> = new Set(["RuntimeDefault", "Localhost"]);

function isTrue(value: unknown): boolean {
    return value === true || value === "true";
}

function podSecurityContext(ctx: PodContext<unknown>): { sc: Obj; path: string } {
    const spec = ctx.workload.podSpec ?? {};
    return { sc: obj(spec.securityContext) ?? {}, path: fieldPath(ctx.workload.podSpecPath, "securityContext") };
}

function containerSecurityContext(ref: ContainerRef): { sc: Obj; path: string } {
    return { sc: obj(ref.container.securityContext) ?? {}, path: fieldPath(ref.path, "securityContext") };
}

/** Windows pods are exempt from the Linux-only restricted checks, as in pod-security-admission. */
function isWindowsPod(ctx: PodContext<unknown>): boolean {
    return text(obj(ctx.workload.podSpec?.os)?.name) === "windows";
}

function normalizeCapability(value: unknown): string {
    return safeId(String(value).trim().toUpperCase().replace(/^CAP_/, ""));
}

function display(value: unknown): string {
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    return JSON.stringify(safeId(String(value)));
}

export function podHostProcess(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return podPolicy(
        {
            name: "pod-host-process",
            description: "Pods must not run Windows HostProcess containers, which have privileged access to the node.",
            enforcementLevel,
        },
        (ctx) => {
            const pod = podSecurityContext(ctx);
            if (isTrue(obj(pod.sc.windowsOptions)?.hostProcess)) {
                ctx.report(`${pod.path}.windowsOptions.hostProcess is true; remove it or set it to false (HostProcess pods run with the node's privileges).`);
            }
            for (const ref of containersOf(ctx.workload)) {
                const container = containerSecurityContext(ref);
                if (isTrue(obj(container.sc.windowsOptions)?.hostProcess)) {
                    ctx.report(`${container.path}.windowsOptions.hostProcess is true (${describeContainer(ref)}); remove it or set it to false.`);
                }
            }
        },
    );
}

export function podHostNamespaces(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    const namespaces: [string, string][] = [["hostNetwork", "network"], ["hostPID", "process"], ["hostIPC", "IPC"]];
    return podPolicy(
        {
            name: "pod-host-namespaces",
            description: "Pods must not share the node's network, process or IPC namespaces (hostNetwork, hostPID, hostIPC).",
            enforcementLevel,
        },
        (ctx) => {
            const spec = ctx.workload.podSpec ?? {};
            for (const [field, label] of namespaces) {
                if (isTrue(spec[field])) {
                    ctx.report(`${fieldPath(ctx.workload.podSpecPath, field)} is true; remove it or set it to false so the pod does not share the node's ${label} namespace.`);
                }
            }
        },
    );
}

export function containerPrivileged(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return podPolicy(
        {
            name: "container-privileged",
            description: "Containers, including init and ephemeral containers, must not run privileged: a privileged container has full access to the node.",
            enforcementLevel,
        },
        (ctx) => {
            for (const ref of containersOf(ctx.workload)) {
                const container = containerSecurityContext(ref);
                if (isTrue(container.sc.privileged)) {
                    ctx.report(`${container.path}.privileged is true (${describeContainer(ref)}); remove it or set it to false.`);
                }
            }
        },
    );
}

export function containerCapabilities(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return podPolicy(
        {
            name: "container-capabilities",
            description:
                "Containers must drop ALL capabilities and may add back only NET_BIND_SERVICE (restricted profile); " +
                "anything outside the baseline allow-list is called out. Names are compared case-insensitively, with or without the CAP_ prefix.",
            enforcementLevel,
        },
        (ctx) => {
            if (isWindowsPod(ctx)) return;
            for (const ref of containersOf(ctx.workload)) {
                const container = containerSecurityContext(ref);
                const capabilities = obj(container.sc.capabilities) ?? {};
                const capsPath = fieldPath(container.path, "capabilities");
                list(capabilities.add).forEach((raw, index) => {
                    const capability = normalizeCapability(raw);
                    if (capability === "NET_BIND_SERVICE") return;
                    const extra = BASELINE_CAPABILITIES.has(capability) ? "" : ", which is outside the baseline allow-list";
                    ctx.report(
                        `${fieldPath(capsPath, "add", index)} adds ${capability} (${describeContainer(ref)})${extra}; remove it (only NET_BIND_SERVICE may be added).`,
                    );
                });
                const drops = list(capabilities.drop).map(normalizeCapability);
                if (!drops.includes("ALL")) {
                    ctx.report(`${capsPath}.drop does not include ALL (${describeContainer(ref)}); set capabilities.drop to ["ALL"].`);
                }
            }
        },
    );
}

export function podVolumeTypes(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    const allowed = [...RESTRICTED_VOLUME_TYPES].join(", ");
    return podPolicy(
        {
            name: "pod-volume-types",
            description:
                "Pods may only use the volume types of the restricted profile (configMap, csi, downwardAPI, emptyDir, ephemeral, " +
                "persistentVolumeClaim, projected, secret); hostPath volumes in particular expose the node's filesystem.",
            enforcementLevel,
        },
        (ctx) => {
            list(ctx.workload.podSpec?.volumes).forEach((raw, index) => {
                const volume = obj(raw);
                if (!volume) return;
                const path = fieldPath(ctx.workload.podSpecPath, "volumes", index);
                const name = text(volume.name) ?? `#${index}`;
                const types = Object.keys(volume).filter((key) => key !== "name" && volume[key] !== undefined && volume[key] !== null);
                for (const type of types) {
                    if (type === "hostPath") {
                        ctx.report(`${path}.hostPath mounts a directory of the node (volume ${display(name)}); use an emptyDir, configMap, secret or persistentVolumeClaim instead.`);
                    } else if (!RESTRICTED_VOLUME_TYPES.has(type)) {
                        ctx.report(`${path} uses volume type ${display(type)} (volume ${display(name)}), which the restricted profile forbids; use one of ${allowed}.`);
                    }
                }
            });
        },
    );
}

export function containerHostPorts(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return podPolicy(
        {
            name: "container-host-ports",
            description: "Containers must not bind host ports: a hostPort ties the pod to a node port and bypasses network policy.",
            enforcementLevel,
        },
        (ctx) => {
            for (const ref of containersOf(ctx.workload)) {
                list(ref.container.ports).forEach((raw, index) => {
                    const hostPort = obj(raw)?.hostPort;
                    if (hostPort !== undefined && hostPort !== null && hostPort !== 0 && hostPort !== "0") {
                        ctx.report(`${fieldPath(ref.path, "ports", index)}.hostPort is set (${describeContainer(ref)}); remove it and expose the port through a Service.`);
                    }
                });
            }
        },
    );
}

export function podAppArmor(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    const prefix = "container.apparmor.security.beta.kubernetes.io/";
    return podPolicy(
        {
            name: "pod-apparmor",
            description:
                "Pods must not disable or override AppArmor: profiles may only be RuntimeDefault or Localhost, " +
                "in securityContext.appArmorProfile or in the legacy container.apparmor.security.beta.kubernetes.io annotations.",
            enforcementLevel,
        },
        (ctx) => {
            const annotations = stringMap(ctx.workload.podMetadata.annotations);
            for (const [key, value] of Object.entries(annotations)) {
                if (!key.startsWith(prefix)) continue;
                if (value === "runtime/default" || value.startsWith("localhost/")) continue;
                ctx.report(
                    `${fieldPath(ctx.workload.podMetadataPath, "annotations", key)} is ${display(value)}; use runtime/default or a localhost/<profile>, or remove the annotation.`,
                );
            }
            const check = (sc: Obj, path: string, who: string) => {
                const type = obj(sc.appArmorProfile)?.type;
                if (type === undefined || type === null) return;
                if (typeof type === "string" && ALLOWED_PROFILE_TYPES.has(type)) return;
                ctx.report(`${path}.appArmorProfile.type is ${display(type)}${who}; set it to RuntimeDefault or Localhost.`);
            };
            const pod = podSecurityContext(ctx);
            check(pod.sc, pod.path, "");
            for (const ref of containersOf(ctx.workload)) {
                const container = containerSecurityContext(ref);
                check(container.sc, container.path, ` (${describeContainer(ref)})`);
            }
        },
    );
}

export function podSeLinux(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return podPolicy(
        {
            name: "pod-selinux",
            description:
                "Pods must not set custom SELinux options: seLinuxOptions.type may only be container_t, container_init_t, " +
                "container_kvm_t or container_engine_t, and user and role must be unset.",
            enforcementLevel,
        },
        (ctx) => {
            const check = (sc: Obj, path: string, who: string) => {
                const options = obj(sc.seLinuxOptions);
                if (!options) return;
                const optionsPath = fieldPath(path, "seLinuxOptions");
                const type = options.type;
                if (type !== undefined && type !== null && !(typeof type === "string" && SELINUX_TYPES.has(type))) {
                    ctx.report(`${optionsPath}.type is ${display(type)}${who}; remove it or use container_t, container_init_t, container_kvm_t or container_engine_t.`);
                }
                for (const field of ["user", "role"]) {
                    const value = options[field];
                    if (value !== undefined && value !== null && value !== "") {
                        ctx.report(`${optionsPath}.${field} is set${who}; remove it (custom SELinux users and roles are forbidden).`);
                    }
                }
            };
            const pod = podSecurityContext(ctx);
            check(pod.sc, pod.path, "");
            for (const ref of containersOf(ctx.workload)) {
                const container = containerSecurityContext(ref);
                check(container.sc, container.path, ` (${describeContainer(ref)})`);
            }
        },
    );
}

export function containerProcMount(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return podPolicy(
        {
            name: "container-proc-mount",
            description: "Containers must use the Default /proc mount type; Unmasked exposes the node's /proc paths.",
            enforcementLevel,
        },
        (ctx) => {
            for (const ref of containersOf(ctx.workload)) {
                const container = containerSecurityContext(ref);
                const procMount = container.sc.procMount;
                if (procMount !== undefined && procMount !== null && procMount !== "Default") {
                    ctx.report(`${container.path}.procMount is ${display(procMount)} (${describeContainer(ref)}); remove it or set it to Default.`);
                }
            }
        },
    );
}

export function podSeccomp(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return podPolicy(
        {
            name: "pod-seccomp",
            description:
                "Pods must run under the RuntimeDefault or a Localhost seccomp profile, set at the pod level or on every container; " +
                "a container-level Unconfined profile overrides the pod's and is forbidden.",
            enforcementLevel,
        },
        (ctx) => {
            if (isWindowsPod(ctx)) return;
            const pod = podSecurityContext(ctx);
            const podType = obj(pod.sc.seccompProfile)?.type;
            const podAllowed = typeof podType === "string" && ALLOWED_PROFILE_TYPES.has(podType);
            if (podType !== undefined && podType !== null && !podAllowed) {
                ctx.report(`${pod.path}.seccompProfile.type is ${display(podType)}; set it to RuntimeDefault or Localhost.`);
            }
            const unset: string[] = [];
            for (const ref of containersOf(ctx.workload)) {
                const container = containerSecurityContext(ref);
                const type = obj(container.sc.seccompProfile)?.type;
                if (type === undefined || type === null) {
                    if (!podAllowed) unset.push(describeContainer(ref));
                    continue;
                }
                if (typeof type === "string" && ALLOWED_PROFILE_TYPES.has(type)) continue;
                const override = podAllowed ? `, overriding the pod's ${podType} profile` : "";
                ctx.report(`${container.path}.seccompProfile.type is ${display(type)} (${describeContainer(ref)})${override}; remove it or set it to RuntimeDefault.`);
            }
            if (unset.length > 0 && (podType === undefined || podType === null)) {
                ctx.report(`${pod.path}.seccompProfile.type is not set, nor is it set on ${unset.join(", ")}; set the pod's seccompProfile.type to RuntimeDefault.`);
            }
            const annotations = stringMap(ctx.workload.podMetadata.annotations);
            for (const [key, value] of Object.entries(annotations)) {
                const legacy = key === "seccomp.security.alpha.kubernetes.io/pod" || key.startsWith("container.seccomp.security.alpha.kubernetes.io/");
                if (legacy && value.trim().toLowerCase() === "unconfined") {
                    ctx.report(`${fieldPath(ctx.workload.podMetadataPath, "annotations", key)} is "unconfined"; remove it and set securityContext.seccompProfile.type to RuntimeDefault.`);
                }
            }
        },
    );
}

export function podSysctls(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return podPolicy(
        {
            name: "pod-sysctls",
            description: "Pods may only set the namespaced, safe sysctls of the baseline profile; other sysctls can affect the whole node.",
            enforcementLevel,
        },
        (ctx) => {
            const pod = podSecurityContext(ctx);
            list(pod.sc.sysctls).forEach((raw, index) => {
                const name = text(obj(raw)?.name) ?? "";
                if (SAFE_SYSCTLS.has(name.replace(/\//g, "."))) return;
                ctx.report(`${fieldPath(pod.path, "sysctls", index)} sets ${display(name)}, which is not a safe sysctl; remove it (allowed: ${[...SAFE_SYSCTLS].join(", ")}).`);
            });
        },
    );
}

export function containerPrivilegeEscalation(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return podPolicy(
        {
            name: "container-privilege-escalation",
            description: "Every container must set securityContext.allowPrivilegeEscalation to false, so no process can gain more privileges than its parent.",
            enforcementLevel,
        },
        (ctx) => {
            if (isWindowsPod(ctx)) return;
            for (const ref of containersOf(ctx.workload)) {
                const container = containerSecurityContext(ref);
                const value = container.sc.allowPrivilegeEscalation;
                if (value === false) continue;
                const state = value === undefined || value === null ? "is not set" : `is ${display(value)}`;
                ctx.report(`${container.path}.allowPrivilegeEscalation ${state} (${describeContainer(ref)}); set it to false.`);
            }
        },
    );
}

export function podRunAsNonRoot(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    return podPolicy(
        {
            name: "pod-run-as-non-root",
            description:
                "Pods must run as non-root: runAsNonRoot must be true at the pod level or on every container, and no container may set it to false.",
            enforcementLevel,
        },
        (ctx) => {
            const pod = podSecurityContext(ctx);
            const podValue = pod.sc.runAsNonRoot;
            if (podValue === false || podValue === "false") {
                ctx.report(`${pod.path}.runAsNonRoot is false; set it to true.`);
            }
            const unset: string[] = [];
            for (const ref of containersOf(ctx.workload)) {
                const container = containerSecurityContext(ref);
                const value = container.sc.runAsNonRoot;
                if (value === false || value === "false") {
                    ctx.report(`${container.path}.runAsNonRoot is false (${describeContainer(ref)}), overriding the pod; remove it or set it to true.`);
                } else if ((value === undefined || value === null) && podValue !== true) {
                    unset.push(describeContainer(ref));
                }
            }
            if (unset.length > 0 && podValue !== false && podValue !== "false") {
                ctx.report(`${pod.path}.runAsNonRoot is not true, nor is it set on ${unset.join(", ")}; set the pod's securityContext.runAsNonRoot to true.`);
            }
        },
    );
}

export function podRunAsUser(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    const isRoot = (value: unknown) => value === 0 || value === "0";
    return podPolicy(
        {
            name: "pod-run-as-user",
            description: "No pod or container may set runAsUser to 0 (root); a container-level value overrides a non-root pod setting.",
            enforcementLevel,
        },
        (ctx) => {
            const pod = podSecurityContext(ctx);
            if (isRoot(pod.sc.runAsUser)) ctx.report(`${pod.path}.runAsUser is 0 (root); set a non-zero user ID or remove it.`);
            for (const ref of containersOf(ctx.workload)) {
                const container = containerSecurityContext(ref);
                if (isRoot(container.sc.runAsUser)) {
                    ctx.report(`${container.path}.runAsUser is 0 (root) (${describeContainer(ref)}), overriding the pod; set a non-zero user ID or remove it.`);
                }
            }
        },
    );
}

export function containerProbeHost(enforcementLevel: EnforcementLevel = "mandatory"): ResourceValidationPolicy {
    const handlers: [string, string[]][] = [
        ["livenessProbe", []],
        ["readinessProbe", []],
        ["startupProbe", []],
        ["lifecycle", ["postStart"]],
        ["lifecycle", ["preStop"]],
    ];
    return podPolicy(
        {
            name: "container-probe-host",
            description: "Probes and lifecycle handlers must not set a host: they must target the pod itself, not another address on the node's network.",
            enforcementLevel,
        },
        (ctx) => {
            for (const ref of containersOf(ctx.workload)) {
                for (const [field, nested] of handlers) {
                    let handler: Obj | undefined = obj(ref.container[field]);
                    let path = fieldPath(ref.path, field);
                    for (const segment of nested) {
                        handler = obj(handler?.[segment]);
                        path = fieldPath(path, segment);
                    }
                    if (!handler) continue;
                    for (const action of ["httpGet", "tcpSocket"]) {
                        const host = obj(handler[action])?.host;
                        if (host !== undefined && host !== null && host !== "") {
                            ctx.report(`${fieldPath(path, action, "host")} is set (${describeContainer(ref)}); remove it so the handler targets the pod's own IP.`);
                        }
                    }
                }
            }
        },
    );
}

/** The pod security policies at their default levels. */
export function podSecurityPolicies(): ResourceValidationPolicy[] {
    return [
        podHostProcess(),
        podHostNamespaces(),
        containerPrivileged(),
        containerCapabilities(),
        podVolumeTypes(),
        containerHostPorts(),
        podAppArmor(),
        podSeLinux(),
        containerProcMount(),
        podSeccomp(),
        podSysctls(),
        containerPrivilegeEscalation(),
        podRunAsNonRoot(),
        podRunAsUser(),
        containerProbeHost(),
    ];
}
