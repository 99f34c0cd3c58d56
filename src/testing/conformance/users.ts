import { expect } from "./test-api.js";
import type { MemberRuleRecord } from "../../domain/membership/model.js";
import { expectDetached, expectOrgKitError, expectStrictlyIncreasing, readAllPages, scribble } from "./assertions.js";
import type { ConformanceSuite } from "./context.js";
import { at, idsOf, mutableCopy, user } from "./fixtures.js";

type RuleQuery = Pick<MemberRuleRecord, "kind" | "value" | "includeSubdomains">;

/** `UserRepository`: reads, insert/update, `findMatching` per rule kind, scan. */
export const usersSuite: ConformanceSuite = {
  name: "users",
  define(ctx) {
    ctx.test("unknown users read as null or nothing", async () => {
      const ns = ctx.namespace();
      expect(await ctx.storage.users.get(`${ns}-missing`)).toBeNull();
      expect(await ctx.storage.users.getMany([`${ns}-missing`])).toEqual([]);
      expect(await ctx.storage.users.getMany([])).toEqual([]);
      expect(await ctx.storage.users.findMatching({ kind: "email", value: `nobody@${ns}.example`, includeSubdomains: false }, { limit: 10 })).toEqual([]);
    });

    ctx.test("insert stores the user exactly as given", async () => {
      const ns = ctx.namespace();
      const ann = user(`${ns}-ann`, {
        kind: "agent",
        emails: [`ann@${ns}.example`, `ann.other@sub.${ns}.example`],
        username: `ann-${ns}`,
        phones: ["+14155550100"],
        registered: false,
        usergroupIds: ["ug_1", "ug_2"],
        platformRole: "admin",
        createdAt: at(1),
        updatedAt: at(2),
        version: 4,
      });
      await ctx.storage.users.insert(ann);
      expect(await ctx.storage.users.get(ann.id)).toEqual(ann);
      if (ctx.inspect) {
        const raw = await ctx.inspect.user(ann.id);
        expect(raw, "the raw inspector sees the inserted user").not.toBeNull();
        expect(raw!.id).toBe(ann.id);
        expect(raw!.emails).toEqual(ann.emails);
        expect(Number(raw!.version)).toBe(4);
      }
    });

    ctx.test("insert of a taken id is CONFLICT (unique) and changes nothing", async () => {
      const ns = ctx.namespace();
      const ann = user(`${ns}-ann`, { emails: [`ann@${ns}.example`] });
      await ctx.storage.users.insert(ann);
      await expectOrgKitError(ctx.storage.users.insert({ ...ann, emails: [`other@${ns}.example`] }), "CONFLICT", "unique");
      expect(await ctx.storage.users.get(ann.id)).toEqual(ann);
      expect(await ctx.storage.users.findMatching({ kind: "email", value: `other@${ns}.example`, includeSubdomains: false }, { limit: 5 })).toEqual([]);
    });

    ctx.test("update checks the expected version; a missing user is NOT_FOUND", async () => {
      const ns = ctx.namespace();
      const v1 = user(`${ns}-ann`);
      await ctx.storage.users.insert(v1);
      const v2 = { ...v1, username: `ann-${ns}`, updatedAt: at(10), version: 2 };
      await ctx.storage.users.update(v2, 1);
      expect(await ctx.storage.users.get(v1.id)).toEqual(v2);
      await expectOrgKitError(ctx.storage.users.update({ ...v1, username: "lost", version: 2 }, 1), "CONFLICT", "version");
      expect(await ctx.storage.users.get(v1.id)).toEqual(v2);
      await expectOrgKitError(ctx.storage.users.update(user(`${ns}-missing`, { version: 2 }), 1), "NOT_FOUND");
      expect(await ctx.storage.users.get(`${ns}-missing`)).toBeNull();
      if (ctx.inspect) expect(Number((await ctx.inspect.user(v1.id))?.version)).toBe(2);
    });

    ctx.test("getMany returns the existing users in the order of the ids", async () => {
      const ns = ctx.namespace();
      for (const id of ["a", "b", "c"]) await ctx.storage.users.insert(user(`${ns}-${id}`));
      expect(idsOf(await ctx.storage.users.getMany([`${ns}-c`, `${ns}-x`, `${ns}-a`]))).toEqual([`${ns}-c`, `${ns}-a`]);
    });

    ctx.test("returned and inserted users are detached", async () => {
      const ns = ctx.namespace();
      const original = user(`${ns}-ann`, { emails: [`ann@${ns}.example`], phones: ["+14155550100"] });
      const input = mutableCopy(original);
      await ctx.storage.users.insert(input);
      scribble(input);
      expect(await ctx.storage.users.get(original.id)).toEqual(original);
      await expectDetached(await ctx.storage.users.get(original.id), () => ctx.storage.users.get(original.id));
      const rule: RuleQuery = { kind: "email", value: `ann@${ns}.example`, includeSubdomains: false };
      await expectDetached(await ctx.storage.users.findMatching(rule, { limit: 5 }), () => ctx.storage.users.findMatching(rule, { limit: 5 }));
      expect(idsOf(await ctx.storage.users.findMatching(rule, { limit: 5 }))).toEqual([original.id]);
    });

    ctx.test("findMatching: email, username and phone rules match equal values", async () => {
      const ns = ctx.namespace();
      await ctx.storage.users.insert(user(`${ns}-b`, { emails: [`bob@${ns}.example`, `shared@${ns}.example`], username: `bob-${ns}`, phones: ["+14155550101"] }));
      await ctx.storage.users.insert(user(`${ns}-a`, { emails: [`shared@${ns}.example`], username: `ann-${ns}`, phones: ["+14155550100", "+14155550101"] }));
      await ctx.storage.users.insert(user(`${ns}-c`, { emails: [`bob@${ns}.example.org`], username: `bob-${ns}x` }));
      const find = async (kind: RuleQuery["kind"], value: string) => idsOf(await ctx.storage.users.findMatching({ kind, value, includeSubdomains: false }, { limit: 100 }));
      expect(await find("email", `bob@${ns}.example`)).toEqual([`${ns}-b`]);
      expect(await find("email", `shared@${ns}.example`)).toEqual([`${ns}-a`, `${ns}-b`]);
      expect(await find("email", `bob@${ns}`)).toEqual([]);
      expect(await find("username", `bob-${ns}`)).toEqual([`${ns}-b`]);
      expect(await find("username", `bob`)).toEqual([]);
      expect(await find("phone", "+14155550101")).toEqual(expect.arrayContaining([`${ns}-a`, `${ns}-b`]));
      expect((await find("phone", "+14155550101")).filter((id) => id.startsWith(ns))).toEqual([`${ns}-a`, `${ns}-b`]);
      expect(await find("phone", "+1415555010")).toEqual([]);
    });

    ctx.test("findMatching: a domain matches the email host, and its subdomains only with includeSubdomains", async () => {
      const ns = ctx.namespace();
      const d = `${ns}.example`;
      const hosts: [string, string][] = [
        ["u1", d],
        ["u2", `sub.${d}`],
        ["u3", `deep.sub.${d}`],
        ["u4", `foo${d}`],
        ["u5", `${d}.org`],
        ["u6", `${ns}-x.example`],
        ["u7", `sub-${d}`],
      ];
      for (const [id, host] of hosts) await ctx.storage.users.insert(user(`${ns}-${id}`, { emails: [`someone@${host}`] }));
      const find = async (value: string, includeSubdomains: boolean) => idsOf(await ctx.storage.users.findMatching({ kind: "domain", value, includeSubdomains }, { limit: 100 }));
      expect(await find(d, false)).toEqual([`${ns}-u1`]);
      expect(await find(d, true)).toEqual([`${ns}-u1`, `${ns}-u2`, `${ns}-u3`]);
      expect(await find(`sub.${d}`, false)).toEqual([`${ns}-u2`]);
      expect(await find(`sub.${d}`, true)).toEqual([`${ns}-u2`, `${ns}-u3`]);
      expect(await find(`deep.sub.${d}`, true)).toEqual([`${ns}-u3`]);
      expect(await find(`oo${d}`, true)).toEqual([]);
      expect(await find(`example`, false)).toEqual([]);
    });

    ctx.test("findMatching lists each user once, ordered by id, a page at a time", async () => {
      const ns = ctx.namespace();
      const d = `${ns}.example`;
      const specs: [string, string[]][] = [
        ["e", [`e@${d}`]],
        ["B", [`b1@x.${d}`, `b2@y.${d}`, `b3@${d}`]],
        ["a", [`a@y.${d}`]],
        ["_", [`u@x.${d}`]],
        ["c", [`c@other.example`]],
        ["d", [`d@x.${d}`]],
      ];
      for (const [id, emails] of specs) await ctx.storage.users.insert(user(`${ns}-${id}`, { emails }));
      const rule: RuleQuery = { kind: "domain", value: d, includeSubdomains: true };
      const expected = [`${ns}-B`, `${ns}-_`, `${ns}-a`, `${ns}-d`, `${ns}-e`];
      expect(idsOf(await ctx.storage.users.findMatching(rule, { limit: 100 }))).toEqual(expected);
      for (const limit of [1, 2, 4]) {
        const all = await readAllPages((after, pageLimit) => ctx.storage.users.findMatching(rule, { after, limit: pageLimit }), (u) => u.id, limit);
        expect(idsOf(all), `limit ${limit}`).toEqual(expected);
      }
      expect(idsOf(await ctx.storage.users.findMatching(rule, { after: `${ns}-_`, limit: 2 }))).toEqual([`${ns}-a`, `${ns}-d`]);
    });

    ctx.test("findMatching follows updates of emails, username and phones", async () => {
      const ns = ctx.namespace();
      const v1 = user(`${ns}-ann`, { emails: [`ann@old.${ns}.example`], username: `ann-${ns}`, phones: ["+14155550100"] });
      await ctx.storage.users.insert(v1);
      await ctx.storage.users.update({ ...v1, emails: [`ann@new.${ns}.example`], username: `anne-${ns}`, phones: [], version: 2 }, 1);
      const find = async (kind: RuleQuery["kind"], value: string, includeSubdomains = false) =>
        idsOf(await ctx.storage.users.findMatching({ kind, value, includeSubdomains }, { limit: 10 }));
      expect(await find("email", `ann@old.${ns}.example`)).toEqual([]);
      expect(await find("domain", `old.${ns}.example`)).toEqual([]);
      expect(await find("email", `ann@new.${ns}.example`)).toEqual([v1.id]);
      expect(await find("domain", `${ns}.example`, true)).toEqual([v1.id]);
      expect(await find("username", `ann-${ns}`)).toEqual([]);
      expect(await find("username", `anne-${ns}`)).toEqual([v1.id]);
      expect(await find("phone", "+14155550100")).not.toContain(v1.id);
    });

    ctx.test("scan pages through every user in id order", async () => {
      const ns = ctx.namespace();
      for (const id of ["b", "B", "a", "_"]) await ctx.storage.users.insert(user(`${ns}-${id}`));
      const all = await readAllPages((after, limit) => ctx.storage.users.scan({ after, limit }), (u) => u.id, 3);
      expectStrictlyIncreasing(idsOf(all));
      expect(idsOf(all).filter((id) => id.startsWith(`${ns}-`))).toEqual([`${ns}-B`, `${ns}-_`, `${ns}-a`, `${ns}-b`]);
    });

    ctx.test("findMatching and scan reject page sizes outside 1–1000", async () => {
      const rule: RuleQuery = { kind: "domain", value: "example.com", includeSubdomains: true };
      for (const limit of [0, 1001, 0.5]) {
        await expectOrgKitError(ctx.storage.users.findMatching(rule, { limit }), "VALIDATION_FAILED");
        await expectOrgKitError(ctx.storage.users.scan({ limit }), "VALIDATION_FAILED");
      }
    });
  },
};
