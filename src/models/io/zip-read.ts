// A minimal ZIP reader for PyTorch checkpoints (torch.save's zip format): the end-of-central-directory
// record (ZIP64 too), central directory entries, local headers; stored entries and deflate via node:zlib.
// Not a general archiver (no encryption, no multi-disk). Follows PKWARE's APPNOTE.TXT.
import { inflateRawSync } from "node:zlib";
import { ModelError } from "../../util/errors.js";

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

export class ZipArchive {
  readonly entries = new Map<string, ZipEntry>();
  constructor(
    readonly buf: Buffer,
    readonly path: string,
  ) {
    const eocd = this.findEocd();
    let count = buf.readUInt16LE(eocd + 10);
    let cdOffset = buf.readUInt32LE(eocd + 16);
    if (cdOffset === 0xffffffff || count === 0xffff) {
      // ZIP64: locator just before the EOCD points at the ZIP64 EOCD record
      const loc = eocd - 20;
      if (loc < 0 || buf.readUInt32LE(loc) !== 0x07064b50) throw this.bad("ZIP64 locator missing");
      const z = Number(buf.readBigUInt64LE(loc + 8));
      if (buf.readUInt32LE(z) !== 0x06064b50) throw this.bad("ZIP64 end of central directory missing");
      count = Number(buf.readBigUInt64LE(z + 32));
      cdOffset = Number(buf.readBigUInt64LE(z + 48));
    }
    let p = cdOffset;
    for (let i = 0; i < count; i++) {
      if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50)
        throw this.bad(`central directory entry ${i}`);
      const method = buf.readUInt16LE(p + 10);
      let compressedSize = buf.readUInt32LE(p + 20);
      let size = buf.readUInt32LE(p + 24);
      const nameLen = buf.readUInt16LE(p + 28);
      const extraLen = buf.readUInt16LE(p + 30);
      const commentLen = buf.readUInt16LE(p + 32);
      let localOffset = buf.readUInt32LE(p + 42);
      const name = buf.toString("utf8", p + 46, p + 46 + nameLen);
      // ZIP64 extended information extra field (id 1): only the fields that overflowed, in this order
      let e = p + 46 + nameLen;
      const eEnd = e + extraLen;
      while (e + 4 <= eEnd) {
        const id = buf.readUInt16LE(e);
        const len = buf.readUInt16LE(e + 2);
        if (id === 1) {
          let q = e + 4;
          if (size === 0xffffffff) {
            size = Number(buf.readBigUInt64LE(q));
            q += 8;
          }
          if (compressedSize === 0xffffffff) {
            compressedSize = Number(buf.readBigUInt64LE(q));
            q += 8;
          }
          if (localOffset === 0xffffffff) localOffset = Number(buf.readBigUInt64LE(q));
        }
        e += 4 + len;
      }
      this.entries.set(name, { name, method, compressedSize, size, localOffset });
      p = eEnd + commentLen;
    }
  }

  private bad(what: string): ModelError {
    return new ModelError(`${this.path}: damaged zip archive (${what})`, {
      hint: "pytorch_model.bin should be a torch.save zip file (PyTorch >= 1.6); re-download it",
    });
  }

  private findEocd(): number {
    const b = this.buf;
    for (let p = b.length - 22; p >= Math.max(0, b.length - 22 - 65535); p--) {
      if (b.readUInt32LE(p) === 0x06054b50) return p;
    }
    throw new ModelError(`${this.path}: not a zip archive (no end of central directory)`, {
      hint: "legacy (pre-1.6) torch.save files are not supported; re-save with torch.save or use safetensors",
    });
  }

  /** The bytes of an entry (a view for stored entries). */
  read(name: string): Buffer {
    const e = this.entries.get(name);
    if (!e) throw new ModelError(`${this.path}: entry "${name}" is missing from the archive`);
    const p = e.localOffset;
    if (this.buf.readUInt32LE(p) !== 0x04034b50) throw this.bad(`local header of ${name}`);
    const start = p + 30 + this.buf.readUInt16LE(p + 26) + this.buf.readUInt16LE(p + 28);
    const raw = this.buf.subarray(start, start + e.compressedSize);
    if (e.method === 0) return raw;
    if (e.method === 8) return inflateRawSync(raw);
    throw this.bad(`entry ${name} uses compression method ${e.method}`);
  }
}
