/**
 * @module spot — the Spot: composition root (defaults chosen here, in one place) and the
 * public methods users call. The call path itself lives in `core/`.
 */

import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Backends } from "./core/backends.js";
import { BackgroundSaves } from "./core/background-saves.js";
import type { CallRuntime, MarkedFunction, MarkedSyncFunction, StreamResult } from "./core/call.js";
import { createMarkedFunction, createMarkedSyncFunction, deleteEntry } from "./core/call.js";
import { type Explanation, explainCall } from "./core/explain.js";
import type { ExplicitKeyOptions, LookupOptions, StoreOptions } from "./core/explicit.js";
import { ExplicitKeys } from "./core/explicit.js";
import { HitCounter } from "./core/hit-counter.js";
import { IdentityRegistry } from "./core/identities.js";
import {
  assertMarkable,
  createCallPlan,
  type PlanDefaults,
  resolveFunctionIdentity,
} from "./core/mark.js";
import type { BackgroundErrorContext, MarkOptions, SpotOptions } from "./core/options.js";
import {
  DEFAULT_TOKENS_PER_MINUTE,
  describeValue,
  requireMethods,
  resolveSpotSettings,
} from "./core/options.js";
import type { CallPlan } from "./core/plan.js";
import { RetryTargets } from "./core/retry.js";
import { assertLeaseSupport } from "./core/single-flight.js";
import type { ResultCheck } from "./core/storable.js";
import { DeferredStream, isAsyncGeneratorFunction } from "./core/stream.js";
import { blobFolderOwner, ensureOwnedFolder, validateSpotName } from "./core/workspace.js";
import { isPostgresUri } from "./db/postgres/connection.js";
import { PostgresTaskDB } from "./db/postgres/postgres-task-db.js";
import { SQLiteTaskDB } from "./db/sqlite/sqlite-task-db.js";
import type { TaskDB } from "./db/types.js";
import type { Durability } from "./durability.js";
import {
  ConfigurationError,
  describeError,
  IncompatibleProviderError,
  SpotClosedError,
  ValidationError,
} from "./errors.js";
import { createDefaultLifecyclePolicy } from "./lifecycle/policy.js";
import { wrapWithLimiter } from "./limiter/consume.js";
import { TokenBucket } from "./limiter/token-bucket.js";
import type { RateLimiter } from "./limiter/types.js";
import { consoleLogger } from "./logger.js";
import { MaintenanceService } from "./maintenance/service.js";
import {
  openRecordingLayer,
  persistRecordings,
  trackRecordingFunction,
} from "./recordings/layer.js";
import { MsgpackSerializer } from "./serializer/msgpack.js";
import type { EncodedData, Serializer, TypeRegistration } from "./serializer/types.js";
import { createStorage } from "./storage/create.js";
import { LocalStorage } from "./storage/local.js";
import { WarningOnlyPolicy } from "./storage/policy.js";
import type { BlobStorage, StoragePolicy } from "./storage/types.js";

/**
 * Closes the database of a Spot that was dropped without `shutdown()`: better-sqlite3 does not
 * close connections on garbage collection, so each forgotten Spot would keep its files open.
 * Holds the db, never the Spot; pending background saves keep their Spot reachable until written.
 */
const closeForgottenDatabase = new FinalizationRegistry<TaskDB>((db) => {
  try {
    void db.close();
  } catch {
    // Nothing to report to: the Spot is gone.
  }
});

/** Options of `spot.serveDashboard`. */
export interface ServeDashboardOptions {
  /** Port to listen on; a free one is picked (and printed) when it is taken, 0 picks any. @default 8787 */
  port?: number;
  /** A loopback address: the page can run your functions again (Retry). @default "127.0.0.1" */
  host?: string;
  /** Where the URL is printed. @default console.log */
  log?: (line: string) => void;
}

/** A dashboard served inside the program. */
export interface ServedDashboard {
  /** Where the page is, such as `http://127.0.0.1:8787/`. */
  url: string;
  /** Stops the server (the Spot and its database stay open). */
  close(): Promise<void>;
}

