// Bounds-checked GGUF v3 reader (llama.cpp's single-file checkpoint format); dequantises f32/f16/bf16/q8_0 to f32.
// Not a writer (gguf-write.ts) and not a name mapper (gguf-names.ts). Follows ggml/docs/gguf.md (the layout
// is summarised above GgufType). Every read is checked against the file size so a truncated or corrupt file
// gives a ModelError naming the file and byte offset.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { ModelError } from "../../util/errors.js";
import { bf16ArrayToF32, f16ArrayToF32, f16ToF32, viewAs } from "./numeric.js";

// The format: u32 magic "GGUF" (bytes 47 47 55 46), u32 version (3; 2 is read too), u64 tensor_count,
// u64 kv_count; kv_count × { string key, u32 value_type, value }; a string is u64 byte length + UTF-8 bytes
// (no NUL); value types: 0 u8, 1 i8, 2 u16, 3 i16, 4 u32, 5 i32, 6 f32, 7 bool(u8), 8 string,
// 9 array { u32 item_type, u64 count, items }, 10 u64, 11 i64, 12 f64; all little-endian.
// tensor_count × { string name, u32 n_dims, u64 ne[n_dims] (ne[0] fastest-varying), u32 ggml_type,
// u64 offset (from the data section start, a multiple of the alignment) }; padding to `general.alignment`
// (default 32), then the data section.
export enum GgufType {
  U8 = 0,
  I8 = 1,
  U16 = 2,
  I16 = 3,
  U32 = 4,
  I32 = 5,
  F32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  U64 = 10,
  I64 = 11,
  F64 = 12,
}

/** Bytes of each fixed-size scalar type (strings and arrays have none); shared with gguf-write.ts. */
export const GGUF_SCALAR_BYTES: Partial<Record<GgufType, number>> = {
  [GgufType.U8]: 1,
  [GgufType.I8]: 1,
  [GgufType.U16]: 2,
  [GgufType.I16]: 2,
  [GgufType.U32]: 4,
  [GgufType.I32]: 4,
  [GgufType.F32]: 4,
  [GgufType.BOOL]: 1,
  [GgufType.U64]: 8,
  [GgufType.I64]: 8,
  [GgufType.F64]: 8,
};

export type GgufScalar = number | bigint | boolean | string;
export type GgufValue = GgufScalar | GgufValue[];
/** One metadata entry; `itemType` is set for arrays (needed to write the entry back unchanged). */
export interface GgufEntry {
  type: GgufType;
  itemType?: GgufType;
  value: GgufValue;
}
export type GgufMetadata = Map<string, GgufEntry>;

/** ggml tensor types this reader knows the size of (the ones it dequantises are marked in dequantise()). */
export const ggmlTypeNames: Record<number, string> = {
  0: "F32",
  1: "F16",
  2: "Q4_0",
  3: "Q4_1",
  6: "Q5_0",
  7: "Q5_1",
  8: "Q8_0",
  9: "Q8_1",
  10: "Q2_K",
  11: "Q3_K",
  12: "Q4_K",
  13: "Q5_K",
  14: "Q6_K",
  15: "Q8_K",
  30: "BF16",
};

export interface GgufTensorInfo {
  name: string;
  /** ggml order: ne[0] is the fastest-varying (row length); the row-major shape is ne reversed */
  ne: number[];
  type: number;
  /** absolute byte offset in the file */
  fileOffset: number;
  byteLength: number;
}

export interface GgufFile {
  path: string;
  version: number;
  alignment: number;
  metadata: GgufMetadata;
  tensors: GgufTensorInfo[];
}

const MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

class NeedMore extends Error {}

