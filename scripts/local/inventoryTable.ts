/** Prints a stack's inventory as a table a person reads at a glance. */
import type { Inventory } from "../../components/inventory";

export function inventoryTable(inventory: Inventory): string {
    const rows = Object.values(inventory.services).map((s) => [s.service, s.version, s.strategy, s.namespace, s.digest.slice(0, 19), s.commit.slice(0, 12), s.commitUrl]);
    const header = ["SERVICE", "VERSION", "STRATEGY", "NAMESPACE", "DIGEST", "COMMIT", "COMMIT URL"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
    return [`inventory of stack ${inventory.stack} (${inventory.environment})`, line(header), ...rows.map(line)].join("\n");
}