/** The dashboard module, loaded on first use: a program that never serves it never loads it. */
interface DashboardModule {
  serveProgramDashboard(options: {
    service: MaintenanceService;
    retry: {
      check(cacheKey: string): Promise<{ available: boolean; reason?: string }>;
      run(cacheKey: string): Promise<{ cacheKey: string; previousKey: string | null }>;
    };
    port?: number;
    host?: string;
    label: string;
    log: (line: string) => void;
  }): Promise<{ url: string; close(): Promise<void> }>;
}

/**
 * Where the dashboard module is: beside this module in the sources and the ES build
 * (`dist/dashboard/`), one folder up from the CommonJS build (`dist/cjs/`).
 */
const DASHBOARD_MODULES = ["./dashboard/index.js", "../dashboard/index.js"];

async function loadDashboardModule(): Promise<DashboardModule> {
  let lastError: unknown;
  for (const relative of DASHBOARD_MODULES) {
    const url = new URL(relative, import.meta.url);
    if (url.protocol === "file:" && !existsSync(fileURLToPath(url))) {
      // Run from the sources, the module is a .ts file that the loader finds under its .js name.
      if (!existsSync(fileURLToPath(url).replace(/\.js$/, ".ts"))) continue;
    }
    try {
      return (await import(url.href)) as DashboardModule;
    } catch (error) {
      lastError = error;
    }
  }
  throw new ConfigurationError(
    "The dashboard is not available in this build of beautyspot (its module was not found). Install a release that includes it, or run `npm run build` in a checkout.",
    { cause: lastError },
  );
}

/** Clean-up triggered by `evictionRate` runs at most this often. */
const EVICTION_INTERVAL_MS = 60_000;

type AnyFunction = (...args: never[]) => unknown;
type MarkedAll<F extends readonly AnyFunction[]> = {
  [K in keyof F]: F[K] extends (...args: infer A) => infer R ? MarkedFunction<A, R> : never;
};
/**
 * What `spot.mark(options)` returns: a method decorator of either flavour. TypeScript picks the
 * signature from the tsconfig: TC39 decorators (the default since TypeScript 5.0) call it with
 * `(method, context)`; `experimentalDecorators` (NestJS, Angular, TypeORM) with
 * `(target, key, descriptor)`. Either way the method must return a promise, as the cached one does.
 */
export interface MethodDecorator {
  <This, F extends (...args: never[]) => unknown>(
    method: F,
    context: ClassMethodDecoratorContext<This>,
  ): CachedMethod<F>;
  <F extends (...args: never[]) => unknown>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<F>,
  ): TypedPropertyDescriptor<CachedMethod<F>>;
}

/**
 * The type a cached method has: `F` itself when it already returns a promise (generic and
 * overloaded methods keep their signatures) or is an `async *method()` (its cached form gives
 * back the stream at once, read with `for await`), else `F` returning a promise — which a
 * synchronous method's declared type does not allow, so decorating one is a type error.
 */
type CachedMethod<F extends (...args: never[]) => unknown> = F extends (
  ...args: never[]
) => PromiseLike<unknown> | AsyncGenerator<unknown, unknown, unknown>
  ? F
  : (...args: Parameters<F>) => Promise<Awaited<ReturnType<F>>>;

/**
 * A cache namespace: one database, one blob folder, and the functions marked on it.
 *
 * @example
 * const spot = new Spot("my_app");
 * const summarize = spot.mark(async function summarize(text: string) { ... });
 */
export class Spot implements AsyncDisposable {
  readonly name: string;
  readonly db: TaskDB;
  readonly storage: BlobStorage;
  readonly serializer: Serializer;
  readonly workspace: string;
  private readonly backends: Backends;
  private readonly runtime: CallRuntime;
  private readonly writer: BackgroundSaves;
  /** Hits counted in memory, written in batches (core/hit-counter.ts). */
  private readonly hits: HitCounter;
  private readonly defaults: PlanDefaults;
  private readonly options: SpotOptions;
  private readonly evictionRate: number;
  private readonly drainTimeout: number;
  private limiterInstance: RateLimiter | undefined;
  private maintenanceInstance: MaintenanceService | undefined;
  private lastEvictionAt = 0;
  private eviction: Promise<void> | null = null;
  private closed = false;
  /** Which function each identity belongs to: checked when marking, never per call. */
  private readonly identities: IdentityRegistry;
  /** The plan of each identity marked here, for `spot.explain`. */
  private readonly plans = new Map<string, CallPlan>();
  /** Save failures already logged, as `identity NUL kind`: each is logged once. */
  private readonly reportedSaveFailures = new Set<string>();
  private shutdownPromise: Promise<void> | null = null;
  /** `wrap`, `lookup` and `store`: entries under a name and explicit key data. */
  private readonly explicit: ExplicitKeys;
  /** The functions marked here, for Retry in the in-program dashboard (`serveDashboard`). */
  private readonly retries: RetryTargets;
  /** Dashboards served by this Spot, closed on shutdown. */
  private readonly dashboards = new Set<() => Promise<void>>();

