/**
 * @module bench/peers — the Node caches beautyspot is compared with, behind one small interface:
 * keyv over @keyv/sqlite, and cacache. Each is used the way its documentation shows.
 */

import { join } from "node:path";
import KeyvSqlite from "@keyv/sqlite";
import * as cacache from "cacache";
import Keyv from "keyv";

/** A string-keyed async cache. */
export interface PeerCache {
  name: string;
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  close(): Promise<void>;
}

/** keyv with its SQLite adapter (values serialized by keyv itself). */
export function openKeyv(dir: string, file: string): PeerCache {
  const keyv = new Keyv({ store: new KeyvSqlite({ uri: `sqlite://${join(dir, file)}` }) });
  return {
    name: "keyv + @keyv/sqlite",
    get: (key) => keyv.get(key),
    set: async (key, value) => {
      await keyv.set(key, value);
    },
    close: () => keyv.disconnect(),
  };
}

/** cacache: content-addressed files plus an index; values as JSON text, bytes as they are. */
export function openCacache(dir: string, folder: string): PeerCache {
  const cache = join(dir, folder);
  return {
    name: "cacache",
    get: async (key) => {
      try {
        const { data } = await cacache.get(cache, key);
        return data.length > 0 && data[0] === 0x7b ? JSON.parse(data.toString("utf8")) : data;
      } catch {
        return undefined;
      }
    },
    set: async (key, value) => {
      await cacache.put(cache, key, value instanceof Uint8Array ? value : JSON.stringify(value));
    },
    close: async () => {},
  };
}
