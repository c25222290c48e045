// Reads a PyTorch state dict (pytorch_model.bin, torch.save zip format) without Python and without
// executing anything: a pickle VM that knows only the opcodes state dicts use, resolves an allow-list of
// globals to data (OrderedDict, _rebuild_tensor_v2, _rebuild_parameter, *Storage dtypes) and refuses
// every other global. Persistent ids ('storage', type, key, location, numel) point at archive/data/<key>.
// Follows Python's pickletools opcode table and torch/serialization.py + torch/_utils.py.
import { readFileSync } from "node:fs";
import { ModelError } from "../../util/errors.js";
import type { Tensor } from "../checkpoint.js";
import { bf16ArrayToF32, f16ArrayToF32 } from "./numeric.js";
import { ZipArchive } from "./zip-read.js";

type StorageDtype = "f32" | "f16" | "bf16" | "f64" | "i64" | "i32" | "u8" | "bool";
const storageTypes: Record<string, StorageDtype> = {
  FloatStorage: "f32",
  HalfStorage: "f16",
  BFloat16Storage: "bf16",
  DoubleStorage: "f64",
  LongStorage: "i64",
  IntStorage: "i32",
  ByteStorage: "u8",
  BoolStorage: "bool",
};

class Global {
  constructor(readonly name: string) {}
}
class StorageRef {
  constructor(
    readonly dtype: StorageDtype,
    readonly key: string,
  ) {}
}
class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}
class Mark {}
type Value = unknown;

const allowed = new Set([
  "collections.OrderedDict",
  "torch._utils._rebuild_tensor_v2",
  "torch._utils._rebuild_parameter",
  ...Object.keys(storageTypes).map((s) => `torch.${s}`),
]);

function call(fn: Value, args: Value, where: string): Value {
  if (!(fn instanceof Global) || !Array.isArray(args))
    throw new ModelError(`${where}: REDUCE on a non-callable`);
  switch (fn.name) {
    case "collections.OrderedDict":
      return new Map<string, Value>();
    case "torch._utils._rebuild_tensor_v2": {
      const [storage, offset, shape, stride] = args as [Value, number, number[], number[]];
      if (!(storage instanceof StorageRef)) throw new ModelError(`${where}: tensor without a storage`);
      return new TensorRef(storage, Number(offset), shape.map(Number), stride.map(Number));
    }
    case "torch._utils._rebuild_parameter":
      return args[0];
    default:
      throw new ModelError(`${where}: cannot call ${fn.name}`);
  }
}

