import { describe, expectTypeOf, it } from "vitest";
import type { MemberRule } from "../../src/domain/matching/rule.js";
import type { MemberRuleRecord } from "../../src/domain/membership/model.js";
import type { OrganizationMemberRule } from "../../src/domain/organization/schema.js";
import type { RuleLookupKey } from "../../src/storage/ports.js";
import type { MemberRuleLookupKey } from "../../src/domain/matching/lookup-keys.js";

describe("one member-rule shape", () => {
  it("the organization's rules, storage records and lookup keys are views of orgkit/matching's MemberRule", () => {
    expectTypeOf<Readonly<OrganizationMemberRule>>().toEqualTypeOf<Omit<MemberRule, "organizationId">>();
    expectTypeOf<Omit<MemberRuleRecord, "exclusive" | "proof">>().toEqualTypeOf<MemberRule>();
    expectTypeOf<RuleLookupKey>().toEqualTypeOf<MemberRuleLookupKey>();
    expectTypeOf<MemberRuleLookupKey>().toEqualTypeOf<Pick<MemberRule, "kind" | "value">>();
  });
});
