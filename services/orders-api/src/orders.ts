import { randomUUID } from "node:crypto";

export interface OrderLine {
    sku: string;
    quantity: number;
}

/** What a client sends to POST /orders. */
export interface OrderInput {
    customerId: string;
    items: OrderLine[];
}

export interface Order extends OrderInput {
    id: string;
    status: "created";
    createdAt: string;
}

/** One validation problem, naming the field (JSON path) and what was expected. */
export interface FieldError {
    field: string;
    message: string;
}

export const MAX_LINES = 50;
export const MAX_QUANTITY = 1000;
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Validates a parsed JSON body; returns the order input or every problem found. */
export function validateOrderInput(body: unknown): { ok: true; value: OrderInput } | { ok: false; errors: FieldError[] } {
    if (!isRecord(body)) {
        return { ok: false, errors: [{ field: "$", message: "must be a JSON object" }] };
    }
    const errors: FieldError[] = [];
    for (const key of Object.keys(body)) {
        if (key !== "customerId" && key !== "items") errors.push({ field: key, message: "is not a known field" });
    }
    const { customerId, items } = body;
    if (typeof customerId !== "string" || !IDENTIFIER.test(customerId)) {
        errors.push({ field: "customerId", message: "must be 1 to 64 letters, digits, '_' or '-'" });
    }
    const lines: OrderLine[] = [];
    if (!Array.isArray(items) || items.length === 0 || items.length > MAX_LINES) {
        errors.push({ field: "items", message: `must be an array of 1 to ${MAX_LINES} order lines` });
    } else {
        items.forEach((item: unknown, i) => {
            if (!isRecord(item)) {
                errors.push({ field: `items[${i}]`, message: "must be an object with sku and quantity" });
                return;
            }
            for (const key of Object.keys(item)) {
                if (key !== "sku" && key !== "quantity") errors.push({ field: `items[${i}].${key}`, message: "is not a known field" });
            }
            const { sku, quantity } = item;
            if (typeof sku !== "string" || !IDENTIFIER.test(sku)) {
                errors.push({ field: `items[${i}].sku`, message: "must be 1 to 64 letters, digits, '_' or '-'" });
            }
            if (typeof quantity !== "number" || !Number.isInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
                errors.push({ field: `items[${i}].quantity`, message: `must be an integer from 1 to ${MAX_QUANTITY}` });
            }
            if (typeof sku === "string" && typeof quantity === "number") lines.push({ sku, quantity });
        });
    }
    if (errors.length > 0) return { ok: false, errors };
    return { ok: true, value: { customerId: customerId as string, items: lines } };
}

/**
 * Orders kept in memory. Bounded: past `capacity` the oldest orders are forgotten, so a
 * long-running sample service can't grow without limit.
 */
export class OrderStore {
    private readonly orders = new Map<string, Order>();

    constructor(
        private readonly capacity = 10_000,
        private readonly newId: () => string = randomUUID,
        private readonly now: () => Date = () => new Date(),
    ) {}

    create(input: OrderInput): Order {
        const order: Order = {
            id: this.newId(),
            customerId: input.customerId,
            items: input.items.map((line) => ({ ...line })),
            status: "created",
            createdAt: this.now().toISOString(),
        };
        this.orders.set(order.id, order);
        while (this.orders.size > this.capacity) {
            const oldest = this.orders.keys().next();
            if (oldest.done) break;
            this.orders.delete(oldest.value);
        }
        return order;
    }

    get(id: string): Order | undefined {
        return this.orders.get(id);
    }

    get size(): number {
        return this.orders.size;
    }
}