  constructor(name: string, options: SpotOptions = {}) {
    this.name = validateSpotName(name);
    this.identities = new IdentityRegistry(this.name);
    const settings = resolveSpotSettings(options, consoleLogger);
    this.options = options;
    this.workspace = settings.workspace;
    this.evictionRate = settings.evictionRate;
    this.drainTimeout = settings.drainTimeout;
    const logger = settings.logger;

    this.serializer = options.serializer ?? new MsgpackSerializer();
    this.db = this.openDb(options.db, settings.durability);
    // Only a database this Spot opened is its to close; one passed in belongs to the caller.
    if (options.db === undefined || typeof options.db === "string") {
      closeForgottenDatabase.register(this, this.db, this);
    }
    this.storage = this.openStorage(options.storage, settings.durability);
    this.db = openRecordingLayer(this.db, settings.fixtures, {
      storage: this.storage,
      logger,
      mode: settings.mode,
    });
    const storagePolicy: StoragePolicy =
      options.storagePolicy ??
      new WarningOnlyPolicy({ warningThreshold: settings.blobWarningThreshold, logger });
    this.limiterInstance = options.limiter;

    this.backends = {
      db: this.db,
      storage: this.storage,
      storagePolicy,
      logger,
      synchronous: this.db.synchronous && this.storage.synchronous,
      reportBackgroundError: (error, context) => this.reportBackgroundError(error, context),
    };
    this.writer = new BackgroundSaves(this.backends);
    this.retries = new RetryTargets(this.backends, () => this.writer.whenIdle());
    const hits = new HitCounter({
      db: this.db,
      logger,
      drainSavesSync: () => this.writer.drainSync(),
      whenSavesWritten: () => this.writer.whenIdle(),
    });
    this.hits = hits;
    this.runtime = {
      backends: this.backends,
      writer: this.writer,
      inflight: new Map(),
      assertOpen: () => {
        if (this.closed) this.throwClosed();
      },
      afterCall: () => {
        if (this.evictionRate > 0) this.maybeEvict();
      },
      countHit: this.hits.enabled ? (cacheKey) => hits.add(cacheKey) : () => {},
    };
    this.defaults = {
      serializer: this.serializer,
      saveBlob: settings.saveBlob,
      saveSync: settings.saveSync,
      onSaveError: settings.onSaveError,
      mode: settings.mode,
      lifecyclePolicy: options.lifecyclePolicy ?? createDefaultLifecyclePolicy(),
      trackRecording: (identity) => trackRecordingFunction(this.db, identity),
      singleFlight: settings.singleFlight,
      assertLeaseSupport: (where) => assertLeaseSupport(this.db, where),
      redact: options.redact,
      storeArguments: settings.storeArguments,
    };
    this.explicit = new ExplicitKeys(this.runtime, this.defaults);
    if (settings.singleFlight === "machine") assertLeaseSupport(this.db, "the Spot's option");
  }

  private openDb(db: SpotOptions["db"], durability: Durability): TaskDB {
    if (db === undefined) {
      ensureOwnedFolder(this.workspace);
      return new SQLiteTaskDB(join(this.workspace, `${this.name}.db`), { durability });
    }
    if (typeof db === "string") {
      if (db === "")
        throw new ValidationError(
          "Option `db` must be a TaskDB, a database file path or a postgres:// URI, got an empty string.",
        );
      if (isPostgresUri(db)) return new PostgresTaskDB(db);
      return new SQLiteTaskDB(isAbsolute(db) ? db : resolve(db), { durability });
    }
    requireMethods(db, "db", ["get", "saveMany", "delete", "list", "count", "close"]);
    return db;
  }

