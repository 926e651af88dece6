/** A product in the read-only catalog. */
export interface Item {
    id: string;
    name: string;
    description: string;
    /** Price in the currency's minor unit (cents), to keep money exact. */
    priceCents: number;
    currency: "EUR";
}

/** The catalog this sample service serves. It is data, not state: nothing writes to it. */
export const CATALOG: readonly Item[] = Object.freeze([
    { id: "sku-1001", name: "Slipway mug", description: "A 350 ml stoneware mug.", priceCents: 1200, currency: "EUR" },
    { id: "sku-1002", name: "Rollout hoodie", description: "A grey cotton hoodie.", priceCents: 4500, currency: "EUR" },
    { id: "sku-1003", name: "Canary sticker pack", description: "Ten vinyl stickers.", priceCents: 500, currency: "EUR" },
    { id: "sku-1004", name: "Blue/green notebook", description: "An A5 dotted notebook.", priceCents: 900, currency: "EUR" },
] satisfies Item[]);

export function findItem(catalog: readonly Item[], id: string): Item | undefined {
    return catalog.find((item) => item.id === id);
}
