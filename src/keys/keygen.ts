/** @module keys/keygen — KeyGen policies: which arguments make up the input id, and how. */

import { createHash, hash } from "node:crypto";
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { extname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigurationError, describeError, ValidationError } from "../errors.js";
import { CanonicalToken, computeInputId, type ParameterNamer } from "./canonical.js";
import {
  type DeclaredParameter,
  findRenamedParameters,
  listParameterNames,
  type ParameterPath,
  parseParameters,
  resolveParameterName,
} from "./params.js";

/** How one parameter takes part in the input id. */
export type KeyGenStrategy = "ignore" | "file_content" | "path_stat" | "hash";

/**
 * Names an argument: a parameter name of the marked function (`"text"`, or a name bound by
 * destructuring), a 0-based position (`1`), or a dotted path into an object argument whose
 * first step is one of those (`"opts.verbose"`, `"1.verbose"`, `"items.0.path"`). Paths step
 * through plain objects, arrays and class instances; a step that is missing in a call
 * leaves that call's arguments as they are.
 */
export type KeyGenParam = string | number;

/** One rule of a policy: a parameter and what to do with it. */
export interface KeyGenRule {
  readonly param: KeyGenParam;
  readonly strategy: KeyGenStrategy;
}

/** A declarative keygen, built by `KeyGen.ignore`, `KeyGen.fileContent`, `KeyGen.pathStat` or `KeyGen.map`. */
export interface KeyGenPolicy {
  readonly kind: "keygen-policy";
  readonly rules: readonly KeyGenRule[];
}

/**
 * A custom keygen: receives the call's arguments and returns the input id itself, used as-is.
 * `A` is the marked function's parameter list, so the keygen is checked against it.
 */
export type KeyGenFunction<A extends readonly unknown[] = never[]> = (...args: A) => string;

/** What the `keygen` option of `mark` accepts: a `KeyGen` policy or a keygen function. */
export type KeyGenOption<A extends readonly unknown[] = never[]> = KeyGenPolicy | KeyGenFunction<A>;

const STRATEGIES: readonly KeyGenStrategy[] = ["ignore", "file_content", "path_stat", "hash"];

/** Builders for the `keygen` option. */
export const KeyGen = Object.freeze({
  /** Leave the argument out of the key: any value gives the same id. */
  IGNORE: "ignore",
  /** Key on the file's bytes and extension, not its path: a renamed copy is the same input. */
  FILE_CONTENT: "file_content",
  /** Key on the path, size and modification time: cheap, without reading the file. */
  PATH_STAT: "path_stat",
  /** Include the argument normally (the default for every parameter). */
  HASH: "hash",

  /**
   * Leave these arguments out of the key, e.g. a callback, a logger or a client.
   * @example spot.mark(fetchPage, { keygen: KeyGen.ignore("onProgress") })
   */
  ignore(...params: KeyGenParam[]): KeyGenPolicy {
    return createPolicy("KeyGen.ignore", params, "ignore");
  },

  /**
   * Treat these arguments as file paths and key on the file's contents (SHA-256 of its bytes)
   * and extension, read at call time.
   * @example spot.mark(transcribe, { keygen: KeyGen.fileContent("audioPath") })
   */
  fileContent(...params: KeyGenParam[]): KeyGenPolicy {
    return createPolicy("KeyGen.fileContent", params, "file_content");
  },

  /**
   * Treat these arguments as file paths and key on the absolute path, size and mtime: no
   * read, so it suits large files, at the cost of treating a touched file as changed.
   */
  pathStat(...params: KeyGenParam[]): KeyGenPolicy {
    return createPolicy("KeyGen.pathStat", params, "path_stat");
  },

  /**
   * One strategy per parameter.
   * @example KeyGen.map({ prompt: KeyGen.HASH, image: KeyGen.FILE_CONTENT, logger: KeyGen.IGNORE })
   */
  map(strategies: Readonly<Record<string, KeyGenStrategy>>): KeyGenPolicy {
    if (strategies === null || typeof strategies !== "object") {
      throw new ValidationError(
        `KeyGen.map() expects an object of parameter → strategy, got ${describeValue(strategies)}. Pass e.g. KeyGen.map({ prompt: KeyGen.HASH, logger: KeyGen.IGNORE }).`,
      );
    }
    const rules: KeyGenRule[] = [];
    for (const [param, strategy] of Object.entries(strategies)) {
      if (!STRATEGIES.includes(strategy)) {
        throw new ValidationError(
          `KeyGen.map(): "${param}" has the strategy ${describeValue(strategy)}, which is not one of KeyGen.IGNORE, KeyGen.FILE_CONTENT, KeyGen.PATH_STAT, KeyGen.HASH. Use one of those constants.`,
        );
      }
      rules.push({ param: /^\d+$/.test(param) ? Number(param) : param, strategy });
    }
    return Object.freeze({ kind: "keygen-policy", rules: Object.freeze(rules) });
  },
} as const);

