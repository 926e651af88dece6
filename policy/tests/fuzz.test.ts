// Seeded structural fuzzing: replace random subtrees of the good fixtures with values of the wrong
// type. Every policy must still return messages (or nothing), never crash on the object.
import { describe, expect, it } from "vitest";
import { evaluate } from "../engine";
import { fixture, prodConfig } from "./helpers";

function prng(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
        state = (state * 1664525 + 1013904223) >>> 0;
        return state / 2 ** 32;
    };
}

const WEIRD: unknown[] = [null, 0, -1, 1.5, "", "x", true, [], {}, [null], { "": null }, ["ALL"], "0", 1e21];

function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
    if (typeof value !== "object" || value === null) return out;
    for (const [key, child] of Object.entries(value)) {
        const next = [...prefix, Array.isArray(value) ? Number(key) : key];
        out.push(next);
        paths(child, next, out);
    }
    return out;
}

describe("structural fuzzing of the good fixtures", () => {
    it("never makes a policy crash", () => {
        const random = prng(20261122);
        const base = [...fixture("good/prod-rollout.yaml"), ...fixture("good/deployment.yaml")];
        let checked = 0;
        for (let round = 0; round < 150; round++) {
            const resources = structuredClone(base);
            for (let edit = 0; edit < 5; edit++) {
                const target = resources[Math.floor(random() * resources.length)];
                if (!target) continue;
                const candidates = paths(target.props);
                const path = candidates[Math.floor(random() * candidates.length)];
                if (!path) continue;
                let holder: any = target.props; // eslint-disable-line @typescript-eslint/no-explicit-any
                for (const segment of path.slice(0, -1)) holder = holder[segment];
                holder[path[path.length - 1] as string] = structuredClone(WEIRD[Math.floor(random() * WEIRD.length)]);
            }
            const violations = evaluate(resources, prodConfig());
            expect(violations.filter((v) => v.message.includes("could not evaluate"))).toEqual([]);
            for (const v of violations) expect(v.message).not.toMatch(/[\r\n]/);
            checked += resources.length;
        }
        expect(checked).toBe(150 * 14);
    });
});
