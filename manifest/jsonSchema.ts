/**
 * The manifest's JSON Schema, generated from the zod schema (the single source of truth) for editors
 * (`# yaml-language-server: $schema=../../manifest/service.schema.json`). `npm run schema` rewrites
 * the committed file; a test fails when it is stale.
 */
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { serviceManifestSchema } from "./schema";

export const schemaFile = path.join(__dirname, "service.schema.json");

/** The JSON Schema text of the manifest as written (input side: defaults are optional). */
export function manifestJsonSchema(): string {
    const schema = z.toJSONSchema(serviceManifestSchema, { io: "input", unrepresentable: "any" });
    return JSON.stringify({ ...schema, title: "Slipway service manifest" }, null, 2) + "\n";
}

if (require.main === module) {
    fs.writeFileSync(schemaFile, manifestJsonSchema());
    console.log(`wrote ${path.relative(process.cwd(), schemaFile)}`);
}
