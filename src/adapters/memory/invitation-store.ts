import { uniqueConflict } from "../../errors.js";
import { acceptedByOf, INVITATION_STATUSES, type InvitationKind, type InvitationRecord } from "../../domain/invitation/model.js";
import type { InvitationListOptions, InvitationRepository, KeysetOptions } from "../../storage/ports.js";
import { checkRecord, checkString, checkVersion, invalidArgument, notFound, pairKey, readKeyset } from "./arguments.js";
import { freezeCopy } from "./detach.js";
import { IndexedTable } from "./indexed-table.js";
import { MultiIndex } from "./multi-index.js";
import { SortedKeys } from "./sorted-keys.js";
import type { SyncRepository } from "./sync-repository.js";

const KEYS = ["id", "organizationId", "kind", "address", "tokenHash", "status"] as const;

/** `kind ␀ address`: the key of an address across organizations. */
const addressKey = (kind: string, address: string) => pairKey(kind, address);
/** `organizationId ␀ kind ␀ address`: at most one pending invitation each. */
const pendingKey = (invitation: InvitationRecord) => pairKey(invitation.organizationId, addressKey(invitation.kind, invitation.address));

/**
 * Invitations keyed by id, indexed by token hash (unique), by pending
 * (organization, kind, address) (unique), by organization (and organization and
 * state), by address and by the user who accepted them.
 *
 * @internal
 */
export class InvitationStore extends IndexedTable<InvitationRecord> implements SyncRepository<InvitationRepository> {
  private readonly keys = new SortedKeys();
  private readonly byTokenHash = new Map<string, string>();
  private readonly pending = new Map<string, string>();
  private readonly byOrganization = new MultiIndex();
  private readonly byOrganizationStatus = new MultiIndex();
  private readonly byAddress = new MultiIndex();
  private readonly byAcceptedUser = new MultiIndex();

  protected index(id: string, invitation: InvitationRecord): void {
    this.keys.add(id);
    this.byTokenHash.set(invitation.tokenHash, id);
    if (invitation.status === "pending") this.pending.set(pendingKey(invitation), id);
    this.byOrganization.add(invitation.organizationId, id);
    this.byOrganizationStatus.add(pairKey(invitation.organizationId, invitation.status), id);
    this.byAddress.add(addressKey(invitation.kind, invitation.address), id);
    const acceptedBy = acceptedByOf(invitation);
    if (acceptedBy !== null) this.byAcceptedUser.add(acceptedBy, id);
  }

  protected unindex(id: string, invitation: InvitationRecord): void {
    this.keys.delete(id);
    if (this.byTokenHash.get(invitation.tokenHash) === id) this.byTokenHash.delete(invitation.tokenHash);
    if (invitation.status === "pending" && this.pending.get(pendingKey(invitation)) === id) this.pending.delete(pendingKey(invitation));
    this.byOrganization.remove(invitation.organizationId, id);
    this.byOrganizationStatus.remove(pairKey(invitation.organizationId, invitation.status), id);
    this.byAddress.remove(addressKey(invitation.kind, invitation.address), id);
    const acceptedBy = acceptedByOf(invitation);
    if (acceptedBy !== null) this.byAcceptedUser.remove(acceptedBy, id);
  }

  get(id: string): InvitationRecord | null {
    return this.rows.get(checkString(id, "id")) ?? null;
  }

  getByTokenHash(tokenHash: string): InvitationRecord | null {
    const id = this.byTokenHash.get(checkString(tokenHash, "tokenHash"));
    return id === undefined ? null : this.rows.get(id)!;
  }

  findPending(organizationId: string, kind: InvitationKind, address: string): InvitationRecord | null {
    checkString(organizationId, "organizationId");
    checkString(kind, "kind");
    checkString(address, "address");
    const id = this.pending.get(pairKey(organizationId, addressKey(kind, address)));
    return id === undefined ? null : this.rows.get(id)!;
  }

  insert(invitation: InvitationRecord): void {
    const stored = freezeCopy(checkRecord(invitation, "invitation", KEYS));
    if (this.rows.has(stored.id)) throw uniqueConflict(`The invitation ${stored.id} already exists`, { entity: "invitation", field: "id", id: stored.id });
    this.checkUnique(stored);
    this.write(stored.id, stored);
  }

  update(invitation: InvitationRecord, expectedVersion: number): void {
    const stored = freezeCopy(checkRecord(invitation, "invitation", KEYS));
    if (!Number.isInteger(expectedVersion)) throw invalidArgument("expectedVersion", "must be an integer");
    const current = this.rows.get(stored.id);
    if (current === undefined) throw notFound("invitation", stored.id);
    checkVersion("invitation", stored.id, current.version, expectedVersion);
    this.checkUnique(stored);
    this.write(stored.id, stored);
  }

  /** The token hash, and a pending invitation's (organization, kind, address), belong to no other invitation. */
  private checkUnique(invitation: InvitationRecord): void {
    const holder = this.byTokenHash.get(invitation.tokenHash);
    if (holder !== undefined && holder !== invitation.id) {
      throw uniqueConflict("Another invitation has the same token hash", { entity: "invitation", field: "tokenHash", id: invitation.id });
    }
    if (invitation.status !== "pending") return;
    const pending = this.pending.get(pendingKey(invitation));
    if (pending !== undefined && pending !== invitation.id) {
      throw uniqueConflict(`Organization ${invitation.organizationId} already has a pending invitation to this ${invitation.kind}`, {
        entity: "invitation",
        field: "address",
        id: invitation.id,
        existingId: pending,
      });
    }
  }

  listByOrganization(organizationId: string, options: InvitationListOptions): InvitationRecord[] {
    checkString(organizationId, "organizationId");
    const { after, limit } = readKeyset(options);
    const status = options.status;
    if (status !== undefined && !(INVITATION_STATUSES as readonly unknown[]).includes(status)) throw invalidArgument("status", `must be one of ${INVITATION_STATUSES.join(", ")}`);
    const ids = status === undefined ? this.byOrganization.get(organizationId) : this.byOrganizationStatus.get(pairKey(organizationId, status));
    return ids === undefined ? [] : ids.take(after, limit).map((id) => this.rows.get(id)!);
  }

  deleteByAddress(kind: InvitationKind, address: string): number {
    const ids = this.byAddress.get(addressKey(checkString(kind, "kind"), checkString(address, "address")))?.toArray() ?? [];
    for (const id of ids) this.write(id, undefined);
    return ids.length;
  }

  deleteAcceptedBy(userId: string): number {
    const ids = this.byAcceptedUser.get(checkString(userId, "userId"))?.toArray() ?? [];
    for (const id of ids) this.write(id, undefined);
    return ids.length;
  }

  scan(options: KeysetOptions): InvitationRecord[] {
    const { after, limit } = readKeyset(options);
    return this.keys.take(after, limit).map((id) => this.rows.get(id)!);
  }
}
