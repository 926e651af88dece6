import { describe, expect, it } from "vitest";
import {
    containerCapabilities,
    containerHostPorts,
    containerPrivilegeEscalation,
    containerPrivileged,
    containerProbeHost,
    containerProcMount,
    podAppArmor,
    podHostNamespaces,
    podHostProcess,
    podRunAsNonRoot,
    podRunAsUser,
    podSeLinux,
    podSeccomp,
    podSecurityPolicies,
    podSysctls,
    podVolumeTypes,
} from "../policies/podSecurity";
import { WORKLOAD_KINDS, compliantContainer, compliantPodSpec, deployment, firstContainer, messagesOf, rollout, workloadOfKind } from "./helpers";

const sc = (props: any) => firstContainer(props).securityContext; // eslint-disable-line @typescript-eslint/no-explicit-any
const podSc = (props: any) => props.spec.template.spec.securityContext; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("pod security: every policy passes a compliant Deployment and Rollout", () => {
    for (const policy of podSecurityPolicies()) {
        it(`${policy.name} passes`, () => {
            expect(messagesOf(policy, [deployment(), rollout()])).toEqual([]);
        });
    }
});

describe("pod-host-process", () => {
    it("rejects a HostProcess pod and container", () => {
        const messages = messagesOf(
            podHostProcess(),
            deployment((p) => {
                podSc(p).windowsOptions = { hostProcess: true };
                sc(p).windowsOptions = { hostProcess: true };
            }),
        );
        expect(messages).toEqual([
            "Deployment/catalog-api: spec.template.spec.securityContext.windowsOptions.hostProcess is true; remove it or set it to false (HostProcess pods run with the node's privileges).",
            'Deployment/catalog-api: spec.template.spec.containers[0].securityContext.windowsOptions.hostProcess is true (container "app"); remove it or set it to false.',
        ]);
    });
});

describe("pod-host-namespaces", () => {
    it("rejects hostNetwork, hostPID and hostIPC", () => {
        const messages = messagesOf(
            podHostNamespaces(),
            deployment((p) => Object.assign(p.spec.template.spec, { hostNetwork: true, hostPID: true, hostIPC: true })),
        );
        expect(messages).toHaveLength(3);
        expect(messages[0]).toBe(
            "Deployment/catalog-api: spec.template.spec.hostNetwork is true; remove it or set it to false so the pod does not share the node's network namespace.",
        );
        expect(messages[1]).toContain("spec.template.spec.hostPID is true");
        expect(messages[2]).toContain("spec.template.spec.hostIPC is true");
    });
    it("accepts explicit false", () => {
        expect(messagesOf(podHostNamespaces(), deployment((p) => (p.spec.template.spec.hostNetwork = false)))).toEqual([]);
    });
});

describe("container-privileged", () => {
    it("rejects a privileged container", () => {
        expect(messagesOf(containerPrivileged(), deployment((p) => (sc(p).privileged = true)))).toEqual([
            'Deployment/catalog-api: spec.template.spec.containers[0].securityContext.privileged is true (container "app"); remove it or set it to false.',
        ]);
    });
    it("hostile: rejects a privileged ephemeral container", () => {
        const debug = { name: "debugger", image: "busybox:1.36", securityContext: { privileged: true } };
        const messages = messagesOf(containerPrivileged(), deployment((p) => (p.spec.template.spec.ephemeralContainers = [debug])));
        expect(messages).toEqual([
            'Deployment/catalog-api: spec.template.spec.ephemeralContainers[0].securityContext.privileged is true (ephemeral container "debugger"); remove it or set it to false.',
        ]);
    });
    it("rejects a privileged init container", () => {
        const init = { ...compliantContainer("setup"), securityContext: { privileged: true } };
        const messages = messagesOf(containerPrivileged(), deployment((p) => (p.spec.template.spec.initContainers = [init])));
        expect(messages[0]).toContain('spec.template.spec.initContainers[0].securityContext.privileged is true (init container "setup")');
    });
    for (const kind of WORKLOAD_KINDS) {
        it(`checks the pod template of a ${kind}`, () => {
            const spec = compliantPodSpec();
            spec.containers[0].securityContext.privileged = true;
            const messages = messagesOf(containerPrivileged(), workloadOfKind(kind, spec));
            const base = kind === "Pod" ? "spec" : kind === "CronJob" ? "spec.jobTemplate.spec.template.spec" : "spec.template.spec";
            expect(messages).toEqual([`${kind}/w: ${base}.containers[0].securityContext.privileged is true (container "app"); remove it or set it to false.`]);
        });
    }
});

