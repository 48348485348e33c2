/**
 * @module core/storable — a compile-time check of what a marked function returns: a result that
 * holds a function or a promise can never be stored, so marking such a function is a type error
 * (it is reported at run time too, for JavaScript callers). Types only; nothing here runs.
 */

type IsAny<T> = 0 extends 1 & T ? true : false;

/** Remaining nesting levels to look into: deep or recursive types are cut off, never rejected. */
type NextDepth = [never, 0, 1, 2, 3, 4];

type AnyFunction = (...args: never[]) => unknown;

/**
 * Why a value of type `T` cannot be stored, as text, or `never` when nothing is known against it.
 * Only what can never be stored counts: a function (the result itself, or inside arrays), and a
 * promise anywhere (a missing `await`). Object types may have methods (registered classes do);
 * streams and async iterables are objects too, left to the run-time rules. `any` and `unknown`
 * pass.
 */
type UnstorableReason<T, Depth extends number = 5, Top extends boolean = true> =
  IsAny<T> extends true
    ? never
    : [Depth] extends [never]
      ? never
      : T extends AsyncIterable<unknown> | ReadableStream<unknown>
        ? never // a stream is recorded chunk by chunk (core/stream.ts); its chunks are checked then
        : T extends PromiseLike<unknown>
          ? "a promise (await it in the function; Promise.all for an array of them)"
          : T extends AnyFunction
            ? Top extends true
              ? "a function"
              : "functions"
            : T extends readonly (infer Element)[]
              ? UnstorableReason<Element, NextDepth[Depth], false>
              : T extends object
                ? {
                    [K in keyof T]-?: T[K] extends AnyFunction
                      ? never
                      : UnstorableReason<T[K], NextDepth[Depth], false>;
                  }[keyof T]
                : never;

/** `true` when the awaited result `R` may be stored, `never` when it cannot be. */
type StorableResult<R> = [UnstorableReason<Awaited<R>>] extends [never] ? true : never;

/**
 * The `this` of `spot.mark(fn)`: the Spot itself when `fn`'s result can be stored; otherwise a
 * type the Spot lacks, whose one property says why, so the error reads
 * `Property '"cannot store the result, which holds a promise (…)"' is missing in type 'Spot'`.
 *
 * Written as "`never` means unstorable" on purpose: while `R` is still a type parameter (a generic
 * function, `fetchJson<T>`), TypeScript cannot tell, and this form lets such functions pass
 * with their generic signature kept.
 */
export type ResultCheck<S, R> = [StorableResult<R>] extends [never]
  ? S & {
      [Reason in UnstorableReason<
        Awaited<R>
      > as `cannot store the result, which holds ${Reason}`]: never;
    }
  : S;
