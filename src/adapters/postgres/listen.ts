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
import { DEFAULT_TENANT } from "../../storage/tenant.js";

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

/**
 * The revision a notification announces for `tenant`, or `null` when it is another
 * tenant's (or not a revision). Payloads are `"<revision> <tenant>"`; a bare revision
 * (sent before tenants existed) is the default tenant's.
 */
function revisionOf(payload: string | undefined, tenant: string): number | null {
  if (typeof payload !== "string") return null;
  const space = payload.indexOf(" ");
  const announced = space < 0 ? DEFAULT_TENANT : payload.slice(space + 1);
  if (announced !== tenant) return null;
  const revision = Number(space < 0 ? payload : payload.slice(0, space));
  return Number.isSafeInteger(revision) && revision > 0 ? revision : null;
}

/** The NOTIFY payload of a tenant's revision (see {@link revisionOf}). */
export function notificationPayload(revision: number, tenant: string): string {
  return `${revision} ${tenant}`;
}

/** Listens for the revisions of one tenant on the schema's channel. */
export async function listenForChanges(client: PostgresClient, channel: string, tenant: string, handlers: StorageListenHandlers): Promise<StorageListener> {
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
      const revision = revisionOf(message.payload, tenant);
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
      const revision = revisionOf(payload, tenant);
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
