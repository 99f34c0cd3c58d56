import type { MemberRuleRecord, User } from "../../domain/membership/model.js";
import type { KeysetOptions, UserRepository } from "../../storage/ports.js";
import { uniqueConflict } from "../../errors.js";
import { checkRecord, checkString, checkVersion, invalidArgument, notFound, readKeyset } from "./arguments.js";
import { freezeCopy } from "./detach.js";
import { IndexedTable } from "./indexed-table.js";
import { MultiIndex } from "./multi-index.js";
import { SortedKeys } from "./sorted-keys.js";
import type { SyncRepository } from "./sync-repository.js";

/** The host of an email address (after the last `@`), or null. */
function emailHost(email: string): string | null {
  const at = email.lastIndexOf("@");
  return at < 0 || at === email.length - 1 ? null : email.slice(at + 1);
}

/**
 * `a.bar.example` → `example.bar.a`: with hosts stored label-reversed in a sorted set,
 * the subdomains of `bar.example` are exactly the keys starting with `example.bar.`, a
 * contiguous range, and `foobar.example` (`example.foobar`) is not among them.
 */
function reverseLabels(host: string): string {
  return host.split(".").reverse().join(".");
}

/**
 * Users, indexed by id (sorted), email, username, phone and email host (plus the
 * label-reversed hosts, so domain rules with subdomains are a range lookup).
 *
 * @internal
 */
export class UserStore extends IndexedTable<User> implements SyncRepository<UserRepository> {
  private readonly ids = new SortedKeys();
  private readonly byEmail = new MultiIndex();
  private readonly byUsername = new MultiIndex();
  private readonly byPhone = new MultiIndex();
  private readonly byHost = new MultiIndex();
  private readonly reversedHosts = new SortedKeys();

  protected index(id: string, user: User): void {
    this.ids.add(id);
    for (const email of user.emails) {
      this.byEmail.add(email, id);
      const host = emailHost(email);
      if (host !== null && this.byHost.add(host, id)) this.reversedHosts.add(reverseLabels(host));
    }
    if (user.username !== null) this.byUsername.add(user.username, id);
    for (const phone of user.phones) this.byPhone.add(phone, id);
  }

  protected unindex(id: string, user: User): void {
    this.ids.delete(id);
    for (const email of user.emails) {
      this.byEmail.remove(email, id);
      const host = emailHost(email);
      if (host !== null && this.byHost.remove(host, id)) this.reversedHosts.delete(reverseLabels(host));
    }
    if (user.username !== null) this.byUsername.remove(user.username, id);
    for (const phone of user.phones) this.byPhone.remove(phone, id);
  }

  get(id: string): User | null {
    return this.rows.get(checkString(id, "id")) ?? null;
  }

  getMany(ids: readonly string[]): User[] {
    if (!Array.isArray(ids)) throw invalidArgument("ids", "must be an array of ids");
    const out: User[] = [];
    for (const id of ids) {
      const user = this.rows.get(checkString(id, "ids"));
      if (user !== undefined) out.push(user);
    }
    return out;
  }

  insert(user: User): void {
    const stored = freezeCopy(checkRecord(user, "user"));
    if (this.rows.has(stored.id)) throw uniqueConflict(`User ${stored.id} already exists`, { entity: "user", field: "id", id: stored.id });
    this.write(stored.id, stored);
  }

  update(user: User, expectedVersion: number): void {
    const stored = freezeCopy(checkRecord(user, "user"));
    const current = this.rows.get(stored.id);
    if (current === undefined) throw notFound("user", stored.id);
    checkVersion("user", stored.id, current.version, expectedVersion);
    this.write(stored.id, stored);
  }

  delete(id: string): boolean {
    const key = checkString(id, "id");
    if (!this.rows.has(key)) return false;
    this.write(key, undefined);
    return true;
  }

  findMatching(rule: Pick<MemberRuleRecord, "kind" | "value" | "includeSubdomains">, options: KeysetOptions): User[] {
    checkRecord(rule, "rule", ["kind", "value"]);
    const { after, limit } = readKeyset(options);
    const sets: SortedKeys[] = [];
    const add = (set: SortedKeys | undefined) => {
      if (set !== undefined) sets.push(set);
    };
    switch (rule.kind) {
      case "email":
        add(this.byEmail.get(rule.value));
        break;
      case "username":
        add(this.byUsername.get(rule.value));
        break;
      case "phone":
        add(this.byPhone.get(rule.value));
        break;
      case "domain":
        add(this.byHost.get(rule.value));
        if (rule.includeSubdomains === true) {
          const prefix = `${reverseLabels(rule.value)}.`;
          this.reversedHosts.forEachFrom(prefix, true, (reversed) => {
            if (!reversed.startsWith(prefix)) return false;
            add(this.byHost.get(reverseLabels(reversed)));
            return true;
          });
        }
        break;
      default: {
        // Exhaustive over the rule kinds at compile time; a wrong value at run time is bad input.
        const kind: never = rule.kind;
        throw invalidArgument("rule.kind", `must be one of email, domain, username, phone, not '${String(kind)}'`);
      }
    }
    return this.mergePage(sets, after, limit).map((id) => this.rows.get(id)!);
  }

  /**
   * The first `limit` distinct ids after `after` across several sorted sets. Each set
   * contributes at most `limit` candidates, which is enough: the answer's ids are each
   * among the first `limit` of their own set.
   */
  private mergePage(sets: readonly SortedKeys[], after: string | null, limit: number): string[] {
    if (sets.length === 0) return [];
    if (sets.length === 1) return sets[0]!.take(after, limit);
    const candidates = new Set<string>();
    for (const set of sets) for (const id of set.take(after, limit)) candidates.add(id);
    return [...candidates].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, limit);
  }

  scan(options: KeysetOptions): User[] {
    const { after, limit } = readKeyset(options);
    return this.ids.take(after, limit).map((id) => this.rows.get(id)!);
  }
}