  private openStorage(storage: SpotOptions["storage"], durability: Durability): BlobStorage {
    if (storage === undefined) {
      ensureOwnedFolder(this.workspace);
      ensureOwnedFolder(join(this.workspace, "blobs"));
      return new LocalStorage(join(this.workspace, "blobs", this.name), {
        owner: blobFolderOwner(this.db),
        durability,
      });
    }
    if (typeof storage === "string") {
      if (storage === "")
        throw new ValidationError(
          "Option `storage` must be a BlobStorage, a folder path or a URI, got an empty string.",
        );
      return /^[a-z][a-z0-9+.-]*:\/\//i.test(storage)
        ? createStorage(storage, { durability })
        : new LocalStorage(resolve(storage), { durability });
    }
    requireMethods(storage, "storage", ["save", "load", "delete", "listKeys", "getMtime"]);
    return storage;
  }

  /** The rate limiter used by `consume` (created on first use from `tpm`). */
  get limiter(): RateLimiter {
    this.limiterInstance ??= new TokenBucket({
      tokensPerMinute: this.options.tpm ?? DEFAULT_TOKENS_PER_MINUTE,
    });
    return this.limiterInstance;
  }

  /** Listing, inspection and clean-up of this Spot's entries. */
  get maintenance(): MaintenanceService {
    this.maintenanceInstance ??= new MaintenanceService({
      db: this.db,
      storage: this.storage,
      serializer: this.serializer,
      logger: this.backends.logger,
    });
    return this.maintenanceInstance;
  }

  /**
   * Caches a function's results. Returns a wrapper with the same parameters whose result is a
   * promise. Without a function, returns a TC39 method decorator: `@spot.mark({ version: "v2" })`.
   */
  mark<A extends unknown[], R>(
    this: ResultCheck<Spot, R>,
    fn: (...args: A) => R,
    options?: MarkOptions<A>,
  ): MarkedFunction<A, R>;
  mark(options?: MarkOptions): MethodDecorator;
  mark(fnOrOptions?: unknown, options?: MarkOptions): unknown {
    if (typeof fnOrOptions === "function")
      return this.markFunction(fnOrOptions as AnyFunction, options ?? {});
    if (fnOrOptions !== undefined && (fnOrOptions === null || typeof fnOrOptions !== "object")) {
      throw new ConfigurationError(
        `spot.mark expects a function (or options, when used as a decorator), got ${describeValue(fnOrOptions)}.`,
      );
    }
    return this.createMethodDecorator((fnOrOptions ?? {}) as MarkOptions);
  }

  /** Same as `mark` for synchronous functions: the wrapper returns synchronously. */
  markSync<A extends unknown[], R>(
    this: ResultCheck<Spot, R>,
    fn: (...args: A) => R,
    options: MarkOptions<A> = {},
  ): MarkedSyncFunction<A, R> {
    this.assertOpen();
    assertMarkable(fn, "spot.markSync");
    if (!this.backends.synchronous) {
      const culprit = this.db.synchronous ? `storage ${this.storage.description}` : "the database";
      throw new IncompatibleProviderError(
        `markSync needs synchronous storage, but ${culprit} can only be read asynchronously. Use spot.mark (async) for ${fn.name || "this function"}, or local storage.`,
      );
    }
    if (fn.constructor?.name === "AsyncFunction") {
      throw new ConfigurationError(
        `${fn.name || "This function"} is async; markSync is for synchronous functions. Use spot.mark instead.`,
      );
    }
    const identity = resolveFunctionIdentity(fn, options.name);
    if (options.singleFlight === "machine") {
      throw new ConfigurationError(
        `singleFlight: "machine" needs waiting for another process, which a synchronous function cannot do. Use spot.mark (async) for ${identity}, or leave singleFlight out.`,
      );
    }
    const plan = createCallPlan(fn, identity, options as MarkOptions<never[]>, this.defaults);
    this.identities.claim(identity, plan.version, fn);
    this.plans.set(identity, plan);
    this.retries.register(fn, plan);
    return createMarkedSyncFunction(fn, plan, this.runtime);
  }

