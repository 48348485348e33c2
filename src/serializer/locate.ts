/**
 * @module serializer/locate — the slow walk behind encode errors: finds the first value that
 * cannot be stored, says where it is (`result.items[3]`), what it is and how to fix it.
 * Runs only after the fast walk in `prepare.ts` has failed.
 */

import { describeError, SerializationError } from "../errors.js";
import {
  CHECKED_FOR_EXTRA_PROPERTIES,
  hasEnumerableProperty,
  hasLoneSurrogate,
  PASS_THROUGH_PROTOTYPES,
} from "./prepare.js";
import type { TypeRegistry } from "./registry.js";
import { adviseForKnownValue } from "./sdk-advice.js";

/** The first problem found: its path, what it is, and what to do. */
interface Finding {
  path: string;
  found: string;
  fix: string;
  cause?: unknown;
}

const PLAIN_DATA =
  "plain data (objects, arrays, strings, numbers, booleans, null, undefined, Date, Map, Set, BigInt, typed arrays, Buffer)";

/** Prototypes stored natively: nothing inside them can be a problem. */
const NATIVE_LEAVES: ReadonlySet<object> = new Set<object>([
  ...PASS_THROUGH_PROTOTYPES,
  Uint8Array.prototype,
]);

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `.name` for identifier keys, `["odd key"]` for the rest. */
function formatPropertyKey(key: string): string {
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

const LONE_SURROGATE_FIX =
  "MessagePack strings are UTF-8, which cannot hold half of a surrogate pair (it would come back as U+FFFD): cut text by code points (Array.from(text).slice(…)) or grapheme (Intl.Segmenter), or call text.toWellFormed() to replace it yourself.";

/** Where the first lone surrogate of `text` is, as `\ud83d at index 4`. */
function describeLoneSurrogate(text: string): string {
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        index++;
        continue;
      }
    } else if (unit < 0xdc00 || unit > 0xdfff) {
      continue;
    }
    return `\\u${unit.toString(16)} at index ${index}`;
  }
  return "";
}

/** The finding for a named property added to an array or a built-in whose format has no room for it. */
function describeExtraProperty(value: object, path: string, className: string): Finding {
  let key = "";
  for (const name in value) {
    if (className !== "Array" || !/^(0|[1-9]\d*)$/.test(name)) {
      key = name;
      break;
    }
  }
  const article = /^[AEIOU]/.test(className) ? "an" : "a";
  const isArray = className === "Array";
  const holder = isArray ? "{ items: [...array], " : "{ value, ";
  return {
    path: path + formatPropertyKey(key),
    found: `a property of ${article} ${className} besides its ${isArray ? "elements" : "contents"}`,
    fix: `MessagePack stores only the ${isArray ? "elements" : "contents"}, so it would be dropped: return an object holding both (${holder}${formatPropertyKey(key).replace(/^\./, "")}: … }), or a copy without it${isArray ? " (Array.from(array))" : ""}.`,
  };
}

/** How a Map key reads inside `.get(…)`. */
function formatMapKey(key: unknown): string {
  if (typeof key === "string") return JSON.stringify(key);
  if (typeof key === "bigint") return `${key}n`;
  if (typeof key === "object" && key !== null) return `<${key.constructor?.name ?? "object"}>`;
  return String(key);
}

/**
 * Builds the SerializationError for a value the fast walk refused. `failure` is what the fast
 * walk threw; it becomes the cause when the slow walk cannot pin the problem down.
 */
export function explainUnencodable(
  value: unknown,
  registry: TypeRegistry,
  rootName: string,
  failure: unknown,
): SerializationError {
  let finding: Finding | undefined;
  try {
    finding = new ProblemFinder(registry).search(value, rootName);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
  }
  const subject = rootName === "result" ? "the result" : rootName;
  if (finding === undefined) {
    if (failure instanceof RangeError) {
      return new SerializationError(
        `Cannot serialize ${subject}: it is nested too deeply (or is circular through an encode function). Return flatter ${PLAIN_DATA}.`,
        { cause: failure },
      );
    }
    return new SerializationError(
      `Cannot serialize ${subject}: ${typeof failure === "symbol" ? "it contains a value that cannot be stored" : describeError(failure)}. Return ${PLAIN_DATA}.`,
      typeof failure === "symbol" ? {} : { cause: failure },
    );
  }
  return new SerializationError(
    `Cannot serialize ${subject}: ${finding.path} is ${finding.found}. ${finding.fix}`,
    finding.cause === undefined ? {} : { cause: finding.cause },
  );
}

class ProblemFinder {
  private readonly ancestors: object[] = [];
  private readonly ancestorPaths: string[] = [];

  constructor(private readonly registry: TypeRegistry) {}

  search(value: unknown, path: string): Finding | undefined {
    if (typeof value === "function") {
      const name = value.name ? ` (${value.name})` : "";
      return {
        path,
        found: `a function${name}`,
        fix: `Functions cannot be stored: call it and return what it gives, or return ${PLAIN_DATA}.`,
      };
    }
    if (typeof value === "symbol") {
      return {
        path,
        found: `a symbol (${String(value)})`,
        fix: `Symbols cannot be stored: return ${PLAIN_DATA}.`,
      };
    }
    if (typeof value === "string" && hasLoneSurrogate(value)) {
      return {
        path,
        found: `a string with a lone surrogate ${describeLoneSurrogate(value)}`,
        fix: LONE_SURROGATE_FIX,
      };
    }
    if (typeof value !== "object" || value === null) return undefined;
    const seenAt = this.ancestors.indexOf(value);
    if (seenAt !== -1) {
      return {
        path,
        found: `a circular reference back to ${this.ancestorPaths[seenAt]}`,
        fix: "Stored values must be trees: return a copy without the cycle.",
      };
    }
    this.ancestors.push(value);
    this.ancestorPaths.push(path);
    try {
      return this.searchObject(value, path);
    } finally {
      this.ancestors.pop();
      this.ancestorPaths.pop();
    }
  }

