import { expect } from "./test-api.js";
import type { InvitationRecord } from "../../domain/invitation/model.js";
import type { InvitationRepository, Storage } from "../../storage/ports.js";
import { expectDetached, expectOrgKitError, expectStrictlyIncreasing, readAllPages, scribble } from "./assertions.js";
import type { ConformanceContext, ConformanceSuite } from "./context.js";
import { at, idsOf, invitation, mutableCopy, SUITE_ACTOR } from "./fixtures.js";

/** The storage's invitation repository; the suite fails (rather than skips) without one: skip `"invitations"` for such an adapter. */
function repository(storage: Storage): InvitationRepository {
  const invitations = storage.invitations;
  if (invitations === undefined) expect.fail("the storage has no invitations repository (skip the \"invitations\" suite for an adapter without one)");
  return invitations;
}

/** The invitation ended (accepted by `userId`, or revoked/replaced by the suite's actor), one version on. */
function ended(record: InvitationRecord, status: "accepted" | "revoked" | "replaced", userId = "someone"): InvitationRecord {
  const by = status === "accepted" ? ({ type: "user", id: userId } as const) : SUITE_ACTOR;
  return { ...record, status, endedAt: at(100), endedBy: by, version: record.version + 1 };
}

async function rawCount(ctx: ConformanceContext): Promise<number | null> {
  return ctx.inspect ? ctx.inspect.count("invitations") : null;
}

