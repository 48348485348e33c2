/** @module storage/gcs — blobs as objects in a Google Cloud Storage bucket, on the optional `@google-cloud/storage`. */

import { BlobStorageError, CacheCorruptedError, describeError } from "../errors.js";
import {
  assertSdkInstalled,
  type CloudBucketAddress,
  hasMethod,
  parseBucketUri,
  readLocation,
  requireObjectName,
  toLocation,
  toObjectName,
} from "./cloud-location.js";
import type { BlobStorage } from "./types.js";

const SDK_NAME = "@google-cloud/storage";

/**
 * Settings of the GCS client, passed to `new Storage(...)` as they are (any `StorageOptions`
 * field works). Declared loosely so that projects without the SDK still type-check.
 */
export interface GCSStorageOptions {
  /** Google Cloud project. @default detected from the credentials */
  projectId?: string;
  /** Path of a service-account key file. @default `GOOGLE_APPLICATION_CREDENTIALS`, else application default credentials */
  keyFilename?: string;
  /** Service-account credentials as an object (`client_email`, `private_key`). */
  credentials?: unknown;
  /** Endpoint of another GCS-compatible server. @default Google's, or `STORAGE_EMULATOR_HOST` */
  apiEndpoint?: string;
  /**
   * Retry settings of the SDK. beautyspot shortens the SDK's defaults (up to 600 s in total): a
   * cache that cannot reach its bucket is better off recomputing than waiting.
   * @default { maxRetries: 2, maxRetryDelay: 4, totalTimeout: 60 }
   */
  retryOptions?: Record<string, unknown>;
  [option: string]: unknown;
}

/** An already-built `Storage` from `@google-cloud/storage`: anything with its `bucket` method. */
export interface GCSClientLike {
  bucket(name: string): unknown;
}

/** How GCSStorage uploads and lists. */
export interface GCSStorageSettings {
  /**
   * Values of at least this many bytes go up as a resumable upload, which survives a dropped
   * connection; smaller ones in a single request, which saves a round trip.
   * @default 8 MiB
   */
  resumableThreshold?: number;
  /** Objects asked for per list request (GCS serves at most 1000). @default 1000 */
  listPageSize?: number;
}

/** The parts of a GCS `File` used here. */
interface GCSFile {
  name: string;
  save(data: Buffer, options: Record<string, unknown>): Promise<void>;
  download(options: Record<string, unknown>): Promise<[Buffer]>;
  delete(): Promise<unknown>;
  getMetadata(): Promise<[{ updated?: string }]>;
}

/** The parts of a GCS `Bucket` used here. */
interface GCSBucket {
  file(name: string): GCSFile;
  getFiles(query: Record<string, unknown>): Promise<[GCSFile[], Record<string, unknown> | null]>;
}

const MIB = 1024 * 1024;

interface GCSFailure {
  code?: number | string;
  message?: string;
}

function isNotFound(error: unknown): boolean {
  return (error as GCSFailure | null)?.code === 404;
}

/** Which credentials the SDK will use, in the order it looks for them. */
function describeCredentialSource(options: GCSStorageOptions | undefined): string {
  if (options === undefined) return "the credentials of the Storage client passed in";
  if (options.credentials !== undefined) return "the `credentials` passed in the storage options";
  if (options.keyFilename !== undefined) return `the key file ${options.keyFilename} (keyFilename)`;
  if (process.env.GOOGLE_APPLICATION_CREDENTIALS) {
    return `the key file ${process.env.GOOGLE_APPLICATION_CREDENTIALS} (GOOGLE_APPLICATION_CREDENTIALS)`;
  }
  return "application default credentials (gcloud auth application-default login, or the metadata server)";
}

/**
 * Stores each blob as the object `<prefix><cache_key>.bin` in one bucket; the location recorded
 * is `gs://bucket/<prefix><cache_key>.bin`. The SDK is imported on first use, the client built
 * once. Locations of another bucket, scheme or prefix are refused without a request.
 *
 * @example
 * const storage = new GCSStorage("gs://team-cache/summaries", { projectId: "my-project" });
 * const spot = new Spot("summaries", { storage });
 */
export class GCSStorage implements BlobStorage {
  readonly synchronous = false;
  /** `gs://bucket/prefix`. */
  readonly description: string;
  readonly #address: CloudBucketAddress;
  readonly #options: GCSStorageOptions | undefined;
  readonly #given: GCSClientLike | undefined;
  readonly #resumableThreshold: number;
  readonly #listPageSize: number;
  #bucket: Promise<GCSBucket> | undefined;

  /**
   * @param uri `gs://bucket/prefix` (the prefix is optional).
   * @param client options for `new Storage(...)`, or a `Storage` already built.
   * @param settings upload and listing tuning.
   */
  constructor(
    uri: string,
    client: GCSStorageOptions | GCSClientLike = {},
    settings: GCSStorageSettings = {},
  ) {
    this.#address = parseBucketUri(uri, "gs");
    this.description = this.#address.description;
    assertSdkInstalled(SDK_NAME, "GCSStorage");
    if (hasMethod(client, "bucket")) {
      this.#given = client as GCSClientLike;
    } else {
      this.#options = client as GCSStorageOptions;
    }
    this.#resumableThreshold = Math.max(0, settings.resumableThreshold ?? 8 * MIB);
    this.#listPageSize = Math.min(1000, Math.max(1, Math.floor(settings.listPageSize ?? 1000)));
  }

