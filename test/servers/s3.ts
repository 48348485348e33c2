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

const S3rver = createRequire(import.meta.url)("s3rver") as S3rverConstructor;

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
  const directory = mkdtempSync(join(tmpdir(), "bs-s3-"));
  let port = 0;
  let server: S3rverInstance | undefined;

  const start = async (): Promise<void> => {
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