/** `InvitationRepository`: one pending invitation per address and organization, token-hash look-ups, versioned endings, listings, erasure. */
export const invitationsSuite: ConformanceSuite = {
  name: "invitations",
  define(ctx) {
    ctx.test("unknown invitations read as null, empty or zero", async () => {
      const ns = ctx.namespace();
      const invitations = repository(ctx.storage);
      expect(await invitations.get(`${ns}-missing`)).toBeNull();
      expect(await invitations.getByTokenHash(`${ns}-missing`)).toBeNull();
      expect(await invitations.findPending(`${ns}-o`, "email", `${ns}@x.example`)).toBeNull();
      expect(await invitations.listByOrganization(`${ns}-o`, { limit: 10 })).toEqual([]);
      expect(await invitations.deleteByAddress("email", `${ns}@x.example`)).toBe(0);
      expect(await invitations.deleteAcceptedBy(`${ns}-u`)).toBe(0);
    });

    ctx.test("insert stores an invitation, found by id, token hash and pending address; the stored row holds the token's hash", async () => {
      const ns = ctx.namespace();
      const invitations = repository(ctx.storage);
      const before = await rawCount(ctx);
      const stored = invitation(`${ns}-i`, `${ns}-o`, { address: `${ns}@x.example`, role: "Billing Contact", admin: true, expiresAt: at(600) });
      const input = mutableCopy(stored);
      await invitations.insert(input);
      scribble(input);
      expect(await invitations.get(stored.id)).toEqual(stored);
      expect(await invitations.getByTokenHash(stored.tokenHash)).toEqual(stored);
      expect(await invitations.findPending(`${ns}-o`, "email", `${ns}@x.example`)).toEqual(stored);
      // Exact matches only: another kind, organization or spelling is another address.
      expect(await invitations.findPending(`${ns}-o`, "phone", `${ns}@x.example`)).toBeNull();
      expect(await invitations.findPending(`${ns}-O`, "email", `${ns}@x.example`)).toBeNull();
      expect(await invitations.findPending(`${ns}-o`, "email", `${ns}@X.example`)).toBeNull();
      expect(await invitations.getByTokenHash(stored.tokenHash.toUpperCase())).toBeNull();
      if (ctx.inspect) {
        expect(await ctx.inspect.count("invitations")).toBe(before! + 1);
        if (ctx.inspect.invitation) {
          const raw = await ctx.inspect.invitation(stored.id);
          expect(raw, "the raw inspector sees the invitation").not.toBeNull();
          expect(raw).toMatchObject({ id: stored.id, organizationId: `${ns}-o`, kind: "email", address: `${ns}@x.example`, tokenHash: stored.tokenHash, status: "pending" });
          expect(Number(raw!["version"])).toBe(1);
        }
      }
    });

    ctx.test("returned invitations are detached", async () => {
      const ns = ctx.namespace();
      const invitations = repository(ctx.storage);
      await invitations.insert(invitation(`${ns}-i`, `${ns}-o`));
      await expectDetached(await invitations.get(`${ns}-i`), () => invitations.get(`${ns}-i`));
      await expectDetached(await invitations.listByOrganization(`${ns}-o`, { limit: 10 }), () => invitations.listByOrganization(`${ns}-o`, { limit: 10 }));
    });

    ctx.test("insert refuses a taken id, a taken token hash and a second pending invitation to the same address, and writes nothing", async () => {
      const ns = ctx.namespace();
      const invitations = repository(ctx.storage);
      const first = invitation(`${ns}-i1`, `${ns}-o`, { address: `${ns}@x.example` });
      await invitations.insert(first);
      const before = await rawCount(ctx);
      // The id alone (another address and token hash).
      await expectOrgKitError(invitations.insert({ ...invitation(`${ns}-i9`, `${ns}-o`, { address: `${ns}-other@x.example` }), id: first.id }), "CONFLICT", "unique");
      await expectOrgKitError(invitations.insert(invitation(`${ns}-i2`, `${ns}-o`, { address: `${ns}-other@x.example`, tokenHash: first.tokenHash })), "CONFLICT", "unique");
      await expectOrgKitError(invitations.insert(invitation(`${ns}-i3`, `${ns}-o`, { address: `${ns}@x.example` })), "CONFLICT", "unique");
      expect(await rawCount(ctx)).toBe(before);
      expect(await invitations.get(`${ns}-i2`)).toBeNull();
      expect(await invitations.get(`${ns}-i3`)).toBeNull();
      // The same address to another organization, as another kind, or not pending, is no clash.
      await invitations.insert(invitation(`${ns}-i4`, `${ns}-o2`, { address: `${ns}@x.example` }));
      await invitations.insert(invitation(`${ns}-i5`, `${ns}-o`, { kind: "phone", address: `${ns}@x.example` }));
      await invitations.insert(ended(invitation(`${ns}-i6`, `${ns}-o`, { address: `${ns}@x.example` }), "revoked"));
      expect(idsOf(await invitations.listByOrganization(`${ns}-o`, { limit: 10 }))).toEqual([`${ns}-i1`, `${ns}-i5`, `${ns}-i6`]);
    });

    ctx.test("update checks the version, so of two endings of one invitation only one counts; ending it frees its address", async () => {
      const ns = ctx.namespace();
      const invitations = repository(ctx.storage);
      const pending = invitation(`${ns}-i`, `${ns}-o`, { address: `${ns}@x.example` });
      await invitations.insert(pending);
      await expectOrgKitError(invitations.update(ended(pending, "revoked"), 2), "CONFLICT", "version");
      await expectOrgKitError(invitations.update(ended(invitation(`${ns}-missing`, `${ns}-o`), "revoked"), 1), "NOT_FOUND");
      expect(await invitations.get(pending.id)).toEqual(pending);
      const accepted = ended(pending, "accepted", `${ns}-u`);
      await invitations.update(accepted, 1);
      expect(await invitations.get(pending.id)).toEqual(accepted);
      expect(await invitations.getByTokenHash(pending.tokenHash)).toEqual(accepted);
      await expectOrgKitError(invitations.update(ended(pending, "revoked"), 1), "CONFLICT", "version");
      expect(await invitations.findPending(`${ns}-o`, "email", `${ns}@x.example`)).toBeNull();
      if (ctx.inspect?.invitation) expect(await ctx.inspect.invitation(pending.id)).toMatchObject({ status: "accepted" });
      // The address is free for a new pending invitation, and an update cannot make a second one pending.
      const next = invitation(`${ns}-j`, `${ns}-o`, { address: `${ns}@x.example` });
      await invitations.insert(next);
      await expectOrgKitError(invitations.update({ ...accepted, status: "pending", version: 3 }, 2), "CONFLICT", "unique");
      expect(await invitations.get(pending.id)).toEqual(accepted);
    });

    ctx.test("two transactions ending the same invitation at the same time: exactly one succeeds", async () => {
      const ns = ctx.namespace();
      const invitations = repository(ctx.storage);
      const pending = invitation(`${ns}-i`, `${ns}-o`);
      await invitations.insert(pending);
      const outcomes = await Promise.allSettled(
        [`${ns}-u1`, `${ns}-u2`].map((userId) => ctx.storage.transaction(async (tx) => repository(tx as Storage).update(ended(pending, "accepted", userId), 1))),
      );
      expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
      const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected")!.reason as { code: string; details: { reason: string } };
      expect([failure.code, failure.details.reason]).toEqual(["CONFLICT", "version"]);
      expect((await invitations.get(pending.id))?.version).toBe(2);
    });

    ctx.test("listByOrganization is ordered by id, paginated with after, and filtered by state", async () => {
      const ns = ctx.namespace();
      const invitations = repository(ctx.storage);
      const ids = [`${ns}-iB`, `${ns}-i_`, `${ns}-ia`, `${ns}-ib`]; // code-unit order: B < _ < a < b
      for (const [i, id] of [...ids].reverse().entries()) {
        const record = invitation(id, `${ns}-o`, { address: `${ns}-${i}@x.example` });
        await invitations.insert(i % 2 === 0 ? record : ended(record, "replaced"));
      }
      await invitations.insert(invitation(`${ns}-iz`, `${ns}-other`));
      expect(idsOf(await invitations.listByOrganization(`${ns}-o`, { limit: 100 }))).toEqual(ids);
      for (const limit of [1, 3]) {
        expect(idsOf(await readAllPages((after, pageLimit) => invitations.listByOrganization(`${ns}-o`, { after, limit: pageLimit }), (i) => i.id, limit))).toEqual(ids);
      }
      expect(idsOf(await invitations.listByOrganization(`${ns}-o`, { limit: 100, status: "pending" }))).toEqual([`${ns}-i_`, `${ns}-ib`]);
      expect(idsOf(await invitations.listByOrganization(`${ns}-o`, { limit: 100, status: "replaced" }))).toEqual([`${ns}-iB`, `${ns}-ia`]);
      expect(idsOf(await invitations.listByOrganization(`${ns}-o`, { after: `${ns}-iB`, limit: 1, status: "replaced" }))).toEqual([`${ns}-ia`]);
      expect(await invitations.listByOrganization(`${ns}-o`, { limit: 100, status: "accepted" })).toEqual([]);
      for (const options of [{ limit: 0 }, { limit: 1001 }, { limit: 10, status: "expired" }]) {
        await expectOrgKitError(invitations.listByOrganization(`${ns}-o`, options as never), "VALIDATION_FAILED");
      }
    });

    ctx.test("deleteByAddress and deleteAcceptedBy remove exactly those invitations, in every state and organization (erasure)", async () => {
      const ns = ctx.namespace();
      const invitations = repository(ctx.storage);
      const address = `${ns}@x.example`;
      await invitations.insert(invitation(`${ns}-a1`, `${ns}-o1`, { address }));
      await invitations.insert(ended(invitation(`${ns}-a2`, `${ns}-o1`, { address }), "revoked"));
      await invitations.insert(ended(invitation(`${ns}-a3`, `${ns}-o2`, { address }), "accepted", `${ns}-u`));
      await invitations.insert(invitation(`${ns}-b1`, `${ns}-o1`, { kind: "phone", address })); // another kind
      await invitations.insert(invitation(`${ns}-b2`, `${ns}-o1`, { address: `${ns}-other@x.example` }));
      await invitations.insert(ended(invitation(`${ns}-b3`, `${ns}-o1`, { address: `${ns}-other2@x.example` }), "accepted", `${ns}-u`));
      await invitations.insert(ended(invitation(`${ns}-b4`, `${ns}-o1`, { address: `${ns}-other3@x.example` }), "revoked")); // ended by the suite, not accepted
      const before = await rawCount(ctx);
      expect(await invitations.deleteByAddress("email", address)).toBe(3);
      expect(await rawCount(ctx)).toBe(before === null ? null : before - 3);
      for (const id of [`${ns}-a1`, `${ns}-a2`, `${ns}-a3`]) expect(await invitations.get(id)).toBeNull();
      expect(await invitations.findPending(`${ns}-o1`, "email", address)).toBeNull();
      expect(await invitations.deleteAcceptedBy(`${ns}-u`)).toBe(1); // b3 (a3 went already)
      expect(await invitations.deleteAcceptedBy(`${ns}-u`)).toBe(0);
      expect(idsOf(await invitations.listByOrganization(`${ns}-o1`, { limit: 10 }))).toEqual([`${ns}-b1`, `${ns}-b2`, `${ns}-b4`]);
      // A deleted pending invitation's address is free again.
      await invitations.insert(invitation(`${ns}-c1`, `${ns}-o1`, { address }));
    });

    ctx.test("scan pages through every invitation by id", async () => {
      const ns = ctx.namespace();
      const invitations = repository(ctx.storage);
      const ids = [`${ns}-B`, `${ns}-_`, `${ns}-a`];
      for (const id of [...ids].reverse()) await invitations.insert(invitation(id, `${ns}-o`, { address: `${id}@x.example` }));
      for (const limit of [1, 2, 1000]) {
        const all = await readAllPages((after, pageLimit) => invitations.scan({ after, limit: pageLimit }), (i) => i.id, limit);
        expectStrictlyIncreasing(all.map((i) => i.id));
        expect(idsOf(all.filter((i) => i.organizationId === `${ns}-o`))).toEqual(ids);
      }
      await expectOrgKitError(invitations.scan({ limit: 0 }), "VALIDATION_FAILED");
    });

    ctx.test("a rolled-back transaction leaves no invitation and frees nothing it ended", async () => {
      const ns = ctx.namespace();
      const invitations = repository(ctx.storage);
      const pending = invitation(`${ns}-i`, `${ns}-o`, { address: `${ns}@x.example` });
      await invitations.insert(pending);
      const before = await rawCount(ctx);
      await expect(
        ctx.storage.transaction(async (tx) => {
          await repository(tx as Storage).update(ended(pending, "replaced"), 1);
          await repository(tx as Storage).insert(invitation(`${ns}-j`, `${ns}-o`, { address: `${ns}@x.example` }));
          throw new Error("rolled back");
        }),
      ).rejects.toThrow("rolled back");
      expect(await invitations.get(`${ns}-j`)).toBeNull();
      expect(await invitations.get(pending.id)).toEqual(pending);
      expect(await invitations.findPending(`${ns}-o`, "email", `${ns}@x.example`)).toEqual(pending);
      expect(await rawCount(ctx)).toBe(before);
    });
  },
};
