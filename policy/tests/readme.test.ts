import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { policyNames, resolvePackConfig } from "../engine";
import { loadStackConfig } from "../stacks";

const readme = readFileSync(path.join(__dirname, "..", "README.md"), "utf8");

describe("policy/README.md", () => {
    it("documents every policy with its dev, local and prod level", () => {
        const levels = Object.fromEntries(
            (["dev", "local", "prod"] as const).map((stack) => [stack, new Map(resolvePackConfig(loadStackConfig(stack)).map((e) => [e.policy.name, e.level]))]),
        );
        for (const name of policyNames()) {
            const isLevel = (cell: string | undefined) => /^(advisory|mandatory|off)\b/.test(cell?.trim() ?? "");
            const row = readme
                .split("\n")
                .find((line) => line.startsWith(`| \`${name}\``) && line.split("|").slice(-4, -1).every(isLevel));
            expect(row, `README row for ${name}`).toBeDefined();
            const cells = (row ?? "").split("|").map((cell) => cell.trim());
            const [dev, local, prod] = cells.slice(-4, -1);
            const expected = (stack: "dev" | "local" | "prod", cell: string | undefined) => {
                if (name === "promotion-verified-digests" && stack !== "prod") return expect(cell).toBe("off");
                return expect(cell?.split(" ")[0]).toBe(levels[stack]?.get(name));
            };
            expected("dev", dev);
            expected("local", local);
            expected("prod", prod);
        }
    });
});