describe("container-capabilities", () => {
    it("hostile: rejects CAP_SYS_ADMIN written with the CAP_ prefix", () => {
        const messages = messagesOf(containerCapabilities(), deployment((p) => (sc(p).capabilities.add = ["CAP_SYS_ADMIN"])));
        expect(messages).toEqual([
            'Deployment/catalog-api: spec.template.spec.containers[0].securityContext.capabilities.add[0] adds SYS_ADMIN (container "app"), which is outside the baseline allow-list; remove it (only NET_BIND_SERVICE may be added).',
        ]);
    });
    it("hostile: rejects lowercase capabilities", () => {
        const messages = messagesOf(containerCapabilities(), deployment((p) => (sc(p).capabilities.add = ["net_admin", "cap_sys_ptrace"])));
        expect(messages).toHaveLength(2);
        expect(messages[0]).toContain("adds NET_ADMIN");
        expect(messages[1]).toContain("adds SYS_PTRACE");
    });
    it("rejects a baseline capability that restricted does not allow, without the baseline remark", () => {
        const [message] = messagesOf(containerCapabilities(), deployment((p) => (sc(p).capabilities.add = ["CHOWN"])));
        expect(message).toContain("adds CHOWN");
        expect(message).not.toContain("outside the baseline");
    });
    it("allows NET_BIND_SERVICE in any case, and drop: [all]", () => {
        const messages = messagesOf(
            containerCapabilities(),
            deployment((p) => (sc(p).capabilities = { drop: ["all"], add: ["net_bind_service", "CAP_NET_BIND_SERVICE"] })),
        );
        expect(messages).toEqual([]);
    });
    it("requires drop ALL", () => {
        expect(messagesOf(containerCapabilities(), deployment((p) => (sc(p).capabilities = { drop: ["NET_RAW"] })))).toEqual([
            'Deployment/catalog-api: spec.template.spec.containers[0].securityContext.capabilities.drop does not include ALL (container "app"); set capabilities.drop to ["ALL"].',
        ]);
    });
    it("checks init containers too", () => {
        const init = { ...compliantContainer("setup"), securityContext: { allowPrivilegeEscalation: false } };
        const messages = messagesOf(containerCapabilities(), deployment((p) => (p.spec.template.spec.initContainers = [init])));
        expect(messages).toEqual([expect.stringContaining('initContainers[0].securityContext.capabilities.drop does not include ALL (init container "setup")')]);
    });
    it("exempts Windows pods, as pod-security-admission does", () => {
        const messages = messagesOf(
            containerCapabilities(),
            deployment((p) => {
                p.spec.template.spec.os = { name: "windows" };
                delete sc(p).capabilities;
            }),
        );
        expect(messages).toEqual([]);
    });
});

