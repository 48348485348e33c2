/** @module keys/params — reads a function's declared parameter names from its source text. */

/** Steps from an argument to a value bound inside it: property keys and array indices. */
export type ParameterPath = readonly (string | number)[];

/** One name a parameter binds, and where its value sits inside the argument. */
export interface ParameterBinding {
  /** The local name, e.g. `verbose` for `{ opts: { verbose } }`. */
  readonly name: string;
  /** Where the value sits inside the argument, e.g. `["opts", "verbose"]`; empty for the argument itself. */
  readonly path: ParameterPath;
  /**
   * True for a rest element inside a pattern (`{ a, ...others }`, `[a, ...more]`): it binds
   * "everything else" of the container at `path`, not one value.
   */
  readonly restElement: boolean;
}

/** One declared parameter, at one argument position. */
export interface DeclaredParameter {
  /** 0-based position of the argument it receives (for a rest parameter, the first one). */
  readonly position: number;
  /** The parameter's own name when it is a plain identifier (`text`, `...rest`), else undefined. */
  readonly name: string | undefined;
  /** True for a rest parameter (`...args`): it receives every argument from `position` on. */
  readonly rest: boolean;
  /** How the parameter is written. */
  readonly pattern: "identifier" | "object" | "array";
  /** Every name it binds; for a plain identifier that is the one name with an empty path. */
  readonly bindings: readonly ParameterBinding[];
}

/** Where a parameter name points: an argument position and a path inside that argument. */
export interface ResolvedParameter {
  readonly position: number;
  readonly path: ParameterPath;
  /** True when the name is a rest parameter: it covers every argument from `position` on. */
  readonly spread: boolean;
}

/**
 * Reads the declared parameters of a function from `fn.toString()`: plain, defaulted
 * (defaults may hold commas, strings, templates, regular expressions and arrow functions),
 * rest, and destructured object and array parameters; for function declarations and
 * expressions, async and generator functions, arrow functions with or without parentheses,
 * object and class methods, and compiled output.
 *
 * Returns an empty list when the source cannot be read (native or bound functions, classes).
 */
export function parseParameters(fn: Function): DeclaredParameter[] {
  let source: string;
  try {
    source = Function.prototype.toString.call(fn);
  } catch {
    return [];
  }
  try {
    const list = locateParameterList(source);
    if (list === undefined) return [];
    return splitTopLevel(list, ",").map((part, position) => describeParameter(part, position));
  } catch (error) {
    if (error instanceof UnreadableSourceSignal) return [];
    throw error;
  }
}

/**
 * Resolves a parameter name to where its value sits: a top-level parameter name first, else
 * a name bound by destructuring. Undefined when no parameter binds that name, and for rest
 * elements inside patterns, which stand for "the other keys" rather than one value.
 */
export function resolveParameterName(
  parameters: readonly DeclaredParameter[],
  name: string,
): ResolvedParameter | undefined {
  const found = resolveExactName(parameters, name);
  if (found !== undefined) return found;
  const renamed = findRenamedParameters(parameters, name);
  return renamed.length === 1 ? resolveExactName(parameters, renamed[0]!) : undefined;
}

/**
 * The parameter names that look like `name` renamed by a bundler: esbuild (and so tsx) renames
 * a parameter that shadows a module-level name by appending a number (`client` → `client2`),
 * so the source the function prints no longer has the name the user wrote. Resolving is safe
 * only when exactly one name fits.
 */
export function findRenamedParameters(
  parameters: readonly DeclaredParameter[],
  name: string,
): string[] {
  const names = new Set<string>();
  for (const parameter of parameters) {
    if (parameter.name !== undefined) names.add(parameter.name);
    for (const binding of parameter.bindings) {
      if (!binding.restElement) names.add(binding.name);
    }
  }
  return [...names].filter(
    (candidate) => candidate.startsWith(name) && /^\d+$/.test(candidate.slice(name.length)),
  );
}

