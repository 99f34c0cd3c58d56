/**
 * The kit's live policy: a compiled policy kept fresh from the change feed. A full
 * snapshot is compiled once; after that every committed write (by this kit or another
 * process on the same storage) reaches it as a feed entry applied with `withChanges`, in
 * O(change), never by a rebuild (unless the kit fell behind the feed's retention).
 *
 * What a call sees (see docs/running-many-instances.md):
 * - a state at least as fresh as `atLeast`, when given (a revision: read-your-writes
 *   across instances);
 * - a state no older than any write that completed on this kit before the call;
 * - a state no older than the latest revision committed when the call started (one
 *   query for that revision per call).
 *
 * @module
 */
import { z } from "zod";
import { OrgKitError, validationError } from "../errors.js";
import { parseInput } from "../domain/validation.js";
import { compileFacts } from "../permissions/facts.js";
import { applyChangeEntries } from "../permissions/feed.js";
import type { Policy } from "../permissions/policy.js";
import type { PolicySnapshot } from "../permissions/snapshot.js";
import type { ChangeEntry, Storage, StorageListener, StorageSession } from "../storage/ports.js";
import { readFullSnapshot, type AccessRulesConfig } from "./snapshot.js";
import { subscribe, WakeUps, type SubscribeOptions, type Subscription } from "./subscriptions.js";

/** Options of `kit.policy`, `kit.can` and `kit.explain`. */
export interface FreshnessOptions {
  /**
   * Answer from a state that includes at least this revision (a write's revision from
   * `kit.revision()`, possibly on another instance): Zanzibar's "at least as fresh" token.
   */
  readonly atLeast?: number | undefined;
}

/** A page of the change feed. */
export interface ChangePage {
  /** Entries after the asked revision, oldest first. */
  readonly entries: readonly ChangeEntry[];
  /** Pass this to the next `since` call: the last entry's revision, or the asked one when there was none. */
  readonly cursor: number;
  /** True when the page reached the latest committed revision. */
  readonly done: boolean;
}

/** The change feed, for services that keep their own copy of the policy (see `exportSnapshot`). */
export interface ChangesApi {
  /**
   * Entries committed after `revision`, in order (at most `limit`, default 100, up to
   * 1,000). `CHANGES_EXPIRED` when entries after `revision` were already pruned
   * (`config.changeFeedRetention`): take a fresh snapshot.
   *
   * @example
   * ```ts
   * let { snapshot, revision } = await kit.exportSnapshot();
   * let policy = compilePolicy(snapshot);
   * for (;;) {
   *   const page = await kit.changes.since(revision, { limit: 500 });
   *   for (const entry of page.entries) policy = policy.withChanges(entry.changes, { version: entry.revision });
   *   revision = page.cursor;
   *   if (page.done) break;
   * }
   * ```
   */
  since(revision: number, options?: { readonly limit?: number }): Promise<ChangePage>;
  /** The latest committed revision of the storage. */
  latest(): Promise<number>;
  /**
   * Listens for revisions committed by any process (PostgreSQL `LISTEN`/`NOTIFY` on a
   * connection of its own; in-process for memory storage). While it runs, the kit applies
   * each change as it is announced, and `policy()` / `can` / `explain` answer without a
   * query per call: they check the latest revision only when the last check is older
   * than `config.maxStalenessMs`. If the listening connection is lost, calls go back to
   * one query each until it is re-established (retried with backoff). `STORAGE_FAILURE`
   * (reason `listen_unsupported`) when the storage cannot listen.
   *
   * @example
   * ```ts
   * const listener = await kit.changes.listen();
   * await kit.can("u1", "portal.use"); // no database round trip
   * await listener.close();            // on shutdown: releases the connection
   * ```
   */
  listen(): Promise<ChangeListener>;
  /**
   * Delivers every committed entry after `options.from`, in revision order, at least
   * once: an entry whose handler throws is delivered again (after a backoff) before the
   * next. Store `entry.revision` when your handler is done with an entry and pass it as
   * `from` after a restart. Woken by a running listener and by this kit's own writes,
   * else every `pollMs`.
   *
   * @example
   * ```ts
   * const subscription = kit.changes.subscribe(async (entry) => {
   *   for (const event of toCloudEvents(entry)) await webhooks.post(event);
   *   await cursorStore.set(entry.revision);
   * }, { from: await cursorStore.get() });
   * ```
   */
  subscribe(handler: (entry: ChangeEntry) => unknown, options: SubscribeOptions): Subscription;
}