  async save(key: string, data: Uint8Array): Promise<string> {
    const objectName = toObjectName(this.#address, key);
    const bucket = await this.#connect("save", objectName);
    try {
      // A view on the same memory: the SDK wants a Buffer, the caller's bytes are not copied.
      const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      await bucket.file(objectName).save(bytes, {
        resumable: data.byteLength >= this.#resumableThreshold,
        contentType: "application/octet-stream",
        // Checks the upload against the server's crc32c, so a mangled upload fails the save.
        validation: "crc32c",
      });
    } catch (error) {
      throw this.#describeFailure("save", objectName, error);
    }
    return toLocation(this.#address, objectName);
  }

  async load(location: string): Promise<Uint8Array> {
    const objectName = requireObjectName(this.#address, location);
    const bucket = await this.#connect("load", objectName);
    try {
      // The core verifies size and sha256 of every value it reads: no second checksum here.
      const [bytes] = await bucket.file(objectName).download({ validation: false });
      return bytes;
    } catch (error) {
      if (isNotFound(error)) {
        throw new CacheCorruptedError(
          `Blob ${location} is missing from ${this.description}. The entry is treated as a miss and will be recomputed; run \`beautyspot clean\` to tidy up.`,
          { cause: error },
        );
      }
      throw this.#describeFailure("load", objectName, error);
    }
  }

  async delete(location: string): Promise<boolean> {
    const read = readLocation(this.#address, location);
    if (!("objectName" in read)) return false;
    const bucket = await this.#connect("delete", read.objectName);
    try {
      await bucket.file(read.objectName).delete();
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw this.#describeFailure("delete", read.objectName, error);
    }
  }

  async *listKeys(): AsyncGenerator<string> {
    const bucket = await this.#connect("list", this.#address.prefix);
    let query: Record<string, unknown> | null = {
      prefix: this.#address.prefix,
      // Only this prefix's own objects: caches under deeper prefixes belong to others.
      delimiter: "/",
      autoPaginate: false,
      maxResults: this.#listPageSize,
    };
    while (query !== null) {
      let files: GCSFile[];
      try {
        [files, query] = await bucket.getFiles(query);
      } catch (error) {
        throw this.#describeFailure("list", this.#address.prefix, error);
      }
      for (const file of files) {
        const location = toLocation(this.#address, file.name);
        if ("objectName" in readLocation(this.#address, location)) yield location;
      }
    }
  }

  async getMtime(location: string): Promise<number | undefined> {
    const read = readLocation(this.#address, location);
    if (!("objectName" in read)) return undefined;
    const bucket = await this.#connect("stat", read.objectName);
    try {
      const [metadata] = await bucket.file(read.objectName).getMetadata();
      return metadata.updated === undefined ? undefined : Date.parse(metadata.updated);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.#describeFailure("stat", read.objectName, error);
    }
  }

  /** Imports the SDK and builds the client once; a failed attempt is retried on the next call. */
  #connect(operation: string, objectName: string): Promise<GCSBucket> {
    this.#bucket ??= this.#createBucket().catch((error: unknown) => {
      this.#bucket = undefined;
      throw this.#describeFailure(operation, objectName, error);
    });
    return this.#bucket;
  }

  async #createBucket(): Promise<GCSBucket> {
    if (this.#given !== undefined) return this.#given.bucket(this.#address.bucket) as GCSBucket;
    const sdk = await import(SDK_NAME);
    const options = this.#options ?? {};
    const storage = new sdk.Storage({
      ...options,
      retryOptions: { maxRetries: 2, maxRetryDelay: 4, totalTimeout: 60, ...options.retryOptions },
    });
    return storage.bucket(this.#address.bucket) as GCSBucket;
  }

  /** A BlobStorageError naming the bucket, operation, object, cause and what to do. */
  #describeFailure(operation: string, objectName: string, error: unknown): Error {
    if (error instanceof BlobStorageError || error instanceof CacheCorruptedError) return error;
    const code = (error as GCSFailure | null)?.code;
    const message = describeError(error);
    const target = `gs://${this.#address.bucket}/${objectName}`;
    let hint: string;
    const failedPath = (error as { path?: unknown } | null)?.path;
    const keyFile = this.#options?.keyFilename ?? process.env.GOOGLE_APPLICATION_CREDENTIALS;
    if (
      code === 401 ||
      code === 403 ||
      (failedPath !== undefined && failedPath === keyFile) ||
      /credential|unauthenticated|invalid_grant/i.test(message)
    ) {
      hint = ` The request used ${describeCredentialSource(this.#options)}. Set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, run \`gcloud auth application-default login\`, or pass \`keyFilename\` or \`credentials\` in the storage options, and check they may access the bucket.`;
    } else if (code === 404) {
      hint = ` Create the bucket ${this.#address.bucket}, or fix the storage URI.`;
    } else if (
      typeof code === "string" &&
      ["ECONNREFUSED", "ENOTFOUND", "ECONNRESET", "ETIMEDOUT", "EAI_AGAIN"].includes(code)
    ) {
      hint = " The endpoint could not be reached: check that it is running and the network is up.";
    } else {
      hint = " Check that the bucket exists and is reachable.";
    }
    return new BlobStorageError(
      `GCS ${operation} of ${target} failed in bucket ${this.#address.bucket}: ${message}.${hint}`,
      { cause: error },
    );
  }
}
