/**
 * Set-wise reads and writes of organizations, on any storage session: the ports' optional
 * set methods (`getManyByExternalId`, `findActiveByNames`, `ancestorIdsOfMany`,
 * `insertMany`) when the adapter has them, one query per chunk of a few thousand keys;
 * otherwise the single-row methods, one call per key, so an adapter written before the set
 * methods existed keeps working (only slower).
 *
 * @module
 */
import type { Organization } from "../domain/organization/schema.js";
import type { StorageSession } from "../storage/ports.js";

/** Keys sent per set-wise read: large enough to make a round trip worth it, small enough to bound one statement. */
export const READ_CHUNK = 5000;

/** Rows sent per set-wise insert (one multi-row statement on PostgreSQL). */
export const INSERT_CHUNK = 1000;

function chunks<T>(values: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < values.length; start += size) out.push(values.slice(start, start + size));
  return out;
}

/** The stored organizations with these external ids, by external id. */
export async function organizationsByExternalId(session: StorageSession, externalIds: readonly string[]): Promise<Map<string, Organization>> {
  const repository = session.organizations;
  const wanted = [...new Set(externalIds)];
  const found = new Map<string, Organization>();
  if (repository.getManyByExternalId) {
    for (const chunk of chunks(wanted, READ_CHUNK)) {
      for (const organization of await repository.getManyByExternalId(chunk)) found.set(organization.externalId!, organization);
    }
    return found;
  }
  for (const externalId of wanted) {
    const organization = await repository.getByExternalId(externalId);
    if (organization !== null) found.set(externalId, organization);
  }
  return found;
}

/** The active organizations holding one of these names (compared lower-cased), each once. */
export async function activeOrganizationsNamed(session: StorageSession, names: readonly string[]): Promise<Organization[]> {
  const repository = session.organizations;
  const wanted = [...new Set(names.map((name) => name.toLowerCase()))];
  const found = new Map<string, Organization>();
  if (repository.findActiveByNames) {
    for (const chunk of chunks(wanted, READ_CHUNK)) {
      for (const organization of await repository.findActiveByNames(chunk)) found.set(organization.id, organization);
    }
  } else {
    // `findActiveByName` returns one organization per name: enough, since the service keeps active names unique.
    for (const name of wanted) {
      const organization = await repository.findActiveByName(name);
      if (organization !== null) found.set(organization.id, organization);
    }
  }
  return [...found.values()];
}

/** The ancestor ids (nearest first) of each of these stored organizations, by id. */
export async function ancestorIdsById(session: StorageSession, ids: readonly string[]): Promise<Map<string, readonly string[]>> {
  const repository = session.organizations;
  const wanted = [...new Set(ids)];
  const found = new Map<string, readonly string[]>();
  if (repository.ancestorIdsOfMany) {
    for (const chunk of chunks(wanted, READ_CHUNK)) {
      for (const { id, ancestorIds } of await repository.ancestorIdsOfMany(chunk)) found.set(id, ancestorIds);
    }
    return found;
  }
  for (const id of wanted) found.set(id, (await repository.ancestors(id)).map((a) => a.id));
  return found;
}

/** Inserts new organizations in this order, all or nothing per call of the port (a multi-row statement), or one by one. */
export async function insertOrganizations(session: StorageSession, organizations: readonly Organization[]): Promise<void> {
  const repository = session.organizations;
  if (organizations.length === 0) return;
  if (repository.insertMany) {
    await repository.insertMany(organizations);
    return;
  }
  for (const organization of organizations) await repository.insert(organization);
}
