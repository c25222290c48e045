// A compact hash map from prompt_id to a small integer, keyed by the first 64 bits of the sha256:
// 1M ids cost ~24 MB instead of ~150 MB for a Set<string>. Collisions of 64-bit prefixes among 1M
// ids have probability ~3e-8, an accepted risk. Not a general-purpose map.

const EMPTY = 0xffffffff;

export class IdMap {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private values: Int16Array;
  private used = 0;

  constructor(capacity = 1024) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.hi = new Uint32Array(size).fill(EMPTY);
    this.lo = new Uint32Array(size);
    this.values = new Int16Array(size);
  }

  get size(): number {
    return this.used;
  }

  /** The stored value, or undefined when the id was never set. */
  get(id: string): number | undefined {
    const slot = this.find(id);
    return this.hi[slot] === EMPTY ? undefined : this.values[slot];
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /** Sets the value; returns false when the id was already present (its value is then kept). */
  add(id: string, value = 0): boolean {
    if ((this.used + 1) * 2 > this.hi.length) this.grow();
    const slot = this.find(id);
    if (this.hi[slot] !== EMPTY) return false;
    const [h, l] = keyOf(id);
    this.hi[slot] = h;
    this.lo[slot] = l;
    this.values[slot] = value;
    this.used++;
    return true;
  }

  private find(id: string): number {
    const [h, l] = keyOf(id);
    const mask = this.hi.length - 1;
    let slot = (l ^ Math.imul(h, 0x9e3779b1)) & mask;
    while (this.hi[slot] !== EMPTY && (this.hi[slot] !== h || this.lo[slot] !== l)) slot = (slot + 1) & mask;
    return slot;
  }

  private grow(): void {
    const { hi, lo, values } = this;
    this.hi = new Uint32Array(hi.length * 2).fill(EMPTY);
    this.lo = new Uint32Array(hi.length * 2);
    this.values = new Int16Array(hi.length * 2);
    const mask = this.hi.length - 1;
    for (let i = 0; i < hi.length; i++) {
      if (hi[i] === EMPTY) continue;
      let slot = (lo[i] ^ Math.imul(hi[i], 0x9e3779b1)) & mask;
      while (this.hi[slot] !== EMPTY) slot = (slot + 1) & mask;
      this.hi[slot] = hi[i];
      this.lo[slot] = lo[i];
      this.values[slot] = values[i];
    }
  }
}

function keyOf(id: string): [number, number] {
  let h = Number.parseInt(id.slice(0, 8), 16);
  const l = Number.parseInt(id.slice(8, 16), 16);
  if (!Number.isFinite(h) || !Number.isFinite(l)) throw new TypeError(`not a sha256 hex id: ${id}`);
  // EMPTY marks free slots; fold the one colliding key onto its neighbour.
  if (h === EMPTY) h = EMPTY - 1;
  return [h, l];
}
