// safetensors reader/writer: u64 LE header length N, N bytes of JSON header
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {str: str}}, then the raw
// little-endian data (offsets relative to its start). Reads F32/F16/BF16 (and F64) into f32; writes F32/F16/BF16.
// Not the HF folder logic (hf-folder.ts). Follows huggingface/safetensors' format description.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { ModelError } from "../../util/errors.js";
import type { Tensor } from "../checkpoint.js";
import { bytesOf, writeFileAtomic } from "./atomic.js";
import { bf16ArrayToF32, f16ArrayToF32, f32ArrayToBf16, f32ArrayToF16, viewAs } from "./numeric.js";

export type SafetensorsDtype = "F32" | "F16" | "BF16";

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const itemSize: Record<string, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

function readAt(fd: number, buf: Uint8Array, pos: number, path: string): void {
  let done = 0;
  while (done < buf.byteLength) {
    const n = readSync(fd, buf, done, buf.byteLength - done, pos + done);
    if (n === 0) throw new ModelError(`${path}: unexpected end of file at byte ${pos + done}`);
    done += n;
  }
}

/** Read the tensors of one safetensors file as f32 (only names `want` accepts). */
export function readSafetensors(
  path: string,
  want: (name: string) => boolean = () => true,
): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new ModelError(`${path}: cannot open (${(e as Error).message})`, { cause: e });
  }
  try {
    const size = fstatSync(fd).size;
    if (size < 8) throw new ModelError(`${path}: truncated safetensors file (${size} bytes)`);
    const lenBuf = Buffer.alloc(8);
    readAt(fd, lenBuf, 0, path);
    const n = lenBuf.readBigUInt64LE(0);
    if (n > BigInt(size - 8) || n > 100_000_000n) {
      throw new ModelError(`${path}: safetensors header length ${n} exceeds the file size ${size}`, {
        hint: "the file is truncated or not a safetensors file",
      });
    }
    const hbuf = Buffer.alloc(Number(n));
    readAt(fd, hbuf, 8, path);
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(hbuf.toString("utf8")) as Record<string, unknown>;
    } catch (e) {
      throw new ModelError(`${path}: safetensors header is not valid JSON`, { cause: e });
    }
    const dataStart = 8 + Number(n);
    const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
    const tensors = new Map<string, Tensor>();
    for (const [name, raw] of Object.entries(header)) {
      if (name === "__metadata__" || !want(name)) continue;
      const e = raw as HeaderEntry;
      const el = itemSize[e?.dtype];
      if (!el || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets)) {
        throw new ModelError(`${path}: tensor ${name} has a malformed header entry`);
      }
      const count = e.shape.reduce((a, b) => a * b, 1);
      const [b, end] = e.data_offsets;
      if (end - b !== count * el) {
        throw new ModelError(
          `${path}: tensor ${name} spans ${end - b} bytes, shape [${e.shape}] ${e.dtype} needs ${count * el}`,
        );
      }
      if (dataStart + end > size) {
        throw new ModelError(
          `${path}: truncated file: tensor ${name} ends at byte ${dataStart + end}, the file has ${size}`,
          {
            hint: "the download may be incomplete; fetch the file again",
          },
        );
      }
      const bytes = new Uint8Array(end - b);
      readAt(fd, bytes, dataStart + b, path);
      tensors.set(name, { shape: e.shape, data: toF32(bytes, e.dtype, name, path) });
    }
    return { tensors, metadata };
  } finally {
    closeSync(fd);
  }
}

function toF32(bytes: Uint8Array, dtype: string, name: string, path: string): Float32Array {
  switch (dtype) {
    case "F32":
      return viewAs(bytes, Float32Array);
    case "F16":
      return f16ArrayToF32(viewAs(bytes, Uint16Array));
    case "BF16":
      return bf16ArrayToF32(viewAs(bytes, Uint16Array));
    case "F64": {
      const copy = new Uint8Array(bytes);
      return Float32Array.from(new Float64Array(copy.buffer));
    }
    default:
      throw new ModelError(`${path}: tensor ${name} has dtype ${dtype}; expected F32, F16 or BF16`, {
        hint: "quantised checkpoints (GPTQ/AWQ/int8) are not supported; use the unquantised weights",
      });
  }
}

/** Write tensors (sorted by name, as HF does) in `dtype`, atomically. */
export function writeSafetensors(
  path: string,
  tensors: Map<string, Tensor>,
  dtype: SafetensorsDtype = "F32",
  metadata: Record<string, string> = { format: "pt" },
): void {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  const data: Uint8Array[] = [];
  let off = 0;
  for (const name of names) {
    const t = tensors.get(name) as Tensor;
    const bytes =
      dtype === "F32"
        ? bytesOf(t.data)
        : bytesOf(dtype === "F16" ? f32ArrayToF16(t.data) : f32ArrayToBf16(t.data));
    header[name] = { dtype, shape: t.shape, data_offsets: [off, off + bytes.byteLength] };
    data.push(bytes);
    off += bytes.byteLength;
  }
  header.__metadata__ = metadata;
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const hb = Buffer.from(json, "utf8");
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(hb.byteLength));
  writeFileAtomic(path, [len, hb, ...data]);
}
