/** @module storage/cloud-location — bucket URIs, blob locations and SDK checks shared by the S3 and GCS backends. */

import { createRequire } from "node:module";
import { CacheCorruptedError, ConfigurationError, ValidationError } from "../errors.js";
import { assertValidBlobKey, BLOB_SUFFIX } from "./blob-key.js";

/** The URI schemes of the cloud backends. */
export type CloudScheme = "s3" | "gs";

/** A parsed `scheme://bucket/prefix` URI. */
export interface CloudBucketAddress {
  readonly scheme: CloudScheme;
  readonly bucket: string;
  /** Object-name prefix, empty or ending in `/`. */
  readonly prefix: string;
  /** `scheme://bucket/prefix` without a trailing slash, for messages. */
  readonly description: string;
}

/** Lowercase letters, digits, dots, dashes and underscores: names both S3 and GCS accept. */
const BUCKET_PATTERN = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

/** Parses `scheme://bucket/prefix`; throws ValidationError naming the fix when it is not one. */
export function parseBucketUri(uri: string, scheme: CloudScheme): CloudBucketAddress {
  const example = `${scheme}://my-bucket/team/cache`;
  if (typeof uri !== "string" || !uri.toLowerCase().startsWith(`${scheme}://`)) {
    throw new ValidationError(
      `${JSON.stringify(uri)} is not an ${scheme}:// URI. Pass one such as ${example}.`,
    );
  }
  const rest = uri.slice(scheme.length + 3);
  const slash = rest.indexOf("/");
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const rawPrefix = slash === -1 ? "" : rest.slice(slash + 1);
  if (!BUCKET_PATTERN.test(bucket)) {
    throw new ValidationError(
      `${JSON.stringify(bucket)} in ${uri} is not a valid bucket name: use 3–63 lowercase letters, digits, dots or dashes, as in ${example}.`,
    );
  }
  const segments = rawPrefix.split("/").filter((segment) => segment !== "");
  if (
    segments.some((segment) => segment === "." || segment === "..") ||
    /[\0\\?#]/.test(rawPrefix)
  ) {
    throw new ValidationError(
      `The prefix ${JSON.stringify(rawPrefix)} in ${uri} has a \`.\` or \`..\` segment, a backslash, \`?\`, \`#\` or NUL. Use plain folder-like names such as ${example}.`,
    );
  }
  const prefix = segments.length === 0 ? "" : `${segments.join("/")}/`;
  return {
    scheme,
    bucket,
    prefix,
    description: `${scheme}://${bucket}${prefix === "" ? "" : `/${prefix.slice(0, -1)}`}`,
  };
}

/** The object name of `key`: `<prefix><key>.bin`. Throws ValidationError for keys that are not one plain name. */
export function toObjectName(address: CloudBucketAddress, key: string): string {
  assertValidBlobKey(key);
  return `${address.prefix}${key}${BLOB_SUFFIX}`;
}

/** The location recorded for an object: `scheme://bucket/<object name>`. */
export function toLocation(address: CloudBucketAddress, objectName: string): string {
  return `${address.scheme}://${address.bucket}/${objectName}`;
}

/**
 * The object name behind `location`, or why it is refused: another scheme or bucket, outside
 * the prefix, a nested path, `..`. Refused locations are never fetched.
 */
export function readLocation(
  address: CloudBucketAddress,
  location: string,
): { objectName: string } | { problem: string } {
  if (typeof location !== "string") return { problem: "it is not a string" };
  const head = `${address.scheme}://${address.bucket}/${address.prefix}`;
  if (!location.startsWith(head)) {
    return { problem: `it is not inside ${address.description}` };
  }
  const name = location.slice(head.length);
  if (
    !name.endsWith(BLOB_SUFFIX) ||
    name.length === BLOB_SUFFIX.length ||
    /[/\\\0]/.test(name) ||
    name.startsWith(".")
  ) {
    return { problem: "it is not a blob name beautyspot writes (<cache key>.bin)" };
  }
  return { objectName: `${address.prefix}${name}` };
}

/** Like `readLocation`, but throws the CacheCorruptedError a read of a refused location gives. */
export function requireObjectName(address: CloudBucketAddress, location: string): string {
  const read = readLocation(address, location);
  if ("objectName" in read) return read.objectName;
  throw new CacheCorruptedError(
    `Refusing to read blob location ${JSON.stringify(location)}: ${read.problem}. Only locations inside ${address.description} are read; the entry is treated as a miss.`,
  );
}

/**
 * Throws ConfigurationError naming the `npm install` command unless `moduleName` can be
 * resolved. Resolving is synchronous and cheap; the module itself is imported on first use.
 */
export function assertSdkInstalled(moduleName: string, backend: string): void {
  try {
    createRequire(import.meta.url).resolve(moduleName);
  } catch (error) {
    throw new ConfigurationError(
      `${backend} needs the optional package ${moduleName}, which is not installed. Run \`npm install ${moduleName}\` in your project, or use a local folder for \`storage\`.`,
      { cause: error },
    );
  }
}

/** Whether `value` looks like an already-built client (an object with the given method). */
export function hasMethod(value: unknown, method: string): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Record<string, unknown>)[method] === "function"
  );
}
