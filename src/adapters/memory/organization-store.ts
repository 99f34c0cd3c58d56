import type { Organization } from "../../domain/organization/schema.js";
import { uniqueConflict } from "../../errors.js";
import { walkAncestors, walkSubtree } from "../../permissions/tree.js";
import type { KeysetOptions, OrganizationRepository, OrganizationSearchQuery, SearchPage } from "../../storage/ports.js";
import { versionConflict } from "../../errors.js";
import { checkRecord, checkString, checkVersion, invalidArgument, notFound, readIncludeDiscontinued, readKeyset } from "./arguments.js";
import { freezeCopy } from "./detach.js";
import { IndexedTable } from "./indexed-table.js";
import type { Journal } from "./journal.js";
import { MultiIndex } from "./multi-index.js";
import { organizationRow, parseMemorySearch, searchOrganizations, type OrganizationRow } from "./organization-search.js";
import { SortedKeys } from "./sorted-keys.js";
import type { SyncRepository } from "./sync-repository.js";

const parentOfOrganization = (organization: Organization) => organization.parentId;

/**
 * Organizations, indexed by id (sorted, for `scan`), external id, active lower-cased
 * name, and parent (sorted children, for the hierarchy queries).
 *
 * @internal
 */
export class OrganizationStore extends IndexedTable<OrganizationRow> implements SyncRepository<OrganizationRepository> {
  private readonly ids = new SortedKeys();
  private readonly byExternalId = new Map<string, string>();
  private readonly activeByName = new MultiIndex();
  private readonly childrenByParent = new MultiIndex();
  private readonly roots = new SortedKeys();

  constructor(
    journal: Journal,
    private readonly uniqueNames: boolean,
  ) {
    super(journal);
  }

  protected index(id: string, row: OrganizationRow): void {
    const organization = row.organization;
    this.ids.add(id);
    if (organization.externalId !== null) this.byExternalId.set(organization.externalId, id);
    if (organization.status === "active") this.activeByName.add(row.lowerName, id);
    if (organization.parentId === null) this.roots.add(id);
    else this.childrenByParent.add(organization.parentId, id);
  }

  protected unindex(id: string, row: OrganizationRow): void {
    const organization = row.organization;
    this.ids.delete(id);
    if (organization.externalId !== null && this.byExternalId.get(organization.externalId) === id) this.byExternalId.delete(organization.externalId);
    if (organization.status === "active") this.activeByName.remove(row.lowerName, id);
    if (organization.parentId === null) this.roots.delete(id);
    else this.childrenByParent.remove(organization.parentId, id);
  }

  private childIds(parentId: string | null): SortedKeys | undefined {
    return parentId === null ? this.roots : this.childrenByParent.get(parentId);
  }

  private organization(id: string): Organization | null {
    return this.rows.get(id)?.organization ?? null;
  }

  /** Throws CONFLICT (unique) when `organization`'s external id or active name belongs to another organization. */
  private checkUnique(organization: Organization, lowerName: string): void {
    if (organization.externalId !== null) {
      const owner = this.byExternalId.get(organization.externalId);
      if (owner !== undefined && owner !== organization.id) {
        throw uniqueConflict(`External id '${organization.externalId}' already belongs to another organization`, {
          entity: "organization",
          field: "externalId",
          id: organization.id,
          existingId: owner,
        });
      }
    }
    if (this.uniqueNames && organization.status === "active") {
      let clash: string | undefined;
      this.activeByName.get(lowerName)?.forEachFrom(null, true, (id) => {
        if (id !== organization.id) clash = id;
        return clash === undefined;
      });
      if (clash !== undefined) {
        throw uniqueConflict(`Another active organization is already named '${organization.name}'`, {
          entity: "organization",
          field: "name",
          id: organization.id,
          existingId: clash,
        });
      }
    }
  }

  get(id: string): Organization | null {
    return this.organization(checkString(id, "id"));
  }

  getMany(ids: readonly string[]): Organization[] {
    if (!Array.isArray(ids)) throw invalidArgument("ids", "must be an array of ids");
    const out: Organization[] = [];
    for (const id of ids) {
      const organization = this.organization(checkString(id, "ids"));
      if (organization !== null) out.push(organization);
    }
    return out;
  }

  getByExternalId(externalId: string): Organization | null {
    const id = this.byExternalId.get(checkString(externalId, "externalId"));
    return id === undefined ? null : this.organization(id);
  }

  findActiveByName(name: string): Organization | null {
    const ids = this.activeByName.get(checkString(name, "name").toLowerCase());
    const first = ids?.take(null, 1)[0];
    return first === undefined ? null : this.organization(first);
  }

  insert(organization: Organization): void {
    const stored = freezeCopy(checkRecord(organization, "organization"));
    if (this.rows.has(stored.id)) {
      throw uniqueConflict(`Organization ${stored.id} already exists`, { entity: "organization", field: "id", id: stored.id });
    }
    const row = organizationRow(stored);
    this.checkUnique(stored, row.lowerName);
    this.write(stored.id, row);
  }

  update(organization: Organization, expectedVersion: number): void {
    const stored = freezeCopy(checkRecord(organization, "organization"));
    const current = this.rows.get(stored.id);
    if (current === undefined) throw notFound("organization", stored.id);
    checkVersion("organization", stored.id, current.organization.version, expectedVersion);
    const row = organizationRow(stored);
    this.checkUnique(stored, row.lowerName);
    this.write(stored.id, row);
  }

