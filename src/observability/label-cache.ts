// Values cached by up to five label values, looked up level by level. A key
// joined from the labels would be a new string on every request (a rope that
// JSC flattens with an allocation and a copy before hashing); the labels
// themselves are the same few strings each time, their hashes already known.

type Level<T> = Map<string, Level<T> | T>;

export class LabelCache<T> {
  private readonly root: Level<T> = new Map();

  get(a: string, b: string, c: string, d: string, e: string): T | undefined {
    const l1 = this.root.get(a) as Level<T> | undefined;
    const l2 = l1?.get(b) as Level<T> | undefined;
    const l3 = l2?.get(c) as Level<T> | undefined;
    const l4 = l3?.get(d) as Level<T> | undefined;
    return l4?.get(e) as T | undefined;
  }

  set(a: string, b: string, c: string, d: string, e: string, value: T): void {
    const l4 = this.level(this.level(this.level(this.level(this.root, a), b), c), d);
    l4.set(e, value);
  }

  clear(): void {
    this.root.clear();
  }

  /** Drops the values `drop` picks; walks the whole tree (configuration changes, not requests). */
  deleteWhere(drop: (value: T) => boolean): void {
    prune(this.root, 1, drop);
  }

  private level(parent: Level<T>, key: string): Level<T> {
    let next = parent.get(key) as Level<T> | undefined;
    if (next === undefined) {
      next = new Map();
      parent.set(key, next);
    }
    return next;
  }
}

/** Removes picked values at depth 5 and the levels left empty. */
function prune<T>(level: Level<T>, depth: number, drop: (value: T) => boolean): void {
  for (const [key, next] of level) {
    if (depth === 5) {
      if (drop(next as T)) level.delete(key);
      continue;
    }
    prune(next as Level<T>, depth + 1, drop);
    if ((next as Level<T>).size === 0) level.delete(key);
  }
}
