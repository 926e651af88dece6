import type { IncomingMessage, ServerResponse } from "node:http";

/** Writes a JSON body with the given status; HEAD requests get the headers only. */
export function sendJson(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
): void {
    const payload = JSON.stringify(body);
    res.writeHead(status, {
        "content-type": "application/json; charset=utf-8",
        "content-length": Buffer.byteLength(payload),
        "cache-control": "no-store",
        ...headers,
    });
    res.end(payload);
}

export function sendText(res: ServerResponse, status: number, body: string, contentType: string): void {
    res.writeHead(status, {
        "content-type": contentType,
        "content-length": Buffer.byteLength(body),
        "cache-control": "no-store",
    });
    res.end(body);
}

/** The request path without its query string, or undefined when it can't be parsed. */
export function requestPath(req: IncomingMessage): string | undefined {
    try {
        return new URL(req.url ?? "/", "http://localhost").pathname;
    } catch {
        return undefined;
    }
}

export type BodyResult = { ok: true; text: string } | { ok: false; reason: "too-large" | "aborted" };

/**
 * Reads the request body as UTF-8, up to `limit` bytes. Past the limit it stops keeping
 * the data (but keeps draining the socket) and reports "too-large".
 */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
    return new Promise((resolve) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let tooLarge = false;
        req.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > limit) tooLarge = true;
            if (!tooLarge) chunks.push(chunk);
        });
        req.on("end", () =>
            resolve(tooLarge ? { ok: false, reason: "too-large" } : { ok: true, text: Buffer.concat(chunks).toString("utf8") }),
        );
        req.on("error", () => resolve({ ok: false, reason: "aborted" }));
    });
}
