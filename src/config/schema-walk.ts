// Walks a zod schema along a dotted path: finds the sub-schema for a field (to type --set values, suggest
// keys and quote descriptions). Not a validator; zod does that.
import { closest, distance } from "fastest-levenshtein";
import { type ZodType, z } from "zod";
import { PATH_META_KEY } from "./schema/common.js";

/** Peels optional / nullable / default / prefault / pipe wrappers off a schema. */
export function unwrap(schema: ZodType): ZodType {
  let s: ZodType = schema;
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault) {
      s = s.unwrap() as ZodType;
    } else if (s instanceof z.ZodPrefault) {
      s = s._zod.def.innerType as ZodType;
    } else if (s instanceof z.ZodPipe) {
      // z.preprocess(fn, schema) is a pipe from a transform into the real schema
      const inner = s._zod.def.in as ZodType;
      s = (inner instanceof z.ZodTransform ? s._zod.def.out : inner) as ZodType;
    } else if (s instanceof z.ZodLazy) {
      s = s._zod.def.getter() as ZodType;
    } else {
      return s;
    }
  }
}

/** True when the schema (or one of its wrappers) accepts null. */
export function acceptsNull(schema: ZodType): boolean {
  return schema.safeParse(null).success;
}

/** The description of the field: the first one found going inward through wrappers. */
export function describeField(schema: ZodType): string | undefined {
  let s: ZodType = schema;
  for (let i = 0; i < 8; i++) {
    if (s.description) return s.description;
    const inner = unwrapOnce(s);
    if (inner === s) return undefined;
    s = inner;
  }
  return undefined;
}

function unwrapOnce(s: ZodType): ZodType {
  if (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault)
    return s.unwrap() as ZodType;
  if (s instanceof z.ZodPrefault) return s._zod.def.innerType as ZodType;
  if (s instanceof z.ZodPipe) {
    const inner = s._zod.def.in as ZodType;
    return (inner instanceof z.ZodTransform ? s._zod.def.out : inner) as ZodType;
  }
  if (s instanceof z.ZodLazy) return s._zod.def.getter() as ZodType;
  return s;
}

/** True when the field was declared with pathField(). */
export function isPathField(schema: ZodType): boolean {
  let s: ZodType = schema;
  for (let i = 0; i < 8; i++) {
    const meta = s.meta() as Record<string, unknown> | undefined;
    if (meta?.[PATH_META_KEY] === true) return true;
    const inner = unwrapOnce(s);
    if (inner === s) return false;
    s = inner;
  }
  return false;
}

/** The keys an object schema allows, or undefined when it is not an object. */
export function objectKeys(schema: ZodType, value?: unknown): string[] | undefined {
  const s = pickMember(unwrap(schema), value);
  return s instanceof z.ZodObject ? Object.keys(s.shape) : undefined;
}

/** For a union, the member the value is meant for (by its discriminator, e.g. `type`); else the schema. */
function pickMember(s: ZodType, value: unknown): ZodType {
  if (!(s instanceof z.ZodUnion)) return s;
  const options = s._zod.def.options as ZodType[];
  const disc = (s._zod.def as { discriminator?: string }).discriminator;
  if (disc && typeof value === "object" && value !== null) {
    const tag = (value as Record<string, unknown>)[disc];
    for (const o of options) {
      const u = unwrap(o);
      if (u instanceof z.ZodObject && (u.shape as Record<string, ZodType>)[disc]?.safeParse(tag).success)
        return u;
    }
  }
  return s;
}

export type WalkResult =
  | { ok: true; schema: ZodType }
  | { ok: false; depth: number; segment: string; keys: string[] };

/** Follows `path` into `schema`; on failure says which segment did not exist and what was allowed there. */
export function schemaAt(schema: ZodType, path: ReadonlyArray<string | number>, value?: unknown): WalkResult {
  let s: ZodType = schema;
  let v: unknown = value;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const u = pickMember(unwrap(s), v);
    v = typeof v === "object" && v !== null ? (v as Record<string | number, unknown>)[seg] : undefined;
    if (u instanceof z.ZodObject) {
      const shape = u.shape as Record<string, ZodType>;
      const next = typeof seg === "string" ? shape[seg] : undefined;
      if (next === undefined) return { ok: false, depth: i, segment: String(seg), keys: Object.keys(shape) };
      s = next;
    } else if (u instanceof z.ZodArray) {
      if (typeof seg !== "number" && !/^\d+$/.test(seg))
        return { ok: false, depth: i, segment: String(seg), keys: ["<index>"] };
      s = u.element as ZodType;
    } else if (u instanceof z.ZodRecord) {
      s = u._zod.def.valueType as ZodType;
    } else {
      return { ok: false, depth: i, segment: String(seg), keys: [] };
    }
  }
  return { ok: true, schema: pickMember(unwrap(s), v) === unwrap(s) ? s : pickMember(unwrap(s), v) };
}

/** " (did you mean 'x'?)" when a known key is close to the typo, else "". */
/** Names people bring from other tools (nanoGPT, older prefloop drafts) -> the recipe's TRL names. */
const ALIASES: Record<string, string> = {
  lr: "learning_rate",
  scheduler: "lr_scheduler_type",
  epochs: "num_train_epochs",
  batch_size: "per_device_train_batch_size",
  grad_accum: "gradient_accumulation_steps",
  lora: "use_peft",
  sft_weight: "rpo_alpha",
};

export function didYouMean(key: string, known: string[]): string {
  if (known.length === 0) return "";
  const alias = ALIASES[key];
  if (alias && known.includes(alias)) return ` (did you mean '${alias}'?)`;
  // a known key that contains the typo (epochs -> num_train_epochs) is a better guess than edit distance
  const containing = key.length >= 4 ? known.filter((k) => k.includes(key)) : [];
  if (containing.length === 1) return ` (did you mean '${containing[0]}'?)`;
  const best = closest(key, known);
  const limit = Math.max(2, Math.floor(key.length / 3));
  return distance(key, best) <= limit ? ` (did you mean '${best}'?)` : "";
}