function createPolicy(
  builder: string,
  params: readonly KeyGenParam[],
  strategy: KeyGenStrategy,
): KeyGenPolicy {
  if (params.length === 0) {
    throw new ValidationError(
      `${builder}() was given no parameters, so it would change nothing. Name at least one, e.g. ${builder}("path") or ${builder}(0).`,
    );
  }
  for (const param of params) checkParamShape(builder, param);
  const rules = params.map((param) => Object.freeze({ param, strategy }));
  return Object.freeze({ kind: "keygen-policy", rules: Object.freeze(rules) });
}

function checkParamShape(builder: string, param: unknown): void {
  if (typeof param === "number" && Number.isInteger(param) && param >= 0) return;
  if (typeof param === "string" && param !== "" && !param.split(".").includes("")) return;
  throw new ValidationError(
    `${builder}() got ${describeValue(param)} as a parameter. Pass a parameter name ("text"), a 0-based position (0) or a dotted path ("opts.verbose").`,
  );
}

/** True for objects made by the `KeyGen` builders. */
export function isKeyGenPolicy(value: unknown): value is KeyGenPolicy {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { kind?: unknown }).kind === "keygen-policy" &&
    Array.isArray((value as { rules?: unknown }).rules)
  );
}

// ---------------------------------------------------------------------------------------
// Mark time: resolve everything once.

/** A rule with its parameter resolved to a position and a path inside that argument. */
interface ResolvedRule {
  readonly strategy: Exclude<KeyGenStrategy, "hash">;
  readonly position: number;
  readonly path: ParameterPath;
  /** The rule names a rest parameter: it covers every argument from `position` on. */
  readonly spread: boolean;
  /** How the user wrote it, for messages: `KeyGen.fileContent("input")`. */
  readonly label: string;
}

/**
 * Builds the function that turns a call's arguments into its input id. Every parameter
 * name is resolved here, so a typo fails when the function is marked, not on some later call.
 *
 * @param fn the marked function; its source gives the parameter names
 * @param keygen the `keygen` option; undefined means the canonical form of all arguments
 * @param funcName the function's identity, for messages
 */
export function createInputIdFunction(
  fn: Function,
  keygen: KeyGenOption | undefined,
  funcName: string,
): (args: readonly unknown[]) => string {
  const nameParameter = createParameterNamer(fn);
  if (keygen === undefined) {
    return (args) => computeInputId(args, nameParameter);
  }
  if (typeof keygen === "function") return createCustomInputIdFunction(keygen, funcName);
  if (!isKeyGenPolicy(keygen)) {
    throw new ConfigurationError(
      `The keygen option of "${funcName}" is ${describeValue(keygen)}. Pass a KeyGen policy (KeyGen.ignore("logger"), KeyGen.map({...})) or a function (...args) => string.`,
    );
  }
  const parameters = parseParameters(fn);
  const rules: ResolvedRule[] = [];
  for (const rule of keygen.rules) {
    const resolved = resolveRule(rule, parameters, funcName);
    if (resolved !== undefined) rules.push(resolved);
  }
  if (rules.length === 0) return (args) => computeInputId(args, nameParameter);
  return (args) => {
    const copy = args.slice();
    for (const rule of rules) applyRule(copy, rule, funcName);
    return computeInputId(copy, nameParameter);
  };
}