/** A running {@link ChangesApi.listen}. */
export interface ChangeListener {
  /** False while the listening connection is lost (and being re-established) or after `close()`. */
  readonly active: boolean;
  /** Stops listening and releases the listening connection; unless another listener of the kit runs, `policy()` / `can` / `explain` go back to one query per call. Calling it again does nothing. */
  close(): Promise<void>;
}

const revisionSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const freshnessSchema = z.object({ atLeast: revisionSchema.optional() }).strict();

/** Validates the options of `policy` / `can` / `explain` (`VALIDATION_FAILED` at `options`), before any I/O. */
export function readFreshnessOptions(options: FreshnessOptions | undefined): FreshnessOptions {
  return parseInput(freshnessSchema, options ?? {}, "options", ["options"]);
}
const sinceOptionsSchema = z.object({ limit: z.number().int().min(1).max(1000).default(100) }).strict();
const PAGE = 1000;

/** The live policy of one kit. */
export interface LivePolicy {
  policy(options?: FreshnessOptions): Promise<Policy>;
  /** The highest revision this kit has written (0 before its first write). */
  revision(): number;
  /** Called by the runtime after each committed write. */
  written(revision: number): void;
  exportSnapshot(): Promise<{ snapshot: PolicySnapshot; revision: number }>;
  readonly changes: ChangesApi;
}

/**
 * `beforeSnapshot` runs first in the transaction that reads a whole snapshot (the kit's
 * configuration check: a snapshot carries the kit's state flags and access rules).
 */
