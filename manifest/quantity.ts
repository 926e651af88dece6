/**
 * Kubernetes resource quantities (`100m`, `0.5`, `128Mi`, `1G`, `1e3`) as plain numbers, so that
 * requests and limits can be compared before anything reaches the API server.
 */

const suffixes: Record<string, number> = {
    "": 1,
    n: 1e-9,
    u: 1e-6,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};

// The grammar of resource.Quantity: a signed decimal, then a binary/decimal SI suffix or an exponent.
const quantityPattern = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

/** Parses a quantity; returns undefined when it is not well-formed. */
export function parseQuantity(value: string | number): number | undefined {
    if (typeof value === "number") {
        return Number.isFinite(value) ? value : undefined;
    }
    const match = quantityPattern.exec(value.trim());
    if (!match) {
        return undefined;
    }
    const [, digits, exponent, suffix] = match;
    const base = Number(digits);
    if (exponent !== undefined) {
        return base * 10 ** Number(exponent.slice(1));
    }
    return base * (suffixes[suffix ?? ""] ?? 1);
}

/** True when the value is a well-formed, non-negative quantity. */
export function isQuantity(value: string | number): boolean {
    const parsed = parseQuantity(value);
    return parsed !== undefined && parsed >= 0;
}