describe("pod-volume-types", () => {
    it("hostile: rejects a hostPath volume", () => {
        const messages = messagesOf(podVolumeTypes(), deployment((p) => p.spec.template.spec.volumes.push({ name: "docker", hostPath: { path: "/var/run/docker.sock" } })));
        expect(messages).toEqual([
            'Deployment/catalog-api: spec.template.spec.volumes[1].hostPath mounts a directory of the node (volume "docker"); use an emptyDir, configMap, secret or persistentVolumeClaim instead.',
        ]);
    });
    it("rejects volume types outside the restricted list", () => {
        const messages = messagesOf(podVolumeTypes(), deployment((p) => p.spec.template.spec.volumes.push({ name: "share", nfs: { server: "nfs", path: "/" } })));
        expect(messages[0]).toContain('spec.template.spec.volumes[1] uses volume type "nfs" (volume "share"), which the restricted profile forbids');
    });
    it("accepts every restricted volume type", () => {
        const volumes = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"].map((type, i) => ({ name: `v${i}`, [type]: {} }));
        expect(messagesOf(podVolumeTypes(), deployment((p) => (p.spec.template.spec.volumes = volumes)))).toEqual([]);
    });
});

describe("container-host-ports", () => {
    it("rejects a hostPort", () => {
        expect(messagesOf(containerHostPorts(), deployment((p) => (firstContainer(p).ports[0].hostPort = 8080)))).toEqual([
            'Deployment/catalog-api: spec.template.spec.containers[0].ports[0].hostPort is set (container "app"); remove it and expose the port through a Service.',
        ]);
    });
    it("accepts hostPort 0", () => {
        expect(messagesOf(containerHostPorts(), deployment((p) => (firstContainer(p).ports[0].hostPort = 0)))).toEqual([]);
    });
});

describe("pod-apparmor", () => {
    it("rejects an unconfined AppArmor annotation", () => {
        const messages = messagesOf(
            podAppArmor(),
            deployment((p) => (p.spec.template.metadata.annotations = { "container.apparmor.security.beta.kubernetes.io/app": "unconfined" })),
        );
        expect(messages).toEqual([
            'Deployment/catalog-api: spec.template.metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"] is "unconfined"; use runtime/default or a localhost/<profile>, or remove the annotation.',
        ]);
    });
    it("rejects appArmorProfile Unconfined at pod and container level", () => {
        const messages = messagesOf(
            podAppArmor(),
            deployment((p) => {
                podSc(p).appArmorProfile = { type: "Unconfined" };
                sc(p).appArmorProfile = { type: "Unconfined" };
            }),
        );
        expect(messages).toEqual([
            'Deployment/catalog-api: spec.template.spec.securityContext.appArmorProfile.type is "Unconfined"; set it to RuntimeDefault or Localhost.',
            'Deployment/catalog-api: spec.template.spec.containers[0].securityContext.appArmorProfile.type is "Unconfined" (container "app"); set it to RuntimeDefault or Localhost.',
        ]);
    });
    it("accepts RuntimeDefault, Localhost and localhost/ annotations", () => {
        const messages = messagesOf(
            podAppArmor(),
            deployment((p) => {
                podSc(p).appArmorProfile = { type: "RuntimeDefault" };
                sc(p).appArmorProfile = { type: "Localhost", localhostProfile: "k8s-app" };
                p.spec.template.metadata.annotations = { "container.apparmor.security.beta.kubernetes.io/app": "localhost/k8s-app" };
            }),
        );
        expect(messages).toEqual([]);
    });
});

describe("pod-selinux", () => {
    it("rejects a custom SELinux type, user and role", () => {
        const messages = messagesOf(
            podSeLinux(),
            deployment((p) => {
                podSc(p).seLinuxOptions = { type: "spc_t" };
                sc(p).seLinuxOptions = { user: "system_u", role: "system_r" };
            }),
        );
        expect(messages).toEqual([
            'Deployment/catalog-api: spec.template.spec.securityContext.seLinuxOptions.type is "spc_t"; remove it or use container_t, container_init_t, container_kvm_t or container_engine_t.',
            'Deployment/catalog-api: spec.template.spec.containers[0].securityContext.seLinuxOptions.user is set (container "app"); remove it (custom SELinux users and roles are forbidden).',
            'Deployment/catalog-api: spec.template.spec.containers[0].securityContext.seLinuxOptions.role is set (container "app"); remove it (custom SELinux users and roles are forbidden).',
        ]);
    });
    it("accepts the allowed types and a level", () => {
        const messages = messagesOf(podSeLinux(), deployment((p) => (podSc(p).seLinuxOptions = { type: "container_init_t", level: "s0:c123,c456" })));
        expect(messages).toEqual([]);
    });
});

