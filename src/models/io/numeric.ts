// Half-precision conversions (IEEE f16 and bfloat16 <-> f32) used by the checkpoint readers/writers.
// Not a tensor library: plain loops over typed arrays. Rounding is round-to-nearest-even, as numpy/torch do.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** f16 bits -> f32 value (exact). */
export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** f32 value -> f16 bits, round to nearest even, overflow to infinity. */
export function f32ToF16(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let r = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    if (rem > half || (rem === half && r & 1)) r++;
    return sign | r;
  }
  let r = mant >>> 13;
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && r & 1)) {
    r++;
    if (r === 0x400) {
      r = 0;
      e++;
      if (e >= 31) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | r;
}

export function f16ArrayToF32(
  src: Uint16Array,
  out: Float32Array = new Float32Array(src.length),
): Float32Array {
  // a 64K lookup table would be faster, but the plain loop keeps load time small enough for CPU models
  for (let i = 0; i < src.length; i++) out[i] = f16ToF32(src[i]);
  return out;
}

export function f32ArrayToF16(src: Float32Array): Uint16Array {
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = f32ToF16(src[i]);
  return out;
}

export function bf16ArrayToF32(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < src.length; i++) bits[i] = src[i] << 16;
  return out;
}

export function f32ArrayToBf16(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const x = bits[i];
    if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) {
      out[i] = (x >>> 16) | 0x40; // keep NaN a NaN
      continue;
    }
    out[i] = (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
  }
  return out;
}

/** Little-endian typed view of `bytes` (copies when unaligned, which Buffer slices often are). */
export function viewAs<T extends Float32Array | Uint16Array | Int8Array>(
  bytes: Uint8Array,
  ctor: { new (b: ArrayBuffer, o: number, n: number): T; BYTES_PER_ELEMENT: number },
): T {
  const size = ctor.BYTES_PER_ELEMENT;
  const n = bytes.byteLength / size;
  if (bytes.byteOffset % size === 0) return new ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, n);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new ctor(copy.buffer, 0, n);
}
