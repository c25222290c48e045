// Checkpoint writers' file helpers: atomic writes (src/util/atomic.ts: temp sibling, fsync, rename) and
// zero-copy byte views of typed arrays.
export { writeFileAtomic } from "../../util/atomic.js";

/** Bytes of a typed array (a view, no copy). */
export function bytesOf(a: Float32Array | Uint16Array | Int32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
