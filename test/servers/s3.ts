/** @module test/servers/s3 — an s3rver on 127.0.0.1 with an ephemeral port and a temp folder, for cloud tests. */

import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The part of s3rver's API used here (the package ships no types). */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer: Server;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

const require = createRequire(import.meta.url);
const S3rver = require("s3rver") as S3rverConstructor;

/**
 * s3rver signs its list continuation tokens with single DES, which OpenSSL 3 only offers in its
 * legacy provider, so every second page of a listing fails. Triple DES with three equal keys is
 * the same cipher and is still available: substitute it, for DES only.
 */
function enableSingleDes(): void {
  const crypto = require("node:crypto") as typeof import("node:crypto") & { __singleDes?: true };
  if (crypto.__singleDes) return;
  const { createCipheriv, createDecipheriv } = crypto;
  const tripled = (key: Buffer) => Buffer.concat([key, key, key]);
  crypto.createCipheriv = ((algorithm: string, key: Buffer, iv: Buffer, options?: unknown) =>
    algorithm === "des"
      ? createCipheriv("des-ede3-cbc", tripled(key), iv)
      : createCipheriv(algorithm, key, iv, options as never)) as typeof createCipheriv;
  crypto.createDecipheriv = ((algorithm: string, key: Buffer, iv: Buffer, options?: unknown) =>
    algorithm === "des"
      ? createDecipheriv("des-ede3-cbc", tripled(key), iv)
      : createDecipheriv(algorithm, key, iv, options as never)) as typeof createDecipheriv;
  crypto.__singleDes = true;
}

/** A running test server: where to reach it and how to stop or bring it back. */
export interface TestServer {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** Stops listening and drops open connections; stored objects are kept. */
  stop(): Promise<void>;
  /** Listens again on the same port with the same objects. */
  restart(): Promise<void>;
  /** Stops (if running) and removes the stored objects. */
  dispose(): Promise<void>;
}

/** The credentials s3rver accepts. */
export const S3_TEST_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

/** Starts s3rver with `buckets` created. */
export async function startS3Server(buckets: readonly string[]): Promise<TestServer> {
  enableSingleDes();
  const directory = mkdtempSync(join(tmpdir(), "bs-s3-"));
  let port = 0;
  let server: S3rverInstance | undefined;

  const start = async (): Promise<void> => {
    if (server !== undefined) return;
    const instance = new S3rver({
      address: "127.0.0.1",
      port,
      silent: true,
      directory,
      resetOnClose: false,
      configureBuckets: buckets.map((name) => ({ name, configs: [] })),
    });
    const address = await instance.run();
    port = address.port;
    server = instance;
  };

  const stop = async (): Promise<void> => {
    const running = server;
    if (running === undefined) return;
    server = undefined;
    running.httpServer.closeAllConnections();
    await running.close();
  };

  await start();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop,
    restart: start,
    async dispose() {
      await stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