describe("container-proc-mount", () => {
    it("hostile: rejects procMount Unmasked", () => {
        expect(messagesOf(containerProcMount(), deployment((p) => (sc(p).procMount = "Unmasked")))).toEqual([
            'Deployment/catalog-api: spec.template.spec.containers[0].securityContext.procMount is "Unmasked" (container "app"); remove it or set it to Default.',
        ]);
    });
    it("accepts Default", () => {
        expect(messagesOf(containerProcMount(), deployment((p) => (sc(p).procMount = "Default")))).toEqual([]);
    });
});

describe("pod-seccomp", () => {
    it("hostile: rejects a container-level Unconfined profile overriding the pod's RuntimeDefault", () => {
        expect(messagesOf(podSeccomp(), deployment((p) => (sc(p).seccompProfile = { type: "Unconfined" })))).toEqual([
            'Deployment/catalog-api: spec.template.spec.containers[0].securityContext.seccompProfile.type is "Unconfined" (container "app"), overriding the pod\'s RuntimeDefault profile; remove it or set it to RuntimeDefault.',
        ]);
    });
    it("rejects a pod without any seccomp profile", () => {
        expect(messagesOf(podSeccomp(), deployment((p) => delete podSc(p).seccompProfile))).toEqual([
            'Deployment/catalog-api: spec.template.spec.securityContext.seccompProfile.type is not set, nor is it set on container "app"; set the pod\'s seccompProfile.type to RuntimeDefault.',
        ]);
    });
    it("accepts a profile on every container instead of the pod", () => {
        const messages = messagesOf(
            podSeccomp(),
            deployment((p) => {
                delete podSc(p).seccompProfile;
                sc(p).seccompProfile = { type: "Localhost", localhostProfile: "profiles/app.json" };
            }),
        );
        expect(messages).toEqual([]);
    });
    it("rejects the legacy unconfined annotation", () => {
        const messages = messagesOf(podSeccomp(), deployment((p) => (p.spec.template.metadata.annotations = { "seccomp.security.alpha.kubernetes.io/pod": "unconfined" })));
        expect(messages[0]).toContain('annotations["seccomp.security.alpha.kubernetes.io/pod"] is "unconfined"');
    });
});

describe("pod-sysctls", () => {
    it("hostile: rejects an unsafe sysctl", () => {
        const messages = messagesOf(podSysctls(), deployment((p) => (podSc(p).sysctls = [{ name: "kernel.msgmax", value: "65536" }])));
        expect(messages).toHaveLength(1);
        expect(messages[0]).toMatch(/^Deployment\/catalog-api: spec\.template\.spec\.securityContext\.sysctls\[0\] sets "kernel\.msgmax", which is not a safe sysctl; remove it/);
    });
    it("accepts safe sysctls, also in slash form", () => {
        const sysctls = [{ name: "net.ipv4.ip_local_port_range", value: "1024 65535" }, { name: "net/ipv4/tcp_syncookies", value: "1" }];
        expect(messagesOf(podSysctls(), deployment((p) => (podSc(p).sysctls = sysctls)))).toEqual([]);
    });
});

describe("container-privilege-escalation", () => {
    it("requires allowPrivilegeEscalation to be explicitly false", () => {
        expect(messagesOf(containerPrivilegeEscalation(), deployment((p) => delete sc(p).allowPrivilegeEscalation))).toEqual([
            'Deployment/catalog-api: spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation is not set (container "app"); set it to false.',
        ]);
    });
    it("rejects true", () => {
        const [message] = messagesOf(containerPrivilegeEscalation(), deployment((p) => (sc(p).allowPrivilegeEscalation = true)));
        expect(message).toContain("allowPrivilegeEscalation is true (container");
    });
});