  children(parentId: string | null, options?: KeysetOptions): Organization[] {
    if (parentId !== null) checkString(parentId, "parentId");
    const ids = this.childIds(parentId);
    if (options === undefined) return ids === undefined ? [] : ids.toArray().map((id) => this.rows.get(id)!.organization);
    const { after, limit } = readKeyset(options);
    return ids === undefined ? [] : ids.take(after, limit).map((id) => this.rows.get(id)!.organization);
  }

  ancestors(id: string): Organization[] {
    // The service keeps the hierarchy acyclic; the walk's guard only keeps a corrupted store from looping forever.
    return walkAncestors(checkString(id, "id"), this.organizationsById, parentOfOrganization);
  }

  descendants(id: string, options: { readonly includeDiscontinued?: boolean } = {}): Organization[] {
    checkString(id, "id");
    const includeDiscontinued = readIncludeDiscontinued(options);
    const out: Organization[] = [];
    walkSubtree(id, this.organizationsById, this.childIdsOfNode, (organization, depth) => {
      if (depth === 0) return true;
      if (!includeDiscontinued && organization.status === "discontinued") return false;
      out.push(organization);
      return true;
    });
    return out;
  }

  descendantIds(id: string): string[] {
    checkString(id, "id");
    const out: string[] = [];
    walkSubtree(id, this.organizationsById, this.childIdsOfNode, (organization, depth) => {
      if (depth > 0) out.push(organization.id);
      return true;
    });
    return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  subtreeHeight(id: string): number {
    checkString(id, "id");
    let height = 0;
    walkSubtree(id, this.organizationsById, this.childIdsOfNode, (_, depth) => {
      if (depth > height) height = depth;
      return true;
    });
    return height;
  }

  /** The rows as the tree walks see them (`permissions/tree.ts`). */
  private readonly organizationsById = { get: (id: string) => this.rows.get(id)?.organization };
  private readonly childIdsOfNode = (_: Organization, id: string) => this.childIds(id)?.toArray();

  search(query: OrganizationSearchQuery): SearchPage<Organization> {
    const parsed = parseMemorySearch(query);
    if (parsed.parentId === undefined) return searchOrganizations(this.rows.values(), parsed);
    const rows = this.rows;
    const ids = this.childIds(parsed.parentId);
    return searchOrganizations(ids === undefined ? [] : ids.toArray().map((id) => rows.get(id)!), parsed);
  }

  scan(options: KeysetOptions): Organization[] {
    const { after, limit } = readKeyset(options);
    return this.ids.take(after, limit).map((id) => this.rows.get(id)!.organization);
  }

  getManyByExternalId(externalIds: readonly string[]): Organization[] {
    if (!Array.isArray(externalIds)) throw invalidArgument("externalIds", "must be an array of external ids");
    const out: Organization[] = [];
    for (const externalId of externalIds) {
      const id = this.byExternalId.get(checkString(externalId, "externalIds"));
      if (id !== undefined) out.push(this.rows.get(id)!.organization);
    }
    return out;
  }

  findActiveByNames(names: readonly string[]): Organization[] {
    if (!Array.isArray(names)) throw invalidArgument("names", "must be an array of names");
    const ids = new Set<string>();
    for (const name of names) {
      this.activeByName.get(checkString(name, "names").toLowerCase())?.forEachFrom(null, true, (id) => {
        ids.add(id);
        return true;
      });
    }
    return [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((id) => this.rows.get(id)!.organization);
  }

  ancestorIdsOfMany(ids: readonly string[]): { id: string; ancestorIds: string[] }[] {
    if (!Array.isArray(ids)) throw invalidArgument("ids", "must be an array of ids");
    const out: { id: string; ancestorIds: string[] }[] = [];
    for (const id of ids) {
      if (!this.rows.has(checkString(id, "ids"))) continue;
      out.push({ id, ancestorIds: walkAncestors(id, this.organizationsById, parentOfOrganization).map((a) => a.id) });
    }
    return out;
  }

  /** All or nothing: the storage runs every call atomically, so a clash undoes the rows inserted before it. */
  insertMany(organizations: readonly Organization[]): void {
    if (!Array.isArray(organizations)) throw invalidArgument("organizations", "must be an array of organizations");
    for (const organization of organizations) this.insert(organization);
  }

  /** Checks every child first, then writes them: all or nothing. */
  moveChildren(fromParentId: string, children: readonly Organization[]): void {
    checkString(fromParentId, "fromParentId");
    if (!Array.isArray(children)) throw invalidArgument("children", "must be an array of organizations");
    const copies = children.map((child, i) => freezeCopy(checkRecord(child, `children.${i}`)));
    const seen = new Set<string>();
    const rows = copies.map((stored, i) => {
      if (seen.has(stored.id)) throw invalidArgument(`children.${i}.id`, "must not repeat an earlier child");
      seen.add(stored.id);
      if (stored.parentId !== copies[0]!.parentId) throw invalidArgument(`children.${i}.parentId`, "must be the same new parent for every child");
      if (stored.parentId === fromParentId) throw invalidArgument(`children.${i}.parentId`, "must differ from fromParentId");
      const current = this.rows.get(stored.id);
      if (current === undefined) throw notFound("organization", stored.id);
      const expected = stored.version - 1;
      if (current.organization.parentId !== fromParentId) throw versionConflict("organization", stored.id, expected, current.organization.version);
      checkVersion("organization", stored.id, current.organization.version, expected);
      return organizationRow(stored);
    });
    for (const row of rows) this.checkUnique(row.organization, row.lowerName);
    for (const row of rows) this.write(row.organization.id, row);
  }
}