/** Runs the pickle program `data` and returns its result; `where` names the file in errors. */
export function unpickle(data: Uint8Array, where: string): Value {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const stack: Value[] = [];
  const memo = new Map<number, Value>();
  let p = 0;
  const popMark = (): Value[] => {
    let i = stack.length - 1;
    while (i >= 0 && !(stack[i] instanceof Mark)) i--;
    if (i < 0) throw new ModelError(`${where}: pickle MARK missing`);
    const items = stack.splice(i + 1);
    stack.pop();
    return items;
  };
  const line = (): string => {
    const e = buf.indexOf(10, p);
    const s = buf.toString("utf8", p, e);
    p = e + 1;
    return s;
  };
  const setItems = (target: Value, kv: Value[]): void => {
    if (!(target instanceof Map)) throw new ModelError(`${where}: SETITEM on a non-dict`);
    for (let i = 0; i + 1 < kv.length; i += 2) target.set(kv[i], kv[i + 1]);
  };
  for (;;) {
    if (p >= buf.length) throw new ModelError(`${where}: pickle ends without STOP`);
    const op = buf[p++];
    switch (op) {
      case 0x80:
        p++;
        break; // PROTO
      case 0x95:
        p += 8;
        break; // FRAME
      case 0x2e:
        return stack.pop(); // STOP
      case 0x28:
        stack.push(new Mark());
        break; // MARK
      case 0x7d:
        stack.push(new Map());
        break; // EMPTY_DICT
      case 0x5d:
        stack.push([]);
        break; // EMPTY_LIST
      case 0x29:
        stack.push([]);
        break; // EMPTY_TUPLE
      case 0x4e:
        stack.push(null);
        break; // NONE
      case 0x88:
        stack.push(true);
        break; // NEWTRUE
      case 0x89:
        stack.push(false);
        break; // NEWFALSE
      case 0x4b:
        stack.push(buf[p]);
        p += 1;
        break; // BININT1
      case 0x4d:
        stack.push(buf.readUInt16LE(p));
        p += 2;
        break; // BININT2
      case 0x4a:
        stack.push(buf.readInt32LE(p));
        p += 4;
        break; // BININT
      case 0x8a: {
        // LONG1
        const n = buf[p++];
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[p + i]);
        if (n > 0 && buf[p + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(Number(v));
        p += n;
        break;
      }
      case 0x47:
        stack.push(buf.readDoubleBE(p));
        p += 8;
        break; // BINFLOAT
      case 0x58: {
        const n = buf.readUInt32LE(p);
        stack.push(buf.toString("utf8", p + 4, p + 4 + n));
        p += 4 + n;
        break;
      } // BINUNICODE
      case 0x8c: {
        const n = buf[p];
        stack.push(buf.toString("utf8", p + 1, p + 1 + n));
        p += 1 + n;
        break;
      } // SHORT_BINUNICODE
      case 0x54:
      case 0x42: {
        const n = buf.readUInt32LE(p);
        stack.push(buf.toString("latin1", p + 4, p + 4 + n));
        p += 4 + n;
        break;
      } // BINSTRING, BINBYTES
      case 0x55:
      case 0x43: {
        const n = buf[p];
        stack.push(buf.toString("latin1", p + 1, p + 1 + n));
        p += 1 + n;
        break;
      } // SHORT_BINSTRING, SHORT_BINBYTES
      case 0x71:
        memo.set(buf[p], stack[stack.length - 1]);
        p += 1;
        break; // BINPUT
      case 0x72:
        memo.set(buf.readUInt32LE(p), stack[stack.length - 1]);
        p += 4;
        break; // LONG_BINPUT
      case 0x94:
        memo.set(memo.size, stack[stack.length - 1]);
        break; // MEMOIZE
      case 0x68:
        stack.push(memo.get(buf[p]));
        p += 1;
        break; // BINGET
      case 0x6a:
        stack.push(memo.get(buf.readUInt32LE(p)));
        p += 4;
        break; // LONG_BINGET
      case 0x74:
        stack.push(popMark());
        break; // TUPLE
      case 0x85:
        stack.push([stack.pop()]);
        break; // TUPLE1
      case 0x86: {
        const b = stack.pop();
        const a = stack.pop();
        stack.push([a, b]);
        break;
      } // TUPLE2
      case 0x87: {
        const c = stack.pop();
        const b = stack.pop();
        const a = stack.pop();
        stack.push([a, b, c]);
        break;
      } // TUPLE3
      case 0x61: {
        const v = stack.pop();
        (stack[stack.length - 1] as Value[]).push(v);
        break;
      } // APPEND
      case 0x65: {
        const items = popMark();
        (stack[stack.length - 1] as Value[]).push(...items);
        break;
      } // APPENDS
      case 0x73: {
        const v = stack.pop();
        const k = stack.pop();
        setItems(stack[stack.length - 1], [k, v]);
        break;
      } // SETITEM
      case 0x75: {
        const kv = popMark();
        setItems(stack[stack.length - 1], kv);
        break;
      } // SETITEMS
      case 0x63: {
        const mod = line();
        const name = line();
        stack.push(global(`${mod}.${name}`, where));
        break;
      } // GLOBAL
      case 0x93: {
        const name = stack.pop();
        const mod = stack.pop();
        stack.push(global(`${mod}.${name}`, where));
        break;
      } // STACK_GLOBAL
      case 0x52: {
        const args = stack.pop();
        const fn = stack.pop();
        stack.push(call(fn, args, where));
        break;
      } // REDUCE
      case 0x62:
        stack.pop();
        break; // BUILD: object state (an OrderedDict's _metadata) is not needed
      case 0x51: {
        // BINPERSID
        const pid = stack.pop();
        if (!Array.isArray(pid) || pid[0] !== "storage" || !(pid[1] instanceof Global)) {
          throw new ModelError(`${where}: unexpected persistent id ${JSON.stringify(pid)}`);
        }
        const dtype = storageTypes[pid[1].name.replace(/^torch\./, "")];
        stack.push(new StorageRef(dtype, String(pid[2])));
        break;
      }
      default:
        throw new ModelError(`${where}: unsupported pickle opcode 0x${op.toString(16)} at byte ${p - 1}`, {
          hint: "only plain state dicts saved with torch.save are read; convert other files to safetensors",
        });
    }
  }
}

function global(name: string, where: string): Global {
  if (!allowed.has(name)) {
    throw new ModelError(
      `${where}: refuses to load global ${name} (only plain tensor state dicts are read)`,
      {
        hint: "convert the checkpoint to safetensors, or save model.state_dict() instead of the model",
      },
    );
  }
  return new Global(name);
}

function toF32(raw: Buffer, dtype: StorageDtype, where: string): Float32Array {
  const copy = new Uint8Array(raw); // aligned copy
  switch (dtype) {
    case "f32":
      return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
    case "f16":
      return f16ArrayToF32(new Uint16Array(copy.buffer, 0, copy.byteLength / 2));
    case "bf16":
      return bf16ArrayToF32(new Uint16Array(copy.buffer, 0, copy.byteLength / 2));
    case "f64":
      return Float32Array.from(new Float64Array(copy.buffer, 0, copy.byteLength / 8));
    default:
      throw new ModelError(`${where}: storage dtype ${dtype} is not a float tensor`);
  }
}

/** Reads every floating-point tensor of a torch.save'd state dict as f32 (integer buffers are skipped). */
export function readTorchStateDict(
  path: string,
  want: (name: string) => boolean = () => true,
): Map<string, Tensor> {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new ModelError(`${path}: cannot open (${(e as Error).message})`, { cause: e });
  }
  const zip = new ZipArchive(buf, path);
  const pkl = [...zip.entries.keys()].find((n) => n.endsWith("/data.pkl") || n === "data.pkl");
  if (!pkl) throw new ModelError(`${path}: no data.pkl in the archive; not a torch.save file`);
  const root = pkl.slice(0, pkl.length - "data.pkl".length);
  const dict = unpickle(zip.read(pkl), path);
  if (!(dict instanceof Map)) throw new ModelError(`${path}: the pickle is not a state dict`);
  const storages = new Map<string, Float32Array>();
  const out = new Map<string, Tensor>();
  for (const [name, v] of dict) {
    if (!(v instanceof TensorRef) || !want(String(name))) continue;
    if (!["f32", "f16", "bf16", "f64"].includes(v.storage.dtype)) continue;
    let all = storages.get(v.storage.key);
    if (!all) {
      all = toF32(zip.read(`${root}data/${v.storage.key}`), v.storage.dtype, `${path}: ${name}`);
      storages.set(v.storage.key, all);
    }
    const n = v.shape.reduce((a, b) => a * b, 1);
    let contiguous = true;
    for (let d = v.shape.length - 1, st = 1; d >= 0; d--) {
      if (v.shape[d] !== 1 && v.stride[d] !== st) contiguous = false;
      st *= v.shape[d];
    }
    if (contiguous) {
      if (v.offset + n > all.length) throw new ModelError(`${path}: tensor ${name} reads past its storage`);
      out.set(String(name), { shape: v.shape, data: all.slice(v.offset, v.offset + n) });
      continue;
    }
    const data = new Float32Array(n);
    // general strided gather (state dict tensors are contiguous views; transposed ones still load right)
    const idx = new Array<number>(v.shape.length).fill(0);
    for (let i = 0; i < n; i++) {
      let off = v.offset;
      for (let d = 0; d < idx.length; d++) off += idx[d] * v.stride[d];
      if (off >= all.length) throw new ModelError(`${path}: tensor ${name} reads past its storage`);
      data[i] = all[off];
      for (let d = idx.length - 1; d >= 0; d--) {
        if (++idx[d] < v.shape[d]) break;
        idx[d] = 0;
      }
    }
    out.set(String(name), { shape: v.shape, data });
  }
  return out;
}
