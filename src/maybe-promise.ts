/**
 * A value, or a promise of it: what a function returns when it can often
 * answer at once (a verdict it already holds) and sometimes must wait (a
 * lookup). Awaiting one works either way; the helpers below keep the
 * answer synchronous when it is. (No export is named `then`: a module
 * namespace with one is taken for a promise by `await import()`.)
 */
export type MaybePromise<T> = T | Promise<T>;

export const isPromise = <T>(value: MaybePromise<T>): value is Promise<T> =>
  typeof (value as { then?: unknown } | null)?.then === "function";

/** f applied to the value now, or once it settles; a throw of f is a throw (or a rejection) of the result. */
export function andThen<T, R>(value: MaybePromise<T>, f: (v: T) => MaybePromise<R>): MaybePromise<R> {
  return isPromise(value) ? value.then(f) : f(value);
}
