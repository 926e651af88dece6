/**
 * Per-object memo tables for facts derived from resource props (pod template, containers, labels).
 *
 * Props are never mutated while policies run, so within one evaluation a fact is computed once
 * per object and shared by every policy. `resetCaches()` (called by the engine at the start of each
 * evaluation) drops everything, so a caller that edits an object between two evaluations never sees
 * a stale fact.
 */
const registry: { clear(): void }[] = [];

export class ObjectCache<K extends object, V> {
    private map = new WeakMap<K, V>();

    constructor() {
        registry.push(this);
    }

    get(key: K): V | undefined {
        return this.map.get(key);
    }

    set(key: K, value: V): V {
        this.map.set(key, value);
        return value;
    }

    clear(): void {
        this.map = new WeakMap<K, V>();
    }
}

/** A memo table keyed by strings (image references, variable names), bounded in size. */
export class StringCache<V> {
    private map = new Map<string, V>();

    constructor(private readonly limit = 50_000) {
        registry.push(this);
    }

    get(key: string): V | undefined {
        return this.map.get(key);
    }

    set(key: string, value: V): V {
        if (this.map.size >= this.limit) this.map.clear();
        this.map.set(key, value);
        return value;
    }

    clear(): void {
        this.map = new Map<string, V>();
    }
}

export function resetCaches(): void {
    for (const cache of registry) cache.clear();
}