/** Cursor over the header prefix; throws NeedMore past the prefix, ModelError past the end of the file. */
class Cursor {
  pos = 0;
  private readonly view: DataView;
  constructor(
    private readonly buf: Buffer,
    private readonly fileSize: number,
    private readonly path: string,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  need(n: number, what: string): void {
    if (this.pos + n > this.fileSize) {
      throw new ModelError(
        `${this.path}: truncated GGUF file: ${what} at byte ${this.pos} needs ${n} bytes, the file has ${this.fileSize}`,
        { hint: "the download may be incomplete; fetch the file again" },
      );
    }
    if (this.pos + n > this.buf.byteLength) throw new NeedMore();
  }
  u8(w: string): number {
    this.need(1, w);
    return this.view.getUint8(this.pos++);
  }
  u32(w: string): number {
    this.need(4, w);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u64(w: string): number {
    this.need(8, w);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > MAX_SAFE) throw new ModelError(`${this.path}: ${w} at byte ${this.pos - 8} is ${v}, too large`);
    return Number(v);
  }
  scalar(t: GgufType, w: string): GgufScalar {
    if (t === GgufType.STRING) return this.str(w);
    const n = GGUF_SCALAR_BYTES[t];
    if (n === undefined)
      throw new ModelError(`${this.path}: ${w} at byte ${this.pos} has unknown value type ${t}`);
    this.need(n, w);
    const p = this.pos;
    this.pos += n;
    const v = this.view;
    switch (t) {
      case GgufType.U8:
        return v.getUint8(p);
      case GgufType.I8:
        return v.getInt8(p);
      case GgufType.U16:
        return v.getUint16(p, true);
      case GgufType.I16:
        return v.getInt16(p, true);
      case GgufType.U32:
        return v.getUint32(p, true);
      case GgufType.I32:
        return v.getInt32(p, true);
      case GgufType.F32:
        return v.getFloat32(p, true);
      case GgufType.BOOL:
        return v.getUint8(p) !== 0;
      case GgufType.U64: {
        const b = v.getBigUint64(p, true);
        return b <= MAX_SAFE ? Number(b) : b;
      }
      case GgufType.I64: {
        const b = v.getBigInt64(p, true);
        return b <= MAX_SAFE && b >= -MAX_SAFE ? Number(b) : b;
      }
      default:
        return v.getFloat64(p, true);
    }
  }
  str(w: string): string {
    const n = this.u64(`${w} (string length)`);
    this.need(n, w);
    const s = this.buf.toString("utf8", this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}

function parseHeader(c: Cursor, path: string, fileSize: number): GgufFile {
  const magic = c.u32("magic");
  if (magic !== MAGIC) {
    throw new ModelError(`${path}: not a GGUF file (magic 0x${magic.toString(16)}, expected "GGUF")`);
  }
  const version = c.u32("version");
  if (version !== 3 && version !== 2) {
    throw new ModelError(`${path}: GGUF version ${version} is not supported (expected 3)`, {
      hint: "re-convert the model with a current llama.cpp convert_hf_to_gguf.py",
    });
  }
  const nTensors = c.u64("tensor_count");
  const nKv = c.u64("metadata_kv_count");
  const metadata: GgufMetadata = new Map();
  for (let i = 0; i < nKv; i++) {
    const key = c.str(`metadata key #${i}`);
    const type = c.u32(`type of ${key}`) as GgufType;
    if (type === GgufType.ARRAY) {
      const itemType = c.u32(`item type of ${key}`) as GgufType;
      if (itemType === GgufType.ARRAY)
        throw new ModelError(`${path}: nested array in metadata ${key} is not supported`);
      const n = c.u64(`length of ${key}`);
      if (n > fileSize)
        throw new ModelError(`${path}: metadata ${key} claims ${n} items, more than the file holds`);
      const items: GgufValue[] = new Array(n);
      for (let j = 0; j < n; j++) items[j] = c.scalar(itemType, `${key}[${j}]`);
      metadata.set(key, { type, itemType, value: items });
    } else {
      metadata.set(key, { type, value: c.scalar(type, key) });
    }
  }
  const alignEntry = metadata.get("general.alignment");
  const alignment = alignEntry ? Number(alignEntry.value) : 32;
  if (!Number.isInteger(alignment) || alignment <= 0 || alignment % 8 !== 0) {
    throw new ModelError(`${path}: general.alignment ${alignment} is not a positive multiple of 8`);
  }
  const infos: { name: string; ne: number[]; type: number; offset: number }[] = [];
  for (let i = 0; i < nTensors; i++) {
    const name = c.str(`tensor name #${i}`);
    const nDims = c.u32(`n_dims of ${name}`);
    if (nDims < 1 || nDims > 4)
      throw new ModelError(`${path}: tensor ${name} has ${nDims} dimensions (1..4 allowed)`);
    const ne: number[] = [];
    for (let d = 0; d < nDims; d++) ne.push(c.u64(`dim ${d} of ${name}`));
    const type = c.u32(`type of ${name}`);
    const offset = c.u64(`offset of ${name}`);
    infos.push({ name, ne, type, offset });
  }
  const dataStart = Math.ceil(c.pos / alignment) * alignment;
  const tensors = infos.map((t): GgufTensorInfo => {
    const byteLength = tensorBytes(t.name, t.ne, t.type, path);
    const fileOffset = dataStart + t.offset;
    if (t.offset % alignment !== 0)
      throw new ModelError(`${path}: tensor ${t.name} offset ${t.offset} is not aligned`);
    if (fileOffset + byteLength > fileSize) {
      throw new ModelError(
        `${path}: truncated GGUF file: tensor ${t.name} needs bytes ${fileOffset}..${fileOffset + byteLength}, the file has ${fileSize}`,
        { hint: "the download may be incomplete; fetch the file again" },
      );
    }
    return { name: t.name, ne: t.ne, type: t.type, fileOffset, byteLength };
  });
  return { path, version, alignment, metadata, tensors };
}

/** Bytes of a tensor; blocks of 32 for the legacy quants, 256 for the K quants. */
function tensorBytes(name: string, ne: number[], type: number, path: string): number {
  const n = ne.reduce((a, b) => a * b, 1);
  const per: Record<number, [number, number]> = {
    0: [1, 4],
    1: [1, 2],
    30: [1, 2],
    2: [32, 18],
    3: [32, 20],
    6: [32, 22],
    7: [32, 24],
    8: [32, 34],
    9: [32, 36],
    10: [256, 84],
    11: [256, 110],
    12: [256, 144],
    13: [256, 176],
    14: [256, 210],
    15: [256, 292],
  };
  const p = per[type];
  if (!p) throw new ModelError(`${path}: tensor ${name} has unknown ggml type ${type}`);
  if (ne[0] % p[0] !== 0)
    throw new ModelError(`${path}: tensor ${name} row length ${ne[0]} is not a multiple of ${p[0]}`);
  return (n / p[0]) * p[1];
}

/** Parse the header and tensor table of a GGUF file (tensor data is read later by readGgufTensor). */
export function readGgufHeader(path: string): GgufFile {
  const fd = openFile(path);
  try {
    const fileSize = fstatSync(fd).size;
    let want = Math.min(fileSize, 1 << 22);
    for (;;) {
      const buf = Buffer.alloc(want);
      readFully(fd, buf, 0, path);
      try {
        return parseHeader(new Cursor(buf, fileSize, path), path, fileSize);
      } catch (e) {
        if (!(e instanceof NeedMore)) throw e;
        want = Math.min(fileSize, want * 4);
      }
    }
  } finally {
    closeSync(fd);
  }
}

function openFile(path: string): number {
  try {
    return openSync(path, "r");
  } catch (e) {
    throw new ModelError(`${path}: cannot open model file (${(e as Error).message})`, { cause: e });
  }
}

function readFully(fd: number, buf: Uint8Array, position: number, path: string): void {
  let done = 0;
  while (done < buf.byteLength) {
    const n = readSync(fd, buf, done, buf.byteLength - done, position + done);
    if (n === 0) throw new ModelError(`${path}: unexpected end of file at byte ${position + done}`);
    done += n;
  }
}

/** Read every tensor (or those `want` accepts) as f32, keyed by GGUF name. */
export function readGgufTensors(
  file: GgufFile,
  want: (name: string) => boolean = () => true,
): Map<string, Float32Array> {
  const fd = openFile(file.path);
  const out = new Map<string, Float32Array>();
  try {
    for (const t of file.tensors) {
      if (!want(t.name)) continue;
      const bytes = new Uint8Array(t.byteLength);
      readFully(fd, bytes, t.fileOffset, file.path);
      out.set(t.name, dequantise(t, bytes, file.path));
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

function dequantise(t: GgufTensorInfo, bytes: Uint8Array, path: string): Float32Array {
  switch (t.type) {
    case 0:
      return viewAs(bytes, Float32Array);
    case 1:
      return f16ArrayToF32(viewAs(bytes, Uint16Array));
    case 30:
      return bf16ArrayToF32(viewAs(bytes, Uint16Array));
    case 8: {
      // Q8_0: blocks of 32 values = f16 scale d, then 32 int8 q; x = d * q
      const n = t.byteLength / 34;
      const out = new Float32Array(n * 32);
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let b = 0; b < n; b++) {
        const d = f16ToF32(dv.getUint16(b * 34, true));
        for (let i = 0; i < 32; i++) out[b * 32 + i] = d * dv.getInt8(b * 34 + 2 + i);
      }
      return out;
    }
    default:
      throw new ModelError(
        `${path}: tensor ${t.name} is ${ggmlTypeNames[t.type] ?? `type ${t.type}`}; only F32, F16, BF16 and Q8_0 are supported`,
        { hint: "re-quantise with llama-quantize to q8_0, or export f16/f32" },
      );
  }
}

/** Typed metadata accessors that name the key in their error. */
export function ggufNumber(meta: GgufMetadata, key: string, path: string, fallback?: number): number {
  const e = meta.get(key);
  if (e === undefined) {
    if (fallback !== undefined) return fallback;
    throw new ModelError(`${path}: GGUF metadata ${key} is missing`);
  }
  if (typeof e.value !== "number") throw new ModelError(`${path}: GGUF metadata ${key} is not a number`);
  return e.value;
}

export function ggufString(meta: GgufMetadata, key: string): string | undefined {
  const e = meta.get(key);
  return e && typeof e.value === "string" ? e.value : undefined;
}