export function createLivePolicy(
  storage: Storage,
  states: readonly string[],
  maxStalenessMs: number,
  rules?: AccessRulesConfig,
  beforeSnapshot?: (session: StorageSession) => Promise<void>,
): LivePolicy {
  let current: { revision: number; policy: Policy } | null = null;
  let refreshing: Promise<void> | null = null;
  let lastWrite = 0;
  // Listening: the highest revision announced, and when the latest revision was last confirmed by a query.
  let listening = 0; // active listeners
  let heard = 0;
  let confirmedAt = Number.NEGATIVE_INFINITY;
  const wakeUps = new WakeUps();

  /** The whole snapshot and the revision it is at, read in one transaction (a consistent view). */
  async function readSnapshot(): Promise<{ snapshot: PolicySnapshot; revision: number }> {
    return storage.transaction(async (session) => {
      if (beforeSnapshot !== undefined) await beforeSnapshot(session);
      const revision = await session.changes.latestRevision();
      const snapshot = await readFullSnapshot(session, states, rules);
      return { snapshot: { ...snapshot, version: revision }, revision };
    });
  }

  async function rebuild(): Promise<void> {
    const { snapshot, revision } = await readSnapshot();
    current = { revision, policy: compileFacts({ ...snapshot, stateFlags: states }) };
  }

  /** Applies the feed after the current revision, up to the latest; rebuilds when the kit fell behind the feed's retention. */
  async function catchUp(): Promise<void> {
    if (current === null) return rebuild();
    let { revision, policy } = current;
    for (;;) {
      const entries = await storage.changes.since(revision, PAGE);
      // Pruning only raises the horizon: if it passed `revision`, this page may miss entries.
      if (revision < (await storage.changes.horizon())) return rebuild();
      policy = applyChangeEntries(policy, entries);
      revision = policy.version;
      current = { revision, policy };
      if (entries.length < PAGE) return;
    }
  }

  /**
   * One refresh at a time; a caller that needs more than an in-flight refresh reaches
   * waits for it, then refreshes again. `target` is what to reach; `required` the part of
   * it the caller vouches for (a token, this kit's own writes). A refresh that started after
   * the call and still falls short of `required` means no such revision was committed:
   * `VALIDATION_FAILED`. Short of a mere hint (an announcement, which anything on the
   * channel can send), the freshest state is answered.
   */
  async function freshTo(target: number, required: number): Promise<Policy> {
    while (current === null || current.revision < target) {
      if (refreshing !== null) {
        await refreshing.catch(() => undefined); // its caller reports its failure; this call tries for itself
        continue;
      }
      const refresh = catchUp().finally(() => {
        refreshing = null;
      });
      refreshing = refresh;
      await refresh;
      if (current !== null && current.revision < target) {
        if (current.revision >= required) {
          if (heard > current.revision) heard = current.revision; // an announcement ahead of the feed: not trusted again
          break;
        }
        throw validationError(`Invalid atLeast: revision ${required} is ahead of the storage's latest revision ${current.revision}`, [
          { path: "atLeast", message: `no revision ${required} was committed on this storage`, code: "too_big" },
        ]);
      }
    }
    return current!.policy;
  }

  /** The latest committed revision: announced by a listener within the staleness bound, else asked (one query). */
  async function latestRevision(): Promise<number> {
    const now = Date.now();
    if (listening > 0 && now - confirmedAt <= maxStalenessMs) return heard;
    const latest = await storage.changes.latestRevision();
    if (listening > 0) {
      confirmedAt = now;
      if (latest > heard) heard = latest;
    }
    return latest;
  }

  function announced(revision: number): void {
    if (revision <= heard) return;
    heard = revision;
    wakeUps.ring();
    // Apply it now, so calls find it applied; a failure here is retried by the next call.
    freshTo(revision, 0).catch(() => undefined);
  }

  async function listen(): Promise<ChangeListener> {
    if (typeof storage.listen !== "function") {
      throw new OrgKitError("STORAGE_FAILURE", "This storage cannot listen for changes (its adapter has no listen())", { details: { reason: "listen_unsupported" } });
    }
    const listenOn = storage.listen.bind(storage);
    let handle: StorageListener | null = null;
    let active = false;
    let closed = false;
    let retry: ReturnType<typeof setTimeout> | null = null;
    const stop = () => {
      if (!active) return;
      active = false;
      listening--;
    };
    async function start(): Promise<void> {
      handle = await listenOn({
        onRevision: announced,
        onError: () => {
          stop();
          handle = null;
          if (!closed) schedule(1_000);
        },
      });
      if (closed) {
        await handle.close();
        return;
      }
      // Whatever committed before LISTEN took effect is found by one query.
      const latest = await storage.changes.latestRevision();
      confirmedAt = Date.now();
      if (!active) {
        active = true;
        listening++;
      }
      announced(latest);
    }
    function schedule(delay: number): void {
      retry = setTimeout(() => {
        retry = null;
        start().catch(() => {
          if (!closed) schedule(Math.min(delay * 2, 30_000));
        });
      }, delay);
      retry.unref?.();
    }
    await start();
    return {
      get active() {
        return active;
      },
      async close() {
        closed = true;
        if (retry !== null) clearTimeout(retry);
        stop();
        await handle?.close();
        handle = null;
      },
    };
  }

  return {
    async policy(options) {
      const { atLeast = 0 } = readFreshnessOptions(options);
      const latest = await latestRevision();
      const required = Math.max(atLeast, lastWrite);
      return freshTo(Math.max(required, latest), required);
    },
    revision: () => lastWrite,
    written(revision) {
      if (revision > lastWrite) lastWrite = revision;
      wakeUps.ring();
    },
    exportSnapshot: readSnapshot,
    changes: {
      async since(revision, options) {
        const after = parseInput(revisionSchema, revision, "revision", ["revision"]);
        const { limit } = parseInput(sinceOptionsSchema, options ?? {}, "options", ["options"]);
        const entries = await storage.changes.since(after, limit);
        const horizon = await storage.changes.horizon();
        if (after < horizon) {
          throw new OrgKitError("CHANGES_EXPIRED", `The change feed no longer holds the entries after revision ${after} (it keeps those after ${horizon}): take a fresh snapshot`, {
            details: { revision: after, horizon },
          });
        }
        const cursor = entries.length > 0 ? entries[entries.length - 1]!.revision : after;
        return { entries, cursor, done: entries.length < limit };
      },
      latest: () => storage.changes.latestRevision(),
      listen,
      subscribe: (handler, options) => subscribe(storage.changes, wakeUps, handler, options),
    },
  };
}