  /**
   * Marks a plain function. `releases` (cachedRun) makes the claim on the identity temporary:
   * its release is pushed there, to be called when the body ends.
   */
  private markFunction<A extends unknown[], R>(
    fn: (...args: A) => R,
    options: MarkOptions<A>,
    releases?: (() => void)[],
  ): MarkedFunction<A, R> {
    this.assertOpen();
    assertMarkable(fn, "spot.mark");
    const identity = resolveFunctionIdentity(fn, options.name);
    const plan = createCallPlan(fn, identity, options as MarkOptions<never[]>, this.defaults);
    const release = this.identities.claim(identity, plan.version, fn, {
      temporary: releases !== undefined,
    });
    releases?.push(release);
    this.plans.set(identity, plan);
    const forget = this.retries.register(fn, plan);
    // A function marked for the length of a cachedRun body is not retried after it.
    releases?.push(forget);
    return createMarkedFunction(fn, plan, this.runtime);
  }

  private createMethodDecorator(options: MarkOptions): MethodDecorator {
    const spot = this;
    const decorate = (
      method: Function,
      context: ClassMethodDecoratorContext | string | symbol,
      descriptor?: unknown,
    ): unknown => {
      // `experimentalDecorators` (and Babel's legacy decorators) pass (target, key, descriptor).
      if (typeof context === "string" || typeof context === "symbol") {
        return spot.decorateLegacyMethod(method, context, descriptor, options);
      }
      assertMarkable(method, "@spot.mark()");
      if (context?.kind !== "method") {
        throw new ConfigurationError(
          `@spot.mark() decorates class methods, not ${context?.kind ?? "this target"}. For a plain function use spot.mark(fn, options).`,
        );
      }
      const methodName = String(context.name);
      // Validate options and keygen parameters now, at class definition time.
      createCallPlan(
        method,
        options.name ?? methodName,
        options as MarkOptions<never[]>,
        spot.defaults,
      );
      let marked: MarkedFunction<unknown[], unknown> | undefined;
      const replacement = function (this: unknown, ...args: unknown[]) {
        if (marked === undefined) {
          const identity =
            options.name ??
            `${findOwnerName(this, methodName, replacement, context.static)}.${methodName}`;
          const plan = createCallPlan(
            method,
            identity,
            options as MarkOptions<never[]>,
            spot.defaults,
          );
          // The identity is known at the first call (it names the class that owns the method).
          try {
            spot.identities.claim(identity, plan.version, method, { method: true });
          } catch (error) {
            // An `async *method()` gives back its stream at once: the error comes on reading it.
            return isAsyncGeneratorFunction(method)
              ? new DeferredStream(() => Promise.reject(error))
              : Promise.reject(error);
          }
          spot.plans.set(identity, plan);
          spot.retries.register(method, plan, true);
          marked = createMarkedFunction(
            method as (...args: unknown[]) => unknown,
            plan,
            spot.runtime,
          );
        }
        return marked.apply(this, args);
      };
      Object.defineProperty(replacement, "name", { value: methodName });
      return replacement;
    };
    return decorate as MethodDecorator;
  }

  /**
   * A method decorated under `experimentalDecorators`: `target` is the prototype (or the class,
   * for a static method), so the identity `Class.method` is known now, when the class is defined,
   * and the method is marked — and its identity claimed — at once.
   */
  private decorateLegacyMethod(
    target: unknown,
    key: string | symbol,
    descriptor: unknown,
    options: MarkOptions,
  ): PropertyDescriptor {
    const isStatic = typeof target === "function";
    const className =
      (isStatic
        ? (target as Function).name
        : (target as { constructor?: Function } | null)?.constructor?.name) || "Anonymous";
    const methodName = String(key);
    const method = (descriptor as PropertyDescriptor | undefined)?.value;
    if (typeof method !== "function") {
      const what =
        descriptor === undefined
          ? "a property"
          : (descriptor as PropertyDescriptor).get || (descriptor as PropertyDescriptor).set
            ? "an accessor"
            : "not a method";
      throw new ConfigurationError(
        `@spot.mark() decorates class methods, but ${className}.${methodName} is ${what}. Put it on a method (async ${methodName}(...) { ... }), or cache a plain function with spot.mark(fn, options).`,
      );
    }
    assertMarkable(method, "@spot.mark()");
    const identity = options.name ?? `${className}.${methodName}`;
    const plan = createCallPlan(method, identity, options as MarkOptions<never[]>, this.defaults);
    this.identities.claim(identity, plan.version, method, { method: true });
    this.retries.register(method, plan, true);
    const marked = createMarkedFunction(
      method as (...args: unknown[]) => unknown,
      plan,
      this.runtime,
    );
    const replacement = function (this: unknown, ...args: unknown[]) {
      return marked.apply(this, args);
    };
    Object.defineProperty(replacement, "name", { value: methodName });
    return { ...(descriptor as PropertyDescriptor), value: replacement };
  }