function createCustomInputIdFunction(
  keygen: KeyGenFunction,
  funcName: string,
): (args: readonly unknown[]) => string {
  const callKeygen = keygen as (...args: unknown[]) => unknown;
  return (args) => {
    const inputId = callKeygen(...args);
    if (typeof inputId !== "string") {
      throw new ValidationError(
        `The keygen function of "${funcName}" returned ${describeValue(inputId)}, but an input id must be a string. Make it return a string, e.g. JSON.stringify([...]) or a hash.`,
      );
    }
    return inputId;
  };
}

/** Names positions after parameters, reading the source only if an error message needs it. */
function createParameterNamer(fn: Function): ParameterNamer {
  let parameters: DeclaredParameter[] | undefined;
  return (position) => {
    parameters ??= parseParameters(fn);
    for (const parameter of parameters) {
      if (parameter.name === undefined) continue;
      if (parameter.position === position) return parameter.name;
      if (parameter.rest && position > parameter.position) {
        return `${parameter.name}.${position - parameter.position}`;
      }
    }
    return undefined;
  };
}

function resolveRule(
  rule: KeyGenRule,
  parameters: readonly DeclaredParameter[],
  funcName: string,
): ResolvedRule | undefined {
  const builder = BUILDER_NAMES[rule.strategy];
  const label =
    rule.strategy === "hash"
      ? `KeyGen.map({ ${JSON.stringify(rule.param)}: KeyGen.HASH })`
      : `${builder}(${JSON.stringify(rule.param)})`;
  checkParamShape(builder, rule.param);
  const positional = (position: number) =>
    rule.strategy === "hash"
      ? `KeyGen.map({ ${position}: KeyGen.HASH })`
      : `${builder}(${position})`;
  if (rule.strategy === "hash") {
    resolveParam(rule.param, parameters, funcName, label, positional);
    return undefined;
  }
  const target = resolveParam(rule.param, parameters, funcName, label, positional);
  return { strategy: rule.strategy, ...target, label };
}

const BUILDER_NAMES: Readonly<Record<KeyGenStrategy, string>> = {
  ignore: "KeyGen.ignore",
  file_content: "KeyGen.fileContent",
  path_stat: "KeyGen.pathStat",
  hash: "KeyGen.map",
};

function resolveParam(
  param: KeyGenParam,
  parameters: readonly DeclaredParameter[],
  funcName: string,
  label: string,
  positional: (position: number) => string,
): { position: number; path: ParameterPath; spread: boolean } {
  if (typeof param === "number") return { position: param, path: [], spread: false };
  const [head = "", ...tail] = param.split(".");
  if (/^\d+$/.test(head)) return { position: Number(head), path: tail, spread: false };
  const found = resolveParameterName(parameters, head);
  if (found === undefined) {
    throw unknownParameterError(head, parameters, funcName, label, positional);
  }
  if (!found.spread || tail.length === 0) {
    return { position: found.position, path: [...found.path, ...tail], spread: found.spread };
  }
  // `"files.2.path"` on `...files`: the first step picks one of the remaining arguments.
  const [offset = "", ...inside] = tail;
  if (!/^\d+$/.test(offset)) {
    throw new ConfigurationError(
      `${label} on "${funcName}": "${head}" is a rest parameter, so the step after it must be a 0-based index among its arguments, not "${offset}". Write e.g. "${head}.0.${offset}".`,
    );
  }
  return { position: found.position + Number(offset), path: inside, spread: false };
}

