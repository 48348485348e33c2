/** @module cacache — the few calls of cacache the benchmarks use (the package ships no types). */
declare module "cacache" {
  export function put(cache: string, key: string, data: Uint8Array | string): Promise<string>;
  export function get(cache: string, key: string): Promise<{ data: Buffer }>;
}