  /**
   * Marks `fns` for the duration of `body`, then waits for their pending saves.
   * @example await spot.cachedRun([fetchPage, summarize], { version: "v1" }, async (fetch, sum) => ...)
   */
  async cachedRun<F extends AnyFunction, T>(
    fns: F,
    options: MarkOptions,
    body: (wrapper: NoInfer<MarkedAll<[F]>[0]>) => T,
  ): Promise<Awaited<T>>;
  async cachedRun<F extends readonly AnyFunction[], T>(
    fns: readonly [...F],
    options: MarkOptions,
    body: (...wrappers: NoInfer<MarkedAll<F>>) => T,
  ): Promise<Awaited<T>>;
  async cachedRun(fns: unknown, options: MarkOptions, body: Function): Promise<unknown> {
    if (typeof body !== "function") {
      throw new ConfigurationError(
        "spot.cachedRun(fns, options, body) needs a body function that receives the wrapped functions.",
      );
    }
    const list = Array.isArray(fns) ? fns : [fns];
    if (list.length === 0) {
      throw new ConfigurationError(
        "spot.cachedRun was given an empty list of functions: nothing would be cached. Pass at least one function: spot.cachedRun([fetchPage], options, async (fetch) => ...).",
      );
    }
    if (list.length > 1 && options?.name !== undefined) {
      throw new ConfigurationError(
        `cachedRun was given ${list.length} functions and one \`name\`; they would share cache keys. Leave \`name\` out (each function's own name is used) or call cachedRun once per function.`,
      );
    }
    // The identities are held for the duration of body: cachedRun can be called again with
    // the same functions, or with functions created afresh for each run.
    const releases: (() => void)[] = [];
    try {
      const wrappers = list.map((fn) =>
        this.markFunction(fn as AnyFunction, options ?? {}, releases),
      );
      try {
        return await (body as (...wrappers: unknown[]) => unknown)(...wrappers);
      } finally {
        await this.flush();
      }
    } finally {
      for (const release of releases) release();
    }
  }

  /**
   * The stored value for (`name`, `keyData`), else the result of `compute()`, stored: caching
   * for code that is not one function, and for adapters. `keyData` is canonicalized like the
   * arguments of a marked function: an array is the argument list (so `wrap("summarize",
   * ["hello"], …)` shares its entry with `summarize("hello")` marked under that name), any other
   * value one argument. A `compute` that returns a stream gives back the recording stream.
   * @example const page = await spot.wrap("fetchPage", [url], () => fetchPage(url), { retention: "1d" });
   */
  wrap<T>(
    name: string,
    keyData: unknown,
    compute: () => T,
    options?: ExplicitKeyOptions,
  ): Promise<StreamResult<Awaited<T>>> {
    return this.explicit.wrap(name, keyData, compute, options);
  }

  /** The stored value for (`name`, `keyData`) (see `wrap`), or `undefined`; never computes. */
  lookup<T = unknown>(
    name: string,
    keyData: unknown,
    options?: LookupOptions,
  ): Promise<T | undefined> {
    return this.explicit.lookup(name, keyData, options) as Promise<T | undefined>;
  }

  /**
   * Stores `value` for (`name`, `keyData`) (see `wrap`), replacing any entry there. `durationMs`
   * and `tokens` record what computing it cost, for `stats` (wrap measures them itself).
   */
  store(name: string, keyData: unknown, value: unknown, options?: StoreOptions): Promise<void> {
    return this.explicit.store(name, keyData, value, options);
  }

  /** Wraps `fn` so each call first waits for `cost` tokens from the Spot's limiter. */
  consume<A extends unknown[], R>(
    fn: (...args: A) => R,
    options: { cost?: number | ((...args: A) => number) } = {},
  ): (...args: A) => Promise<Awaited<R>> {
    return wrapWithLimiter(this.limiter, fn, options);
  }

