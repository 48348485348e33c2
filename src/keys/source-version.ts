/**
 * @module keys/source-version — `version: "auto"`: a version derived from the function's source
 * text and whatever it is declared to depend on, so editing the function (a prompt inside it, a
 * default argument) makes new entries instead of returning results of the old code.
 */

import { ConfigurationError } from "../errors.js";
import { canonicalize, hashText } from "./canonical.js";

/** The `version` value that asks for a version derived from the source. */
export const AUTO_VERSION = "auto";
/** Prefix of derived versions in keys and records: tells them from hand-written ones. */
export const AUTO_VERSION_PREFIX = "auto:";
/** Hex digits of the source hash kept: 64 bits, ample to tell the edits of one function apart. */
const VERSION_DIGITS = 16;

/** The source text of a function; refuses functions whose source JavaScript does not give. */
function readSource(fn: Function, label: string, where: string): string {
  let source: string;
  try {
    source = Function.prototype.toString.call(fn);
  } catch (error) {
    throw new ConfigurationError(
      `version: "auto" of ${where} cannot read the source of ${label}. Give an explicit version instead.`,
      { cause: error },
    );
  }
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    throw new ConfigurationError(
      `version: "auto" of ${where} cannot read the source of ${label}: it is a native or bound function. Mark the original function, list it in dependsOn, or give an explicit version.`,
    );
  }
  // A checkout on Windows may turn line ends into CRLF: the same code must give the same version.
  return source.replace(/\r\n?/g, "\n");
}

/**
 * `auto:` + the first 16 hex digits of the SHA-256 of the function's source text and of each
 * `dependsOn` entry (functions by source text, strings as they are, other values by their
 * canonical form). Computed once, at mark time.
 */
export function deriveSourceVersion(
  fn: Function,
  dependsOn: readonly unknown[],
  where: string,
): string {
  if (!Array.isArray(dependsOn)) {
    throw new ConfigurationError(
      `Option \`dependsOn\` of ${where} must be an array of functions, strings or plain values, e.g. dependsOn: [buildPrompt, SYSTEM_PROMPT].`,
    );
  }
  const parts: string[] = [`fn:${readSource(fn, "the function", where)}`];
  dependsOn.forEach((item, index) => {
    if (typeof item === "function") {
      parts.push(
        `fn:${readSource(item, `dependsOn[${index}] (${item.name || "anonymous"})`, where)}`,
      );
    } else if (typeof item === "string") {
      parts.push(`text:${item}`);
    } else {
      try {
        parts.push(`value:${canonicalize([item])}`);
      } catch (error) {
        throw new ConfigurationError(
          `Option \`dependsOn\` of ${where}: entry ${index} cannot be turned into text (${(error as Error).message}). List functions, strings or plain data.`,
          { cause: error },
        );
      }
    }
  });
  const digest = hashText(JSON.stringify(parts));
  return `${AUTO_VERSION_PREFIX}${digest.slice(0, VERSION_DIGITS)}`;
}
