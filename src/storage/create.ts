/** @module storage/create — picks the BlobStorage for a folder path or URI; the one place that maps schemes to backends. */

import { fileURLToPath } from "node:url";
import type { Durability } from "../durability.js";
import { ConfigurationError, ValidationError } from "../errors.js";
import { GCSStorage } from "./gcs.js";
import { LocalStorage } from "./local.js";
import { S3Storage } from "./s3.js";
import type { BlobStorage } from "./types.js";

/** Options of `createStorage`, passed on to the backend the URI selects. */
export interface CreateStorageOptions {
  /** Client settings for cloud backends (S3 client config, GCS storage options). Unused for local folders. */
  clientOptions?: Record<string, unknown>;
  /** For local folders: fsync each blob (`"full"`) or not (`"normal"`, the default); see LocalStorage. */
  durability?: Durability;
}

/** `scheme://` at the start; a Windows drive (`C:\`) has no `//` and stays a path. */
const SCHEME_PATTERN = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

/**
 * The storage for `uriOrPath`: a plain path or `file://` URI gives a LocalStorage; `s3://` and
 * `gs://` select the cloud backends (S3Storage, GCSStorage), configured by `clientOptions` and
 * the SDKs' usual environment variables.
 */
export function createStorage(uriOrPath: string, options: CreateStorageOptions = {}): BlobStorage {
  if (typeof uriOrPath !== "string" || uriOrPath.trim() === "") {
    throw new ValidationError(
      "The storage location is empty. Pass a folder path, a file:// URI, or an s3:// or gs:// URI.",
    );
  }
  const scheme = SCHEME_PATTERN.exec(uriOrPath)?.[1]?.toLowerCase();
  switch (scheme) {
    case undefined:
      return new LocalStorage(uriOrPath, { durability: options.durability });
    case "file":
      try {
        return new LocalStorage(fileURLToPath(uriOrPath), { durability: options.durability });
      } catch (error) {
        if (error instanceof ConfigurationError) throw error;
        throw new ValidationError(
          `${uriOrPath} is not a usable file:// URI. Pass an absolute one (file:///home/me/blobs) or a plain folder path.`,
          { cause: error },
        );
      }
    case "s3":
      return new S3Storage(uriOrPath, options.clientOptions);
    case "gs":
      return new GCSStorage(uriOrPath, options.clientOptions);
    default:
      throw new ConfigurationError(
        `Unknown storage scheme "${scheme}://" in ${uriOrPath}. Use a folder path, file://, s3:// or gs://.`,
      );
  }
}
