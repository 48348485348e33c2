/**
 * @module integrations/sdk-client — caches chosen methods of an HTTP SDK client (OpenAI,
 * Anthropic) behind a Proxy of the client: no SDK is imported, only the object the user made is
 * wrapped. A cached method keys on the request body and the client (its kind and baseURL, which
 * the keys of the public API already recognise; never its credentials); request options
 * (signal, headers, idempotency key, timeout) reach the SDK but stay out of the key.
 */

import type { ExplicitKeyOptions, Spot } from "../index.js";
import { ValidationError } from "../index.js";

/**
 * Options of `wrapOpenAI` / `wrapAnthropic`: those of `spot.wrap` (version, retention, mode,
 * replay, …), applied to every cached method, plus the prefix of their identities.
 */
export interface CachedClientOptions extends ExplicitKeyOptions {
  /**
   * Prefix of the identities the methods' entries are stored under:
   * `<name>.chat.completions.create`. Two wrapped clients that must not share entries (or a
   * second program with other settings) take different prefixes.
   * @default "openai" / "anthropic"
   */
  readonly name?: string;
}

/** A method to cache, and how its streams end when nothing went wrong. */
export interface CachedEndpoint {
  /** Path from the client, like `"chat.completions.create"`. */
  readonly path: string;
  /**
   * Whether `chunk` is one a stream of this endpoint ends with only when it is complete
   * (`message_stop`, a choice's `finish_reason`). The SDKs end an aborted or timed-out stream
   * quietly, as if it were complete: without this event it is refused instead, so never stored.
   */
  readonly isFinalChunk: (chunk: unknown) => boolean;
  /**
   * The tokens a result used (a stream: its chunks, an array), as the endpoint reports usage;
   * `undefined` when it reports none. The user's own `tokensOf` option replaces it.
   */
  readonly tokensOf: (result: unknown) => number | undefined;
}

/**
 * The chunks of `stream`, ending in an error when the last one expected never came (the request
 * was aborted or timed out): such a stream is never stored (SPEC 7.2).
 */
async function* requireFinalChunk(
  stream: AsyncIterable<unknown>,
  endpoint: CachedEndpoint,
  signal: AbortSignal | undefined,
  how: string,
): AsyncGenerator<unknown, void, undefined> {
  let complete = false;
  for await (const chunk of stream) {
    if (!complete && endpoint.isFinalChunk(chunk)) complete = true;
    yield chunk;
  }
  if (complete && signal?.aborted !== true) return;
  const reason = signal?.aborted === true ? "its request was aborted" : "it ended early";
  throw new DOMException(
    `The ${how} stream of ${endpoint.path} ended before its final event (${reason}): it was not stored, and the next call sends the request again.`,
    "AbortError",
  );
}

/**
 * The function behind every cached method: runs the request it is called with (as `this`).
 * One function for every identity, so wrapping a second client on the same Spot reuses it.
 */
function sendRequest(this: () => unknown, _client: object, _body: unknown): unknown {
  return this();
}

/** A resource of the client: cached methods by name, and resources below it by name. */
interface ResourceNode {
  readonly methods: Map<string, CachedEndpoint>;
  readonly children: Map<string, ResourceNode>;
}

function buildTree(endpoints: readonly CachedEndpoint[]): ResourceNode {
  const root: ResourceNode = { methods: new Map(), children: new Map() };
  for (const endpoint of endpoints) {
    const parts = endpoint.path.split(".");
    const method = parts.pop() as string;
    let node = root;
    for (const part of parts) {
      let child = node.children.get(part);
      if (child === undefined) {
        child = { methods: new Map(), children: new Map() };
        node.children.set(part, child);
      }
      node = child;
    }
    node.methods.set(method, endpoint);
  }
  return root;
}

/**
 * A client of the same type whose `endpoints` (paths like `"chat.completions.create"`) are
 * cached by `spot`; every other property is the client's own, methods bound to the client.
 */
export function wrapSdkClient<C extends object>(
  client: C,
  spot: Spot,
  endpoints: readonly CachedEndpoint[],
  defaultPrefix: string,
  how: string,
  options: CachedClientOptions | undefined,
): C {
  if (typeof client !== "object" || client === null) {
    throw new ValidationError(
      `${how}(client, spot) needs an SDK client as its first argument, got ${client === null ? "null" : typeof client}. Pass the client you created: ${how}(new Client(), spot).`,
    );
  }
  if (typeof (spot as { mark?: unknown } | null)?.mark !== "function") {
    throw new ValidationError(
      `${how}(client, spot) needs a Spot as its second argument. Create one with new Spot("name") and pass it.`,
    );
  }
  const { name: prefix = defaultPrefix, ...markOptions } = options ?? {};
  const cachedByEndpoint = new Map<CachedEndpoint, CachedCall>();
  for (const endpoint of endpoints) {
    const marked = spot.mark(sendRequest, {
      ...markOptions,
      name: `${prefix}.${endpoint.path}`,
      tokensOf: markOptions.tokensOf ?? endpoint.tokensOf,
    });
    cachedByEndpoint.set(endpoint, (request, body) => marked.call(request, client, body));
  }
  return wrapResource(client, buildTree(endpoints), cachedByEndpoint, defaultPrefix);
}

/** Runs `request` on a miss; its key is the client and `body`. */
type CachedCall = (request: () => unknown, body: unknown) => unknown;

function wrapResource<T extends object>(
  resource: T,
  node: ResourceNode,
  cachedByEndpoint: ReadonlyMap<CachedEndpoint, CachedCall>,
  sdkName: string,
): T {
  // Made once per property: a resource read twice is the same object, as on the client.
  const made = new Map<PropertyKey, unknown>();
  return new Proxy(resource, {
    get(target, property) {
      if (typeof property !== "string") return Reflect.get(target, property, target);
      const endpoint = node.methods.get(property);
      const child = node.children.get(property);
      if (endpoint === undefined && child === undefined) {
        const value = Reflect.get(target, property, target);
        // The client's other methods run on the client itself, so what they call inside
        // (`messages.stream` calling `create`, …) is the SDK's own, uncached path.
        return typeof value === "function" ? value.bind(target) : value;
      }
      if (made.has(property)) return made.get(property);
      const value = Reflect.get(target, property, target) as unknown;
      let wrapped: unknown = value;
      if (endpoint !== undefined && typeof value === "function") {
        const cached = cachedByEndpoint.get(endpoint) as CachedCall;
        const original = value as (body: unknown, requestOptions?: unknown) => unknown;
        wrapped = function cachedRequest(body: unknown, requestOptions?: unknown) {
          const send = () => original.call(target, body, requestOptions);
          if ((body as { stream?: unknown } | null)?.stream !== true) return cached(send, body);
          const signal = (requestOptions as { signal?: AbortSignal } | undefined)?.signal;
          return cached(
            async () =>
              requireFinalChunk(
                (await send()) as AsyncIterable<unknown>,
                endpoint,
                signal,
                sdkName,
              ),
            body,
          );
        };
      } else if (child !== undefined && typeof value === "object" && value !== null) {
        wrapped = wrapResource(value, child, cachedByEndpoint, sdkName);
      }
      made.set(property, wrapped);
      return wrapped;
    },
  });
}