  /** Registers a class with the serializer: stored as `ext(code, msgpack(encode(obj)))`. */
  register<T, E extends EncodedData = unknown>(
    cls: abstract new (...args: never[]) => T,
    registration: TypeRegistration<T, E>,
  ): void {
    const serializer = this.serializer as Partial<{
      register: (cls: unknown, registration: unknown) => void;
    }>;
    if (typeof serializer.register !== "function") {
      throw new ConfigurationError(
        "This Spot's serializer does not support registering classes. Use the default MsgpackSerializer, or encode the class in your own serializer.",
      );
    }
    serializer.register(cls, registration);
  }

  /**
   * Class decorator form of `register`, for TC39 and `experimentalDecorators` alike. The class is
   * not known to the options, so annotate `encode`'s parameter:
   * `@spot.registerType({ code: 11, encode: (user: User) => user.toJSON(), decode: (data) => User.from(data) })`.
   */
  registerType<T, E extends EncodedData = unknown>(registration: TypeRegistration<T, E>) {
    return (cls: abstract new (...args: never[]) => T, _context?: ClassDecoratorContext): void => {
      this.register(cls, registration);
    };
  }

  /**
   * Explains the entry of function identity `name` for `keyData`: hit or miss, the key, and for a
   * miss the nearest stored entries of that function with what differs. For a function marked on
   * this Spot, `keyData` is its arguments (an array; any other value is the single argument) and
   * the function's keygen and version apply; any other name is taken as an explicit key, as
   * `wrap` stores it (same key data, no version).
   * @example console.log((await spot.explain("summarize", ["hello", { temperature: 0.7 }])).summary)
   */
  async explain(name: string, keyData: unknown): Promise<Explanation> {
    this.assertOpen();
    const marked = this.plans.get(name);
    if (marked !== undefined) {
      return await explainCall(marked, Array.isArray(keyData) ? keyData : [keyData], this.runtime);
    }
    return await this.explicit.explain(name, keyData);
  }