  private searchObject(value: object, path: string): Finding | undefined {
    const prototype = Object.getPrototypeOf(value) as object | null;
    if (prototype === Object.prototype || prototype === null) {
      for (const key in value) {
        if (key === "__proto__") {
          return {
            path: `${path}["__proto__"]`,
            found: 'an own property named "__proto__"',
            fix: "MessagePack readers cannot restore it safely: rename the key.",
          };
        }
        if (hasLoneSurrogate(key)) {
          return {
            path,
            found: `an object with a key that has a lone surrogate: ${JSON.stringify(key)}`,
            fix: LONE_SURROGATE_FIX,
          };
        }
        const finding = this.search(
          (value as Record<string, unknown>)[key],
          path + formatPropertyKey(key),
        );
        if (finding !== undefined) return finding;
      }
      return undefined;
    }
    if (prototype === Array.prototype) {
      const array = value as unknown[];
      for (let index = 0; index < array.length; index++) {
        if (!(index in array)) {
          return {
            path: `${path}[${index}]`,
            found: "a hole of a sparse array (an index never assigned)",
            fix: "It would come back as undefined: assign every index (an assigned undefined is stored as such), or return a Map or object of index to value.",
          };
        }
        const finding = this.search(array[index], `${path}[${index}]`);
        if (finding !== undefined) return finding;
      }
      if (Object.keys(array).length !== array.length) {
        return describeExtraProperty(array, path, "Array");
      }
      return undefined;
    }
    const builtInName = CHECKED_FOR_EXTRA_PROPERTIES.get(prototype);
    if (builtInName !== undefined && hasEnumerableProperty(value)) {
      return describeExtraProperty(value, path, builtInName);
    }
    if (prototype === Map.prototype) {
      let index = 0;
      for (const [key, item] of value as Map<unknown, unknown>) {
        const finding =
          this.search(key, `${path}.keys()[${index}]`) ??
          this.search(item, `${path}.get(${formatMapKey(key)})`);
        if (finding !== undefined) return finding;
        index++;
      }
      return undefined;
    }
    if (prototype === Set.prototype) {
      let index = 0;
      for (const item of value as Set<unknown>) {
        const finding = this.search(item, `${path}.values()[${index}]`);
        if (finding !== undefined) return finding;
        index++;
      }
      return undefined;
    }
    if (NATIVE_LEAVES.has(prototype)) return undefined;
    const registered = this.registry.findByPrototype(prototype);
    if (registered === undefined) return { path, ...this.describeUnregistered(value) };
    let data: unknown;
    try {
      data = registered.encode(value);
    } catch (error) {
      return {
        path,
        found: `an instance of class ${registered.typeName} whose encode function threw: ${describeError(error)}`,
        fix: `Fix the encode function registered for ${registered.typeName} so it returns ${PLAIN_DATA}.`,
        cause: error,
      };
    }
    return this.search(data, `encode(${path})`);
  }

  /** What an unregistered object is, and the fix that fits it. */
  private describeUnregistered(value: object): Omit<Finding, "path"> {
    if (value instanceof Promise) {
      return {
        found: "a Promise",
        fix: "Await it inside the function and return the resolved value.",
      };
    }
    if (value instanceof Error) {
      return {
        found: `an Error (${value.name}: ${value.message})`,
        fix: "Errors are not stored as results: throw it (a thrown error is never cached), or return plain data such as { name, message }.",
      };
    }
    if (value instanceof RegExp) {
      return {
        found: `a RegExp (${String(value)})`,
        fix: "Store its source and flags as strings instead.",
      };
    }
    if (value instanceof WeakMap || value instanceof WeakSet || value instanceof WeakRef) {
      return {
        found: `a ${value.constructor.name}, which holds no storable data`,
        fix: "Copy what you need into a Map, Set or plain object.",
      };
    }
    const ownerClass = (value as { constructor?: unknown }).constructor;
    const known = adviseForKnownValue(
      value,
      typeof ownerClass === "function" ? ownerClass.name : "",
    );
    if (known !== undefined) return known;
    if (ownerClass === Object) {
      return {
        found: "an object whose prototype is another object (as made by Object.create(template))",
        fix: `Its inherited properties would be lost: return a plain copy ({ ...template, ...value }), or ${PLAIN_DATA}.`,
      };
    }
    const name = typeof ownerClass === "function" ? ownerClass.name : "";
    const freeCode = this.registry.listFreeCodes()[0] ?? 1;
    if (name === "") {
      return {
        found: "an instance of an anonymous class (or an object with a custom prototype)",
        fix: `Give the class a name and register it with spot.register(TheClass, { code: ${freeCode}, encode, decode }), or return ${PLAIN_DATA}.`,
      };
    }
    const builtIn = describeBuiltInAncestor(value);
    return {
      found: `an instance of class ${name}${builtIn}, which has no registered encoding`,
      fix: `Register it: spot.register(${name}, { code: ${freeCode}, encode: (value) => plainData, decode: (data) => new ${name}(…) }) (${this.registry.describeFreeCodes()}), or return ${PLAIN_DATA}.`,
    };
  }
}

/** " (a subclass of Map)" for subclasses of natively stored classes, else "". */
function describeBuiltInAncestor(value: object): string {
  for (const Base of [Map, Set, Date, Array, Uint8Array] as const) {
    if (value instanceof Base) return ` (a subclass of ${Base.name})`;
  }
  return "";
}
