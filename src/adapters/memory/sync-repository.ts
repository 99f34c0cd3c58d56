import { isOrgKitError, validationError } from "../../errors.js";
import { describeError } from "../../domain/plain-input.js";
import { readStorageArguments } from "../../storage/arguments.js";

/**
 * The synchronous form of a repository port: the same methods returning their result
 * directly. The memory stores implement this; the storage wraps each call in its queue
 * and turns it into a promise.
 *
 * @internal
 */
export type SyncRepository<R> = {
  // `-?` and NonNullable: the memory stores implement the ports' optional methods too.
  [K in keyof R]-?: NonNullable<R[K]> extends (...args: infer A) => Promise<infer T> ? (...args: A) => T : never;
};

/** Runs a synchronous store operation as one atomic step and resolves with its result. */
export type Runner = <T>(op: () => T) => Promise<T>;

/**
 * Builds the asynchronous repository from a synchronous store: every method named in
 * `methods` (the type requires all of them) runs through `run`, on arguments read once
 * into plain data by {@link readStorageArguments} (so a hostile argument is
 * `VALIDATION_FAILED`, exactly as on PostgreSQL, and the store never holds the caller's objects).
 */
export function toRepository<R extends object>(store: SyncRepository<R>, methods: readonly (keyof R & string)[], run: Runner, entity: string): R {
  const repository: Record<string, unknown> = {};
  for (const method of methods) {
    const fn = (store as Record<string, (...args: unknown[]) => unknown>)[method]!;
    const what = `arguments of ${entity}.${method}`;
    repository[method] = (...args: unknown[]) => {
      try {
        // Checked, not copied: what a store keeps it copies itself (freezeCopy), checking
        // its text again, so a getter that answers differently the second time is caught there.
        readStorageArguments(args, what, { copy: false });
      } catch (error) {
        return Promise.reject(error);
      }
      return run(() => {
        try {
          return fn.apply(store, args);
        } catch (error) {
          // Only input that changed after it was checked (a proxy, a getter) throws anything
          // but an OrgKitError here; the call is atomic, so nothing of it was written.
          if (isOrgKitError(error)) throw error;
          throw validationError(`Invalid ${what}: could not be read`, [{ path: "", code: "unreadable", message: describeError(error) }], error);
        }
      });
    };
  }
  return Object.freeze(repository) as R;
}

/** Lists every method of a repository port, checked by the compiler to be complete. */
export function methodList<R>() {
  return <const M extends readonly (keyof R & string)[]>(...methods: M & ([Exclude<keyof R, M[number]>] extends [never] ? unknown : never)): M => methods;
}