function unknownParameterError(
  name: string,
  parameters: readonly DeclaredParameter[],
  funcName: string,
  label: string,
  positional: (position: number) => string,
): ConfigurationError {
  const known = listParameterNames(parameters);
  if (known.length === 0) {
    return new ConfigurationError(
      `${label} on "${funcName}": "${name}" is not a parameter name that can be read from the function's source (it declares none that can be read). Refer to arguments by 0-based position instead, e.g. ${positional(0)} or "0.${name}".`,
    );
  }
  const renamed = findRenamedParameters(parameters, name);
  if (renamed.length > 1) {
    return new ConfigurationError(
      `${label} on "${funcName}": the function has no parameter named "${name}", and several look like it renamed (${renamed.join(", ")}): bundlers such as esbuild (used by tsx) rename a parameter that shadows a module-level name, so the source no longer says which one you meant. Refer to the argument by its 0-based position, which no renaming changes: ${positional(0)} for the first argument.`,
    );
  }
  return new ConfigurationError(
    `${label} on "${funcName}": the function has no parameter named "${name}". Its parameters are: ${known.join(", ")}. Use one of these names, a 0-based position (${positional(0)} for the first argument; positions work even when a bundler renamed the parameters), or a dotted path into an object argument such as "${known[0]!.split(" ")[0]!.replace("...", "")}.someField".`,
  );
}

// ---------------------------------------------------------------------------------------
// Call time: transform a copy of the arguments, never the caller's objects.

/** Stands in for an ignored argument, so the remaining arguments keep their positions. */
const IGNORED = new CanonicalToken("ignored", null);

function applyRule(args: unknown[], rule: ResolvedRule, funcName: string): void {
  if (rule.spread) {
    if (rule.strategy === "ignore") {
      fillTo(args, rule.position);
      args.length = rule.position;
      args.push(IGNORED);
      return;
    }
    for (let position = rule.position; position < args.length; position++) {
      args[position] = replaceFile(args[position], rule, position, [], funcName);
    }
    return;
  }
  if (rule.path.length === 0) {
    if (rule.strategy === "ignore") {
      // Padding makes a call that omits the ignored argument equal to one that passes it.
      fillTo(args, rule.position + 1);
      args[rule.position] = IGNORED;
    } else if (rule.position < args.length) {
      args[rule.position] = replaceFile(args[rule.position], rule, rule.position, [], funcName);
    }
    return;
  }
  if (rule.position < args.length) {
    args[rule.position] = updateAtPath(args[rule.position], rule, 0, funcName);
  }
}

function fillTo(args: unknown[], length: number): void {
  while (args.length < length) args.push(undefined);
}

/** Returns `container` with the rule applied at `rule.path[step…]`, copying only what changes. */
function updateAtPath(
  container: unknown,
  rule: ResolvedRule,
  step: number,
  funcName: string,
): unknown {
  if (container === null || typeof container !== "object") return container;
  const key = rule.path[step]!;
  if (!Object.hasOwn(container, key)) return container;
  const copy = copyContainer(container);
  if (copy === undefined) return container;
  const value = copy[key];
  if (step < rule.path.length - 1) {
    copy[key] = updateAtPath(value, rule, step + 1, funcName);
  } else if (rule.strategy !== "ignore") {
    copy[key] = replaceFile(value, rule, rule.position, rule.path, funcName);
  } else if (Array.isArray(copy)) {
    copy[Number(key)] = IGNORED; // keeps later elements at their indices
  } else {
    // Deleting (not marking) makes "absent" and "present with any value" the same input.
    delete copy[key];
  }
  return copy;
}

/** A shallow copy the canonical form reads the same way: same prototype, same own fields. */
function copyContainer(container: object): Record<string | number, unknown> | undefined {
  if (Array.isArray(container)) return container.slice() as unknown as Record<number, unknown>;
  const prototype: unknown = Object.getPrototypeOf(container);
  if (prototype === Object.prototype || prototype === null) return { ...container };
  if (container instanceof Map || container instanceof Set || ArrayBuffer.isView(container)) {
    return undefined;
  }
  return Object.assign(Object.create(prototype as object) as Record<string, unknown>, container);
}

