/**
 * Benchmark: evaluation time and peak memory of the real program under Pulumi's mock engine for 2,
 * 20 and 200 generated services (target: 200 in under 5 s, growing linearly). Each size runs in its
 * own process; the best of `--runs` (default 3) is reported, with ratios against the smallest size.
 *
 *   npm run bench            # or: npm exec -- tsx bench/program.ts --sizes 2,20,200 --runs 3
 */
import { execFileSync } from "child_process";
import * as path from "path";
import { parseArgs } from "util";

interface Sample {
    services: number;
    resources: number;
    seconds: number;
    peakRssMiB: number;
}

const { values } = parseArgs({ options: { sizes: { type: "string", default: "2,20,200" }, runs: { type: "string", default: "3" } } });
const sizes = values.sizes!.split(",").map(Number);
const runs = Number(values.runs);
const tsx = path.resolve(__dirname, "../node_modules/.bin/tsx");

const results: Sample[] = sizes.map((size) => {
    const samples: Sample[] = [];
    for (let i = 0; i < runs; i++) {
        const out = execFileSync(tsx, [path.join(__dirname, "programOnce.ts"), String(size)], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
        samples.push(JSON.parse(out.trim().split("\n").pop()!));
    }
    return samples.reduce((best, s) => (s.seconds < best.seconds ? s : best));
});

const base = results[0]!;
console.log("services  resources  seconds  ms/service  time ratio  size ratio  peak RSS MiB");
for (const r of results) {
    console.log(
        [
            String(r.services).padStart(8),
            String(r.resources).padStart(10),
            r.seconds.toFixed(3).padStart(8),
            ((r.seconds * 1000) / r.services).toFixed(1).padStart(11),
            (r.seconds / base.seconds).toFixed(1).padStart(11),
            (r.services / base.services).toFixed(0).padStart(11),
            r.peakRssMiB.toFixed(0).padStart(13),
        ].join(" "),
    );
}
const largest = results[results.length - 1]!;
console.log(`target: ${largest.services} services in under 5 s -> ${largest.seconds < 5 ? "met" : "NOT met"} (${largest.seconds.toFixed(2)} s)`);
