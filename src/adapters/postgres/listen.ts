/**
 * `Storage.listen` on PostgreSQL: `LISTEN` on a connection of its own (a pool's client,
 * held until `close()`), or PGlite's `listen`. Each committed append sends
 * `pg_notify(channel, revision)` (see change-feed-repository.ts).
 *
 * @module
 */
import { OrgKitError } from "../../errors.js";
import type { StorageListener, StorageListenHandlers } from "../../storage/ports.js";
import { isPool, type PostgresClient, type PostgresPoolConnection } from "./client.js";
import { toOrgKitError } from "./errors.js";

interface Notification {
  readonly channel: string;
  readonly payload?: string;
}

/** A pool client that emits notifications (`pg`'s `PoolClient`). */
type NotifyingConnection = Omit<PostgresPoolConnection, "on"> & {
  on(event: string, listener: (value: never) => void): unknown;
};

/** PGlite's listen. */
interface ListeningClient {
  listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>;
}

function revisionOf(payload: string | undefined): number | null {
  const revision = Number(payload);
  return Number.isSafeInteger(revision) && revision > 0 ? revision : null;
}

export async function listenForChanges(client: PostgresClient, channel: string, handlers: StorageListenHandlers): Promise<StorageListener> {
  if (isPool(client)) {
    let connection: NotifyingConnection;
    try {
      connection = (await client.connect()) as NotifyingConnection;
    } catch (error) {
      throw toOrgKitError(error, "changes.listen (connect)");
    }
    if (typeof connection.on !== "function") {
      connection.release();
      throw unsupported("the pool's connections do not emit notifications");
    }
    let closed = false;
    const lost = (error?: Error) => {
      if (closed) return;
      closed = true;
      // Give the dead connection back, to be discarded: a pool waits for it at end() otherwise.
      try {
        connection.release(error ?? true);
      } catch {
        // already released
      }
      handlers.onError(error ?? new OrgKitError("STORAGE_FAILURE", "The listening connection ended", { details: { reason: "connection_lost" } }));
    };
    connection.on("notification", (message: Notification) => {
      // pg delivers every channel this connection listens on; only ours counts.
      if (message.channel !== channel) return;
      const revision = revisionOf(message.payload);
      if (revision !== null) handlers.onRevision(revision);
    });
    connection.on("error", lost);
    connection.on("end", lost);
    try {
      await connection.query(`LISTEN ${channel}`);
    } catch (error) {
      closed = true;
      connection.release(true);
      throw toOrgKitError(error, "changes.listen");
    }
    return {
      async close() {
        if (closed) return;
        closed = true;
        try {
          await connection.query(`UNLISTEN ${channel}`);
          connection.release();
        } catch {
          connection.release(true);
        }
      },
    };
  }
  const listening = client as Partial<ListeningClient>;
  if (typeof listening.listen !== "function") throw unsupported("the client has neither connect() (a pool) nor listen() (PGlite)");
  let unlisten: () => Promise<void>;
  try {
    unlisten = await listening.listen(channel, (payload) => {
      const revision = revisionOf(payload);
      if (revision !== null) handlers.onRevision(revision);
    });
  } catch (error) {
    throw toOrgKitError(error, "changes.listen");
  }
  let closed = false;
  return {
    async close() {
      if (closed) return;
      closed = true;
      await unlisten();
    },
  };
}

function unsupported(why: string): OrgKitError {
  return new OrgKitError("STORAGE_FAILURE", `This PostgreSQL client cannot listen for changes: ${why}`, { details: { reason: "listen_unsupported" } });
}