function resolveExactName(
  parameters: readonly DeclaredParameter[],
  name: string,
): ResolvedParameter | undefined {
  for (const parameter of parameters) {
    if (parameter.name === name) {
      return { position: parameter.position, path: [], spread: parameter.rest };
    }
  }
  for (const parameter of parameters) {
    for (const binding of parameter.bindings) {
      if (binding.name !== name || binding.restElement) continue;
      if (!parameter.rest)
        return { position: parameter.position, path: binding.path, spread: false };
      // `...[first, second]`: the first step is an offset among the remaining arguments.
      const [offset, ...inside] = binding.path;
      if (typeof offset !== "number") return undefined;
      return { position: parameter.position + offset, path: inside, spread: false };
    }
  }
  return undefined;
}

/** Every name a caller may use, for error messages: `text`, `opts`, `verbose (opts.verbose)`. */
export function listParameterNames(parameters: readonly DeclaredParameter[]): string[] {
  const names: string[] = [];
  for (const parameter of parameters) {
    if (parameter.name !== undefined) {
      names.push(parameter.rest ? `...${parameter.name}` : parameter.name);
      continue;
    }
    for (const binding of parameter.bindings) {
      if (binding.restElement) continue;
      names.push(`${binding.name} (destructured from argument ${parameter.position})`);
    }
  }
  return names;
}

// ---------------------------------------------------------------------------------------
// Scanning. Just enough of a JavaScript lexer to find brackets, commas and `=` that are not
// inside strings, templates, comments or regular expressions.

/** Raised when the source is not shaped like anything this reader understands. */
class UnreadableSourceSignal extends Error {}

