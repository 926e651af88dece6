import { describe, expect, it } from "vitest";
import { assessRollout, waitForRollout } from "../components/rolloutHealth";

const rolloutAt = (status: Record<string, unknown>) => ({ metadata: { generation: 4 }, status });

describe("rollout health gate", () => {
    it("treats a status from an older generation as not yet observed (Argo's observedGeneration is a string)", () => {
        expect(assessRollout(rolloutAt({ observedGeneration: "3", phase: "Healthy" }), 4).state).toBe("pending");
        expect(assessRollout(rolloutAt({ phase: "Healthy" }), 4).state).toBe("pending");
        expect(assessRollout(rolloutAt({ observedGeneration: "4", phase: "Healthy", stableRS: "abc", currentPodHash: "abc" }), 4)).toEqual({ state: "healthy", message: "Healthy" });
    });

    it("waits while the canary is still stepping (stable differs from current)", () => {
        const assessment = assessRollout(rolloutAt({ observedGeneration: "4", phase: "Healthy", stableRS: "old", currentPodHash: "new" }), 4);
        expect(assessment.state).toBe("pending");
        expect(assessRollout(rolloutAt({ observedGeneration: "4", phase: "Paused", message: "CanaryPauseStep" }), 4).message).toBe("phase Paused: CanaryPauseStep");
    });

    it("reports an aborted release as degraded with Argo's reason", () => {
        const assessment = assessRollout(
            rolloutAt({
                observedGeneration: "4",
                phase: "Degraded",
                abort: true,
                message: "RolloutAborted: Rollout aborted update to revision 4",
                conditions: [
                    { type: "Progressing", status: "False", reason: "RolloutAborted", message: 'Metric "error-rate" assessed Failed' },
                    { type: "Healthy", status: "False", reason: "RolloutHealthy", message: "Rollout is not healthy" },
                    { type: "Available", status: "True", reason: "AvailableReason", message: "Rollout has minimum availability" },
                ],
            }),
            4,
        );
        expect(assessment.state).toBe("degraded");
        expect(assessment.message).toBe('RolloutAborted: Rollout aborted update to revision 4; Metric "error-rate" assessed Failed');
    });

    it("polls until Healthy at the applied generation", async () => {
        const seen = [
            { observedGeneration: "3", phase: "Healthy" },
            { observedGeneration: "4", phase: "Progressing", stableRS: "a", currentPodHash: "b" },
            { observedGeneration: "4", phase: "Healthy", stableRS: "b", currentPodHash: "b" },
        ];
        let reads = 0;
        const result = await waitForRollout({ namespace: "ns", name: "api", generation: 4, timeoutSeconds: 5 }, async () => rolloutAt(seen[Math.min(reads++, 2)]!), 1);
        expect(result.state).toBe("healthy");
        expect(reads).toBe(3);
    });

    it("fails fast, naming the Rollout, when the release aborts", async () => {
        const read = async () => rolloutAt({ observedGeneration: "4", phase: "Degraded", abort: true, message: "RolloutAborted: analysis failed" });
        await expect(waitForRollout({ namespace: "ns", name: "api", generation: 4, timeoutSeconds: 60 }, read, 1)).rejects.toThrow(
            "Rollout ns/api did not become Healthy: the release was aborted and the stable version keeps serving (RolloutAborted: analysis failed)",
        );
    });

    it("gives up after the timeout, naming the Rollout and the last state, and survives read errors", async () => {
        let reads = 0;
        const read = async () => {
            reads++;
            if (reads === 1) {
                throw new Error("connection refused");
            }
            return rolloutAt({ observedGeneration: "4", phase: "Paused", message: "manual pause" });
        };
        await expect(waitForRollout({ namespace: "ns", name: "api", generation: 4, timeoutSeconds: 0.05 }, read, 5)).rejects.toThrow(
            /Rollout ns\/api did not become Healthy within 0.05 s \(phase Paused: manual pause\)/,
        );
        expect(reads).toBeGreaterThan(1);
    });
});
