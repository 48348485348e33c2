/** @module storage/s3 — blobs as objects in an S3 bucket (AWS, MinIO, R2, …), on the optional `@aws-sdk/client-s3`. */

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

type S3Module = typeof import("@aws-sdk/client-s3");

const SDK_NAME = "@aws-sdk/client-s3";

/**
 * Settings of the S3 client, passed to `new S3Client(...)` as they are (any `S3ClientConfig`
 * field works). Declared loosely so that projects without the SDK still type-check.
 */
export interface S3ClientOptions {
  /** AWS region. @default `AWS_REGION`, `AWS_DEFAULT_REGION`, else `"us-east-1"` */
  region?: string;
  /** Endpoint of an S3-compatible service (MinIO, R2, …). @default AWS, or `AWS_ENDPOINT_URL_S3` */
  endpoint?: string;
  /** Path-style URLs (`host/bucket/key`), which most S3-compatible services need. @default `true` when an endpoint is set */
  forcePathStyle?: boolean;
  /** Explicit credentials; without them the SDK's default chain is used (environment, `AWS_PROFILE`, instance role). */
  credentials?: unknown;
  [option: string]: unknown;
}

/** An already-built S3 client: anything with the S3Client `send` method. */
export interface S3ClientLike {
  send(command: unknown): Promise<unknown>;
}

/** How S3Storage uploads. */
export interface S3StorageSettings {
  /**
   * Values of at least this many bytes are uploaded in parts (multipart upload), so a failed part
   * is retried alone and parts go up in parallel.
   * @default 16 MiB
   */
  multipartThreshold?: number;
  /** Size of each part; S3 needs at least 5 MiB for every part but the last. @default 8 MiB */
  partSize?: number;
  /** Parts uploaded at the same time. @default 4 */
  partConcurrency?: number;
  /** Objects asked for per list request (S3 serves at most 1000). @default 1000 */
  listPageSize?: number;
}

const MIB = 1024 * 1024;
/** S3 refuses smaller parts (except the last one). */
const MIN_PART_SIZE = 5 * MIB;
/** S3 allows at most this many parts in one upload. */
const MAX_PARTS = 10_000;

interface S3Failure {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

function statusOf(error: unknown): number | undefined {
  return (error as S3Failure | null)?.$metadata?.httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  const name = (error as S3Failure | null)?.name;
  return name === "NoSuchKey" || name === "NotFound" || statusOf(error) === 404;
}

const CREDENTIAL_ERRORS = new Set([
  "CredentialsProviderError",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "InvalidToken",
  "AccessDenied",
  "TokenRefreshRequired",
]);

/** Which credentials the SDK will use, in the order its default chain looks. */
function describeCredentialSource(options: S3ClientOptions | undefined): string {
  if (options === undefined) return "the credentials of the S3 client passed in";
  if (options.credentials !== undefined) return "the `credentials` passed in the client options";
  if (process.env.AWS_ACCESS_KEY_ID) return "AWS_ACCESS_KEY_ID from the environment";
  if (process.env.AWS_PROFILE) return `the profile "${process.env.AWS_PROFILE}" (AWS_PROFILE)`;
  return "the SDK's default chain (environment, ~/.aws files, instance or container role)";
}

/**
 * Stores each blob as the object `<prefix><cache_key>.bin` in one bucket; the location recorded
 * is `s3://bucket/<prefix><cache_key>.bin`. The SDK is imported on first use, the client built
 * once. Locations of another bucket, scheme or prefix are refused without a request.
 *
 * @example
 * const storage = new S3Storage("s3://team-cache/summaries", { region: "eu-west-1" });
 * const spot = new Spot("summaries", { storage });
 */
export class S3Storage implements BlobStorage {
  readonly synchronous = false;
  /** `s3://bucket/prefix`. */
  readonly description: string;
  readonly #address: CloudBucketAddress;
  readonly #options: S3ClientOptions | undefined;
  readonly #given: S3ClientLike | undefined;
  readonly #multipartThreshold: number;
  readonly #partSize: number;
  readonly #partConcurrency: number;
  readonly #listPageSize: number;
  #ready: Promise<{ sdk: S3Module; client: S3ClientLike }> | undefined;