const IDENTIFIER_PART = /^(?:[\p{ID_Continue}$#]|\u200c|\u200d)$/u;
const OPENERS: Readonly<Record<string, string>> = { "(": ")", "[": "]", "{": "}" };
/** After these characters a `/` starts a regular expression rather than a division. */
const BEFORE_REGEX = new Set([..."(,=:[!&|?{};+-*%<>~^"]);

function skipSpaceAndComments(source: string, start: number): number {
  let index = start;
  while (index < source.length) {
    const char = source[index]!;
    if (/\s/.test(char)) {
      index++;
    } else if (source.startsWith("//", index)) {
      const end = source.indexOf("\n", index);
      index = end === -1 ? source.length : end + 1;
    } else if (source.startsWith("/*", index)) {
      const end = source.indexOf("*/", index + 2);
      if (end === -1) throw new UnreadableSourceSignal("unterminated comment");
      index = end + 2;
    } else {
      break;
    }
  }
  return index;
}

function skipQuoted(source: string, start: number): number {
  const quote = source[start];
  let index = start + 1;
  while (index < source.length) {
    const char = source[index];
    if (char === "\\") index += 2;
    else if (char === quote) return index + 1;
    else index++;
  }
  throw new UnreadableSourceSignal("unterminated string");
}

function skipTemplate(source: string, start: number): number {
  let index = start + 1;
  while (index < source.length) {
    const char = source[index];
    if (char === "\\") index += 2;
    else if (char === "`") return index + 1;
    else if (char === "$" && source[index + 1] === "{") index = skipBalanced(source, index + 1);
    else index++;
  }
  throw new UnreadableSourceSignal("unterminated template");
}

function skipRegularExpression(source: string, start: number): number {
  let index = start + 1;
  let inClass = false;
  while (index < source.length) {
    const char = source[index];
    if (char === "\\") index += 2;
    else if (char === "[" || char === "]") {
      inClass = char === "[";
      index++;
    } else if (char === "/" && !inClass) {
      index++;
      while (index < source.length && /[a-z]/i.test(source[index]!)) index++;
      return index;
    } else index++;
  }
  throw new UnreadableSourceSignal("unterminated regular expression");
}

/** The last character before `index` that is not whitespace (comments are rare enough here). */
function previousSignificant(source: string, index: number): string | undefined {
  for (let cursor = index - 1; cursor >= 0; cursor--) {
    const char = source[cursor]!;
    if (!/\s/.test(char)) return char;
  }
  return undefined;
}

/**
 * Visits `source` from `start`, calling `visit` for every character outside strings,
 * templates, comments and regular expressions, with the current bracket depth. Stops when
 * `visit` returns true or at the end; returns the index reached.
 */
function scan(
  source: string,
  start: number,
  end: number,
  visit: (char: string, index: number, depth: number) => boolean,
): number {
  let depth = 0;
  let index = start;
  while (index < end) {
    const char = source[index]!;
    if (char === '"' || char === "'") {
      index = skipQuoted(source, index);
      continue;
    }
    if (char === "`") {
      index = skipTemplate(source, index);
      continue;
    }
    if (char === "/") {
      const next = source[index + 1];
      if (next === "/" || next === "*") {
        index = skipSpaceAndComments(source, index);
        continue;
      }
      const before = previousSignificant(source, index);
      if (before === undefined || BEFORE_REGEX.has(before)) {
        index = skipRegularExpression(source, index);
        continue;
      }
    }
    if (visit(char, index, depth)) return index;
    if (char in OPENERS) depth++;
    else if (char === ")" || char === "]" || char === "}") depth--;
    index++;
  }
  return index;
}

/** Index just past the bracket that closes the one at `start`. */
function skipBalanced(source: string, start: number): number {
  const end = scan(source, start, source.length, (char, _index, depth) => {
    return depth === 1 && (char === ")" || char === "]" || char === "}");
  });
  if (end >= source.length) throw new UnreadableSourceSignal("unbalanced brackets");
  return end + 1;
}

function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let partStart = 0;
  scan(text, 0, text.length, (char, index, depth) => {
    if (depth === 0 && char === separator) {
      parts.push(text.slice(partStart, index));
      partStart = index + 1;
    }
    return false;
  });
  parts.push(text.slice(partStart));
  // A trailing comma leaves an empty last part; it declares nothing.
  if (parts.length > 0 && stripComments(parts[parts.length - 1]!) === "") parts.pop();
  return parts;
}

/** Index of the first top-level `char` (for `=`: an assignment, not `=>`, `==`, `<=` …), or -1. */
function findTopLevel(text: string, wanted: "=" | ":"): number {
  const found = scan(text, 0, text.length, (char, index, depth) => {
    if (depth !== 0 || char !== wanted) return false;
    if (wanted === ":") return true;
    const before = text[index - 1];
    const after = text[index + 1];
    return after !== "=" && after !== ">" && !(before && "=!<>".includes(before));
  });
  return found < text.length ? found : -1;
}

function stripComments(text: string): string {
  let result = "";
  let index = 0;
  while (index < text.length) {
    const next = skipSpaceAndComments(text, index);
    if (next > index) {
      result += " ";
      index = next;
    } else {
      result += text[index];
      index++;
    }
  }
  return result.trim();
}

function readWord(source: string, start: number): string {
  let index = start;
  while (index < source.length && IDENTIFIER_PART.test(source[index]!)) index++;
  return source.slice(start, index);
}

/**
 * The text between the parentheses of the parameter list, or the single parameter of
 * `x => …`. Undefined for sources that declare no list (classes).
 */
function locateParameterList(source: string): string | undefined {
  let index = skipSpaceAndComments(source, 0);
  const words: string[] = [];
  while (index < source.length) {
    const char = source[index]!;
    if (char === "(") {
      return source.slice(index + 1, skipBalanced(source, index) - 1);
    }
    if (char === "=" && source[index + 1] === ">") {
      const parameter = words[words.length - 1];
      if (parameter === undefined) throw new UnreadableSourceSignal("arrow without parameter");
      return parameter;
    }
    if (char === "[") {
      index = skipBalanced(source, index); // computed method name
    } else if (char === '"' || char === "'") {
      index = skipQuoted(source, index); // quoted method name
    } else if (char === "*") {
      index++;
    } else {
      const word = readWord(source, index);
      if (word === "") throw new UnreadableSourceSignal(`unexpected ${char}`);
      if (word === "class" && words.length === 0) return undefined;
      words.push(word);
      index += word.length;
    }
    index = skipSpaceAndComments(source, index);
  }
  throw new UnreadableSourceSignal("no parameter list");
}

// ---------------------------------------------------------------------------------------
// Patterns.

function describeParameter(part: string, position: number): DeclaredParameter {
  let text = stripComments(part);
  const rest = text.startsWith("...");
  if (rest) text = text.slice(3).trim();
  const target = removeDefault(text);
  const bindings: ParameterBinding[] = [];
  collectBindings(target, [], bindings);
  if (target.startsWith("{"))
    return { position, name: undefined, rest, pattern: "object", bindings };
  if (target.startsWith("["))
    return { position, name: undefined, rest, pattern: "array", bindings };
  return { position, name: target, rest, pattern: "identifier", bindings };
}

function removeDefault(text: string): string {
  const equals = findTopLevel(text, "=");
  return (equals === -1 ? text : text.slice(0, equals)).trim();
}

function collectBindings(target: string, path: ParameterPath, into: ParameterBinding[]): void {
  if (target.startsWith("{")) {
    collectObjectPattern(innerOf(target, "}"), path, into);
  } else if (target.startsWith("[")) {
    collectArrayPattern(innerOf(target, "]"), path, into);
  } else if (readWord(target, 0) === target && target !== "") {
    into.push({ name: target, path, restElement: false });
  } else {
    throw new UnreadableSourceSignal(`not a binding: ${target}`);
  }
}

function innerOf(target: string, closer: string): string {
  if (!target.endsWith(closer)) throw new UnreadableSourceSignal("unclosed pattern");
  return target.slice(1, -1);
}

function collectObjectPattern(inner: string, path: ParameterPath, into: ParameterBinding[]): void {
  for (const rawEntry of splitTopLevel(inner, ",")) {
    const entry = stripComments(rawEntry);
    if (entry.startsWith("...")) {
      into.push({ name: entry.slice(3).trim(), path, restElement: true });
      continue;
    }
    const colon = findTopLevel(entry, ":");
    const equals = findTopLevel(entry, "=");
    if (colon === -1 || (equals !== -1 && equals < colon)) {
      // Shorthand `name` or `name = default`.
      const name = removeDefault(entry);
      into.push({ name, path: [...path, name], restElement: false });
      continue;
    }
    const key = readPropertyKey(entry.slice(0, colon).trim());
    const valueTarget = removeDefault(entry.slice(colon + 1).trim());
    // A computed key is only known at run time; its bindings cannot be located in advance.
    if (key === undefined) continue;
    collectBindings(valueTarget, [...path, key], into);
  }
}

function collectArrayPattern(inner: string, path: ParameterPath, into: ParameterBinding[]): void {
  const elements = splitTopLevel(inner, ",");
  elements.forEach((rawElement, index) => {
    const element = stripComments(rawElement);
    if (element === "") return; // a hole: `[, second]`
    if (element.startsWith("...")) {
      const target = element.slice(3).trim();
      if (target.startsWith("{") || target.startsWith("[")) return;
      into.push({ name: target, path: [...path, index], restElement: true });
      return;
    }
    collectBindings(removeDefault(element), [...path, index], into);
  });
}

/** A property key as written in a pattern; undefined for computed keys. */
function readPropertyKey(keyText: string): string | undefined {
  if (keyText.startsWith("[")) return undefined;
  const first = keyText[0];
  if (first === '"' || first === "'") {
    const body = keyText.slice(1, -1);
    // Single-quoted keys become JSON strings so the escapes read the same way.
    const json = first === '"' ? keyText : `"${body.replace(/\\'/g, "'").replace(/"/g, '\\"')}"`;
    try {
      return String(JSON.parse(json));
    } catch {
      return body;
    }
  }
  if (/^[0-9.]/.test(keyText)) {
    const number = Number(keyText.replace(/_/g, ""));
    return Number.isNaN(number) ? keyText : String(number);
  }
  return keyText;
}