function replaceFile(
  value: unknown,
  rule: ResolvedRule,
  position: number,
  path: ParameterPath,
  funcName: string,
): unknown {
  // An optional file argument left out stays "absent", a distinct input of its own.
  if (value === undefined || value === null) return value;
  const where = formatArgumentPath(position, path);
  let filePath: string;
  if (typeof value === "string") filePath = value;
  else if (value instanceof URL && value.protocol === "file:") filePath = fileURLToPath(value);
  else {
    throw new ValidationError(
      `${rule.label} on "${funcName}": ${where} is ${describeValue(value)}, not a file path. Pass a path string or a file: URL there, or change the keygen.`,
    );
  }
  return rule.strategy === "file_content"
    ? digestFileContent(filePath, rule, where, funcName)
    : describeFileStat(filePath, rule, where, funcName);
}

/** Files up to this size are read in one go; larger ones are hashed in chunks of it. */
const CHUNK_SIZE = 1024 * 1024;

function digestFileContent(
  filePath: string,
  rule: ResolvedRule,
  where: string,
  funcName: string,
): CanonicalToken {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(filePath, "r");
    const size = fstatSync(descriptor).size;
    let digest: string;
    if (size <= CHUNK_SIZE) {
      digest = hash("sha256", readFileSync(descriptor), "hex");
    } else {
      const hasher = createHash("sha256");
      const chunk = Buffer.allocUnsafe(CHUNK_SIZE);
      let bytesRead = readSync(descriptor, chunk, 0, CHUNK_SIZE, null);
      while (bytesRead > 0) {
        hasher.update(chunk.subarray(0, bytesRead));
        bytesRead = readSync(descriptor, chunk, 0, CHUNK_SIZE, null);
      }
      digest = hasher.digest("hex");
    }
    // Lower-cased so "photo.JPG" renamed to "photo.jpg" stays the same input.
    return new CanonicalToken("file", [extname(filePath).toLowerCase(), digest]);
  } catch (error) {
    throw fileError(error, filePath, rule, where, funcName);
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}

function describeFileStat(
  filePath: string,
  rule: ResolvedRule,
  where: string,
  funcName: string,
): CanonicalToken {
  const absolutePath = resolve(filePath);
  try {
    const stats = statSync(absolutePath);
    return new CanonicalToken("pathstat", [absolutePath, stats.size, stats.mtimeMs]);
  } catch (error) {
    throw fileError(error, filePath, rule, where, funcName);
  }
}

function fileError(
  error: unknown,
  filePath: string,
  rule: ResolvedRule,
  where: string,
  funcName: string,
): ValidationError {
  const code = (error as { code?: unknown }).code;
  const problem =
    code === "ENOENT"
      ? "does not exist"
      : code === "EISDIR"
        ? "is a directory, not a file"
        : `cannot be read (${describeError(error)})`;
  return new ValidationError(
    `${rule.label} on "${funcName}": the file "${filePath}" given as ${where} ${problem}. Pass the path of an existing, readable file, or change the keygen.`,
    { cause: error },
  );
}

function formatArgumentPath(position: number, path: ParameterPath): string {
  let text = `args[${position}]`;
  for (const step of path) {
    text +=
      typeof step === "number" || /^\d+$/.test(step)
        ? `[${step}]`
        : /^[A-Za-z_$][\w$]*$/.test(step)
          ? `.${step}`
          : `[${JSON.stringify(step)}]`;
  }
  return text;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return `${typeof value} ${String(value)}`;
  }
  if (typeof value === "function") return "a function";
  if (typeof value === "symbol") return "a symbol";
  if (Array.isArray(value)) return "an array";
  const classFunction = (value as { constructor?: { name?: unknown } }).constructor;
  const name = typeof classFunction?.name === "string" ? classFunction.name : "";
  return name && name !== "Object" ? `a ${name} object` : "an object";
}
