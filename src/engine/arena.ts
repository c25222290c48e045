// Activation and scratch memory reused across steps: named slots that grow only when a larger size is
// asked for, so after the first training step (the largest batch seen) a step allocates nothing.
// Not a general allocator: a slot's contents live until the same name is asked for again.

type Slot<T> = { buf: T; view: T };

export class Arena {
  private readonly f32s = new Map<string, Slot<Float32Array>>();
  private readonly i32s = new Map<string, Slot<Int32Array>>();
  private readonly u8s = new Map<string, Slot<Uint8Array>>();
  /** number of backing buffers allocated so far (tests assert it stops growing) */
  allocations = 0;
  /** bytes held by all slots */
  bytes = 0;

  private take<T extends Float32Array | Int32Array | Uint8Array>(
    map: Map<string, Slot<T>>,
    name: string,
    n: number,
    make: (n: number) => T,
  ): T {
    const slot = map.get(name);
    if (slot && slot.view.length === n) return slot.view;
    if (slot && slot.buf.length >= n) {
      slot.view = slot.buf.subarray(0, n) as T;
      return slot.view;
    }
    const buf = make(n);
    this.allocations++;
    this.bytes += buf.byteLength - (slot ? slot.buf.byteLength : 0);
    map.set(name, { buf, view: buf });
    return buf;
  }

  /** A Float32Array of length n under `name`; contents are whatever the slot last held. */
  f32(name: string, n: number): Float32Array {
    return this.take(this.f32s, name, n, (k) => new Float32Array(k));
  }

  /** Like f32, zero-filled (gradient accumulators). */
  zeros(name: string, n: number): Float32Array {
    const x = this.f32(name, n);
    x.fill(0);
    return x;
  }

  i32(name: string, n: number): Int32Array {
    return this.take(this.i32s, name, n, (k) => new Int32Array(k));
  }

  u8(name: string, n: number): Uint8Array {
    return this.take(this.u8s, name, n, (k) => new Uint8Array(k));
  }

  /** Drops every slot (e.g. after training, before generation). */
  clear(): void {
    this.f32s.clear();
    this.i32s.clear();
    this.u8s.clear();
    this.bytes = 0;
  }
}
