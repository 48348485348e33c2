/**
 * @module recordings/preview — the readable form of a recorded value, for reviews and diffs.
 * It is derived from the value's bytes alone (built-in types only, registered classes shown as
 * their raw extension data), so anyone can recompute it: a preview that does not match its data
 * reveals a hand-edited recording.
 */

import { MsgpackSerializer } from "../serializer/msgpack.js";
import { isRescuedValue } from "../serializer/rescued.js";

/** Longest string shown in full; longer ones are cut (the data stays exact). */
const STRING_LIMIT = 4000;
/** Items of an array, Map or Set and keys of an object shown; more are counted. */
const ITEM_LIMIT = 200;
/** Nesting shown; deeper values are summarised. */
const DEPTH_LIMIT = 32;

/** Decodes without registrations: a registered class becomes its rescued raw data. */
const previewSerializer = new MsgpackSerializer();

/** JSON data that reads like the value. Deterministic: same bytes, same preview. */
export type Preview = null | boolean | number | string | Preview[] | { [key: string]: Preview };

/** The preview of encoded bytes. */
export function previewOf(bytes: Uint8Array): Preview {
  let value: unknown;
  try {
    value = previewSerializer.loadsRescued(bytes).value;
  } catch {
    return `<${bytes.byteLength} bytes, not MessagePack>`;
  }
  return previewValue(value, 0);
}

function cutString(text: string): string {
  return text.length <= STRING_LIMIT
    ? text
    : `${text.slice(0, STRING_LIMIT)}… (${text.length - STRING_LIMIT} more characters)`;
}

function previewItems(items: readonly unknown[], depth: number): Preview[] {
  const shown = items.slice(0, ITEM_LIMIT).map((item) => previewValue(item, depth + 1));
  if (items.length > ITEM_LIMIT) shown.push(`… ${items.length - ITEM_LIMIT} more`);
  return shown;
}

function previewValue(value: unknown, depth: number): Preview {
  if (value === null) return null;
  switch (typeof value) {
    case "string":
      return cutString(value);
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0) ? value : `<number ${String(value)}>`;
    case "bigint":
      return `<bigint ${value}>`;
    case "undefined":
      return "<undefined>";
    case "object":
      break;
    default:
      return `<${typeof value}>`;
  }
  if (depth >= DEPTH_LIMIT) return "<nested too deep to show>";
  if (Array.isArray(value)) return previewItems(value, depth);
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? "<Date invalid>" : `<Date ${value.toISOString()}>`;
  }
  if (value instanceof Map) {
    return {
      "<Map>": previewItems(
        [...value].map(([key, item]) => [key, item]),
        depth,
      ),
    };
  }
  if (value instanceof Set) return { "<Set>": previewItems([...value], depth) };
  if (value instanceof RegExp) return `<RegExp ${String(value)}>`;
  if (ArrayBuffer.isView(value)) {
    const kind = Buffer.isBuffer(value) ? "binary" : value.constructor.name;
    return `<${kind}, ${value.byteLength} bytes>`;
  }
  if (value instanceof ArrayBuffer) return `<ArrayBuffer, ${value.byteLength} bytes>`;
  if (isRescuedValue(value)) {
    const extension = value.__beautyspot_rescued__;
    return { [`<extension ${extension.code}>`]: previewValue(extension.data, depth + 1) };
  }
  const keys = Object.keys(value);
  // No prototype: a key named "__proto__" stays an ordinary key.
  const shown: { [key: string]: Preview } = Object.create(null);
  for (const key of keys.slice(0, ITEM_LIMIT)) {
    shown[key] = previewValue((value as Record<string, unknown>)[key], depth + 1);
  }
  if (keys.length > ITEM_LIMIT) shown["<more keys>"] = keys.length - ITEM_LIMIT;
  return shown;
}