  /**
   * @param uri `s3://bucket/prefix` (the prefix is optional).
   * @param client client options for `new S3Client(...)`, or an S3Client already built.
   * @param settings upload tuning.
   */
  constructor(
    uri: string,
    client: S3ClientOptions | S3ClientLike = {},
    settings: S3StorageSettings = {},
  ) {
    this.#address = parseBucketUri(uri, "s3");
    this.description = this.#address.description;
    assertSdkInstalled(SDK_NAME, "S3Storage");
    if (hasMethod(client, "send")) {
      this.#given = client as S3ClientLike;
    } else {
      this.#options = client as S3ClientOptions;
    }
    this.#partSize = Math.max(MIN_PART_SIZE, settings.partSize ?? 8 * MIB);
    this.#multipartThreshold = Math.max(this.#partSize, settings.multipartThreshold ?? 16 * MIB);
    this.#partConcurrency = Math.max(1, Math.floor(settings.partConcurrency ?? 4));
    this.#listPageSize = Math.min(1000, Math.max(1, Math.floor(settings.listPageSize ?? 1000)));
  }

  async save(key: string, data: Uint8Array): Promise<string> {
    const objectName = toObjectName(this.#address, key);
    const { sdk, client } = await this.#connect("save", objectName);
    try {
      if (data.byteLength >= this.#multipartThreshold) {
        await this.#uploadInParts(sdk, client, objectName, data);
      } else {
        await client.send(
          new sdk.PutObjectCommand({
            Bucket: this.#address.bucket,
            Key: objectName,
            Body: data,
            ContentLength: data.byteLength,
            ContentType: "application/octet-stream",
          }),
        );
      }
    } catch (error) {
      throw this.#describeFailure("save", objectName, error);
    }
    return toLocation(this.#address, objectName);
  }

  async load(location: string): Promise<Uint8Array> {
    const objectName = requireObjectName(this.#address, location);
    const { sdk, client } = await this.#connect("load", objectName);
    try {
      const output = (await client.send(
        new sdk.GetObjectCommand({ Bucket: this.#address.bucket, Key: objectName }),
      )) as { Body?: { transformToByteArray(): Promise<Uint8Array> } };
      if (output.Body === undefined) return new Uint8Array(0);
      return await output.Body.transformToByteArray();
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
    const { sdk, client } = await this.#connect("delete", read.objectName);
    const target = { Bucket: this.#address.bucket, Key: read.objectName };
    try {
      // S3 answers a delete the same whether the object existed or not: ask first.
      await client.send(new sdk.HeadObjectCommand(target));
    } catch (error) {
      if (isNotFound(error)) return false;
      throw this.#describeFailure("delete", read.objectName, error);
    }
    try {
      await client.send(new sdk.DeleteObjectCommand(target));
      return true;
    } catch (error) {
      throw this.#describeFailure("delete", read.objectName, error);
    }
  }

  async *listKeys(): AsyncGenerator<string> {
    const { sdk, client } = await this.#connect("list", this.#address.prefix);
    let continuationToken: string | undefined;
    do {
      let page: { Contents?: { Key?: string }[]; NextContinuationToken?: string };
      try {
        page = (await client.send(
          new sdk.ListObjectsV2Command({
            Bucket: this.#address.bucket,
            Prefix: this.#address.prefix,
            // Only this prefix's own objects: caches under deeper prefixes belong to others.
            Delimiter: "/",
            ContinuationToken: continuationToken,
            MaxKeys: this.#listPageSize,
          }),
        )) as typeof page;
      } catch (error) {
        throw this.#describeFailure("list", this.#address.prefix, error);
      }
      for (const entry of page.Contents ?? []) {
        if (entry.Key === undefined) continue;
        const location = toLocation(this.#address, entry.Key);
        if ("objectName" in readLocation(this.#address, location)) yield location;
      }
      continuationToken = page.NextContinuationToken;
    } while (continuationToken !== undefined);
  }

  async getMtime(location: string): Promise<number | undefined> {
    const read = readLocation(this.#address, location);
    if (!("objectName" in read)) return undefined;
    const { sdk, client } = await this.#connect("stat", read.objectName);
    try {
      const head = (await client.send(
        new sdk.HeadObjectCommand({ Bucket: this.#address.bucket, Key: read.objectName }),
      )) as { LastModified?: Date };
      return head.LastModified?.getTime();
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.#describeFailure("stat", read.objectName, error);
    }
  }

  /** Imports the SDK and builds the client once; a failed attempt is retried on the next call. */
  #connect(
    operation: string,
    objectName: string,
  ): Promise<{ sdk: S3Module; client: S3ClientLike }> {
    this.#ready ??= this.#createClient().catch((error: unknown) => {
      this.#ready = undefined;
      throw this.#describeFailure(operation, objectName, error);
    });
    return this.#ready;
  }

  async #createClient(): Promise<{ sdk: S3Module; client: S3ClientLike }> {
    const sdk = await import(SDK_NAME);
    if (this.#given !== undefined) return { sdk, client: this.#given };
    const options = this.#options ?? {};
    const endpoint =
      options.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
    const client = new sdk.S3Client({
      region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
      // S3-compatible services mostly serve path-style URLs only.
      forcePathStyle: endpoint !== undefined,
      // A bucket in another region answers with a redirect; follow it instead of failing.
      followRegionRedirects: true,
      // The core checks size and sha256 of every value it reads, so the SDK's own checksums add
      // only cost, and several S3-compatible services reject or mangle them.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      ...options,
    });
    return { sdk, client };
  }

  /** Uploads `data` in parts sliced from the one buffer (no copies), aborting on failure. */
  async #uploadInParts(
    sdk: S3Module,
    client: S3ClientLike,
    objectName: string,
    data: Uint8Array,
  ): Promise<void> {
    const bucket = this.#address.bucket;
    const partSize = Math.max(this.#partSize, Math.ceil(data.byteLength / MAX_PARTS));
    const created = (await client.send(
      new sdk.CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: objectName,
        ContentType: "application/octet-stream",
      }),
    )) as { UploadId?: string };
    const uploadId = created.UploadId;
    if (uploadId === undefined) throw new Error("the service returned no multipart upload id");
    const partCount = Math.ceil(data.byteLength / partSize);
    const etags: string[] = new Array(partCount);
    let next = 0;
    const uploadNextParts = async (): Promise<void> => {
      while (next < partCount) {
        const index = next++;
        const start = index * partSize;
        const body = data.subarray(start, Math.min(start + partSize, data.byteLength));
        const part = (await client.send(
          new sdk.UploadPartCommand({
            Bucket: bucket,
            Key: objectName,
            UploadId: uploadId,
            PartNumber: index + 1,
            Body: body,
            ContentLength: body.byteLength,
          }),
        )) as { ETag?: string };
        etags[index] = part.ETag ?? "";
      }
    };
    try {
      const workers = Array.from({ length: Math.min(this.#partConcurrency, partCount) }, () =>
        uploadNextParts(),
      );
      await Promise.all(workers);
      await client.send(
        new sdk.CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: objectName,
          UploadId: uploadId,
          MultipartUpload: {
            Parts: etags.map((etag, index) => ({ ETag: etag, PartNumber: index + 1 })),
          },
        }),
      );
    } catch (error) {
      // Unfinished uploads are billed storage: abort, but report the original failure.
      await client
        .send(
          new sdk.AbortMultipartUploadCommand({
            Bucket: bucket,
            Key: objectName,
            UploadId: uploadId,
          }),
        )
        .catch(() => undefined);
      throw error;
    }
  }

  /** A BlobStorageError naming the bucket, operation, object, cause and what to do. */
  #describeFailure(operation: string, objectName: string, error: unknown): Error {
    if (error instanceof BlobStorageError || error instanceof CacheCorruptedError) return error;
    const name = (error as S3Failure | null)?.name ?? "";
    const code = (error as S3Failure | null)?.code ?? "";
    const status = statusOf(error);
    const target = `s3://${this.#address.bucket}/${objectName}`;
    let hint: string;
    if (CREDENTIAL_ERRORS.has(name) || status === 401 || status === 403) {
      hint = ` The request used ${describeCredentialSource(this.#options)}. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or pass \`credentials\` in the client options, and check they may access the bucket.`;
    } else if (name === "NoSuchBucket") {
      hint = ` Create the bucket ${this.#address.bucket}, or fix the storage URI.`;
    } else if (
      ["ECONNREFUSED", "ENOTFOUND", "ECONNRESET", "ETIMEDOUT", "EAI_AGAIN"].includes(code) ||
      name === "TimeoutError"
    ) {
      hint = " The endpoint could not be reached: check that it is running and the network is up.";
    } else {
      hint = " Check that the bucket exists and is reachable.";
    }
    return new BlobStorageError(
      `S3 ${operation} of ${target} failed in bucket ${this.#address.bucket}: ${name && name !== "Error" ? `${name}: ` : ""}${describeError(error)}.${hint}`,
      { cause: error },
    );
  }
}