  /**
   * Serves the dashboard inside this program, over this Spot's database: the page of
   * `beautyspot ui` with the same security (loopback only, Host check, session token, CSP), plus
   * **Retry** for entries of functions marked here whose arguments were stored in full. Resolves
   * once it listens; `close()` stops it (shutdown of the Spot stops it too).
   *
   * @example
   * const dashboard = await spot.serveDashboard({ port: 0 });
   * console.log(dashboard.url); // open it, look, retry
   * await dashboard.close();
   */
  async serveDashboard(options: ServeDashboardOptions = {}): Promise<ServedDashboard> {
    this.assertOpen();
    if (options === null || typeof options !== "object") {
      throw new ValidationError(
        `serveDashboard takes { port?, host? }, got ${describeValue(options)}.`,
      );
    }
    const dashboard = await loadDashboardModule();
    const served = await dashboard.serveProgramDashboard({
      service: this.maintenance,
      retry: {
        check: (cacheKey) => this.retries.check(cacheKey),
        run: (cacheKey) => this.retries.run(cacheKey),
      },
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.host === undefined ? {} : { host: options.host }),
      label: this.name,
      log: options.log ?? ((line) => console.log(line)),
    });
    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= served.close().finally(() => this.dashboards.delete(close));
      return closing;
    };
    this.dashboards.add(close);
    return { url: served.url, close };
  }

  /** Removes a record and its blob. Resolves whether something was removed. */
  async delete(cacheKey: string): Promise<boolean> {
    this.assertOpen();
    if (typeof cacheKey !== "string" || cacheKey === "") {
      throw new ValidationError(
        `spot.delete needs a cache key string, got ${describeValue(cacheKey)}.`,
      );
    }
    return deleteEntry(cacheKey, this.runtime);
  }

  /**
   * Writes or waits for background saves (and waits for a running clean-up). Resolves `true`
   * when everything was written, `false` when `timeoutMs` passed first (the writes go on; over
   * the default SQLite database and local blobs the saves are written before any waiting).
   */
  async flush(timeoutMs: number = this.drainTimeout): Promise<boolean> {
    // Over synchronous backends what is queued is written at once: the writer's short batches
    // give way to other callbacks, so a long queue could outlast the wait (and, at shutdown,
    // be closed under).
    this.writer.drainSync();
    const work = Promise.all([this.writer.whenIdle(), this.eviction ?? undefined])
      .then(() => this.hits.flush())
      .then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolveTimeout) => {
      timer = setTimeout(() => resolveTimeout(false), timeoutMs);
    });
    try {
      const drained = await Promise.race([work, timeout]);
      if (drained) await persistRecordings(this.db);
      if (!drained) {
        this.backends.logger.warn(
          `flush() timed out after ${timeoutMs} ms with saves still pending; they continue in the background. Pass a longer timeout or raise \`drainTimeout\`.`,
        );
      }
      return drained;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Drains pending saves and closes the database. Safe to call more than once. */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= (async () => {
      await Promise.all([...this.dashboards].map((close) => close()));
      await this.flush();
      this.closed = true;
      this.hits.close();
      closeForgottenDatabase.unregister(this);
      await this.db.close();
    })();
    return this.shutdownPromise;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  private assertOpen(): void {
    if (this.closed) this.throwClosed();
  }

  private throwClosed(): never {
    throw new SpotClosedError(
      `Spot "${this.name}" has been shut down and cannot be used. Create a new Spot to continue.`,
    );
  }

  private maybeEvict(): void {
    const now = Date.now();
    if (this.eviction !== null || now - this.lastEvictionAt < EVICTION_INTERVAL_MS) return;
    if (Math.random() >= this.evictionRate) return;
    this.lastEvictionAt = now;
    this.eviction = new Promise<void>((resolveEviction) => setImmediate(resolveEviction))
      .then(() => this.maintenance.cleanGarbage())
      .then(
        () => undefined,
        (error: unknown) => this.reportBackgroundError(error, { operation: "eviction" }),
      )
      .finally(() => {
        this.eviction = null;
      });
  }

  /**
   * Reports a failed save or clean-up. A handler of the user's own gets every failure; the
   * logger warns once per function and kind of failure, so a loop of failing saves prints one line.
   */
  private reportBackgroundError(error: unknown, context: BackgroundErrorContext): void {
    const handler = this.options.onBackgroundError;
    if (handler !== undefined) {
      try {
        handler(error, context);
        return;
      } catch (handlerError) {
        this.backends.logger.error(`onBackgroundError threw: ${describeError(handlerError)}`);
      }
    }
    if (context.operation !== "save") {
      this.backends.logger.error(
        `Background clean-up failed: ${describeError(error)}. It runs again later; pass onBackgroundError to handle this yourself.`,
      );
      return;
    }
    const funcName = context.funcName ?? "a function";
    const failure = `${funcName}\u0000${describeFailureKind(error)}`;
    if (this.reportedSaveFailures.has(failure)) return;
    this.reportedSaveFailures.add(failure);
    const reason = describeError(error).trim();
    this.backends.logger.warn(
      `The result of ${funcName} was returned to the caller but not stored${context.cacheKey ? ` (key ${context.cacheKey})` : ""}: ${/[.!?]$/.test(reason) ? reason : `${reason}.`} The next call with these arguments runs ${funcName} again. Further failures of this kind for ${funcName} are not logged again; pass onBackgroundError to see each one, or onSaveError: "throw" to make such calls fail.`,
    );
  }
}

/** The kind of a failure, for logging it once: its class and, when it has one, its code. */
function describeFailureKind(error: unknown): string {
  if (error === null || typeof error !== "object") return typeof error;
  const name = (error as { name?: unknown }).name;
  const code =
    (error as { code?: unknown }).code ?? (error as { cause?: { code?: unknown } }).cause?.code;
  return `${typeof name === "string" ? name : "Error"}${code === undefined ? "" : `:${String(code)}`}`;
}

/** The class name that owns `method` on `receiver`'s chain (`this` of a decorated method). */
function findOwnerName(
  receiver: unknown,
  methodName: string,
  method: Function,
  isStatic: boolean,
): string {
  let owner: unknown = isStatic
    ? receiver
    : receiver === null || receiver === undefined
      ? undefined
      : Object.getPrototypeOf(receiver);
  while (owner !== null && owner !== undefined) {
    if (Object.getOwnPropertyDescriptor(owner, methodName)?.value === method) {
      return isStatic
        ? (owner as Function).name
        : ((owner as { constructor?: Function }).constructor?.name ?? "Anonymous");
    }
    owner = Object.getPrototypeOf(owner);
  }
  return "Anonymous";
}
