/**
 * @module storage/by-location — blob storage for maintenance of a database whose blob folder is
 * not known (a `postgres://` database opened by the CLI or the dashboard): blobs on S3 or GCS are
 * found from their locations, which name bucket and prefix; local blobs need the folder.
 */

import { BlobStorageError } from "../errors.js";
import { createStorage } from "./create.js";
import type { BlobStorage } from "./types.js";

const CLOUD_LOCATION = /^(s3|gs):\/\/[^/]+(?:\/.*)?\/[^/]+$/i;

/**
 * Reads, measures and deletes blobs where their locations say: `s3://bucket/prefix/<key>.bin`
 * through an S3Storage for `s3://bucket/prefix` (the SDKs' usual environment variables configure
 * the clients), and the same for `gs://`. A relative location (a local blob folder) cannot be
 * resolved: reading it says to pass the blob folder. It lists nothing, so garbage scans find no
 * orphans: pass the blob storage to scan one.
 */
export class LocationStorage implements BlobStorage {
  readonly synchronous = false;
  readonly description: string;
  readonly #stores = new Map<string, BlobStorage>();
  readonly #hint: string;

  /** @param hint What to pass to reach local blobs (`--blob-dir <folder>` for the CLI). */
  constructor(hint: string) {
    this.#hint = hint;
    this.description = "the blob locations stored in the rows";
  }

  #storeFor(location: string): BlobStorage {
    if (!CLOUD_LOCATION.test(location)) {
      throw new BlobStorageError(
        `The blob ${JSON.stringify(location)} lives in a local blob folder this database does not name. Pass ${this.#hint} to read or delete it.`,
      );
    }
    const base = location.slice(0, location.lastIndexOf("/"));
    let store = this.#stores.get(base);
    if (store === undefined) {
      store = createStorage(base);
      this.#stores.set(base, store);
    }
    return store;
  }

  save(): Promise<string> {
    return Promise.reject(
      new BlobStorageError(
        `This database was opened for maintenance without a blob storage, so nothing can be stored. Pass ${this.#hint}.`,
      ),
    );
  }

  async load(location: string): Promise<Uint8Array> {
    return await this.#storeFor(location).load(location);
  }

  async delete(location: string): Promise<boolean> {
    return await this.#storeFor(location).delete(location);
  }

  async getMtime(location: string): Promise<number | undefined> {
    return await this.#storeFor(location).getMtime(location);
  }

  async getSize(location: string): Promise<number | undefined> {
    const store = this.#storeFor(location);
    return store.getSize === undefined ? undefined : await store.getSize(location);
  }

  listKeys(): Iterable<string> {
    return [];
  }
}