describe("pod-run-as-non-root", () => {
    it("rejects a pod that does not require non-root", () => {
        expect(messagesOf(podRunAsNonRoot(), deployment((p) => delete podSc(p).runAsNonRoot))).toEqual([
            'Deployment/catalog-api: spec.template.spec.securityContext.runAsNonRoot is not true, nor is it set on container "app"; set the pod\'s securityContext.runAsNonRoot to true.',
        ]);
    });
    it("rejects a container that sets runAsNonRoot: false over the pod", () => {
        const [message] = messagesOf(podRunAsNonRoot(), deployment((p) => (sc(p).runAsNonRoot = false)));
        expect(message).toBe(
            'Deployment/catalog-api: spec.template.spec.containers[0].securityContext.runAsNonRoot is false (container "app"), overriding the pod; remove it or set it to true.',
        );
    });
    it("accepts runAsNonRoot on every container instead of the pod", () => {
        const messages = messagesOf(
            podRunAsNonRoot(),
            deployment((p) => {
                delete podSc(p).runAsNonRoot;
                sc(p).runAsNonRoot = true;
            }),
        );
        expect(messages).toEqual([]);
    });
});

describe("pod-run-as-user", () => {
    it("hostile: rejects runAsUser 0 at container level while the pod sets non-root", () => {
        expect(messagesOf(podRunAsUser(), deployment((p) => (sc(p).runAsUser = 0)))).toEqual([
            'Deployment/catalog-api: spec.template.spec.containers[0].securityContext.runAsUser is 0 (root) (container "app"), overriding the pod; set a non-zero user ID or remove it.',
        ]);
    });
    it("rejects runAsUser 0 at pod level", () => {
        expect(messagesOf(podRunAsUser(), deployment((p) => (podSc(p).runAsUser = 0)))).toEqual([
            "Deployment/catalog-api: spec.template.spec.securityContext.runAsUser is 0 (root); set a non-zero user ID or remove it.",
        ]);
    });
});

describe("container-probe-host", () => {
    it("rejects a probe host and a lifecycle host", () => {
        const messages = messagesOf(
            containerProbeHost(),
            deployment((p) => {
                firstContainer(p).livenessProbe.httpGet.host = "169.254.169.254";
                firstContainer(p).lifecycle = { preStop: { tcpSocket: { port: 22, host: "10.0.0.1" } } };
            }),
        );
        expect(messages).toEqual([
            'Deployment/catalog-api: spec.template.spec.containers[0].livenessProbe.httpGet.host is set (container "app"); remove it so the handler targets the pod\'s own IP.',
            'Deployment/catalog-api: spec.template.spec.containers[0].lifecycle.preStop.tcpSocket.host is set (container "app"); remove it so the handler targets the pod\'s own IP.',
        ]);
        expect(messages.join(" ")).not.toContain("169.254.169.254");
    });
});

describe("Rollout with spec.workloadRef", () => {
    const withRef = rollout((p) => {
        delete p.spec.template;
        p.spec.workloadRef = { apiVersion: "apps/v1", kind: "Deployment", name: "catalog-api" };
    });
    it("hostile: the pod template checks do not apply, and do not crash", () => {
        for (const policy of podSecurityPolicies()) expect(messagesOf(policy, withRef)).toEqual([]);
    });
    it("the referenced Deployment is still checked", () => {
        const referenced = deployment((p) => (sc(p).privileged = true));
        expect(messagesOf(containerPrivileged(), [withRef, referenced])).toEqual([expect.stringContaining("Deployment/catalog-api: spec.template.spec.containers[0].securityContext.privileged is true")]);
    });
});
