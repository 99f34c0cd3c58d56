import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  isOrgKitError,
  type Organization,
} from "../../src/index.js";
import { addOrganizationTags, createOrganization, discontinueOrganization, linkOrganizationUsergroups, reactivateOrganization, removeOrganizationTags, renameOrganization, resolveOrganizationConfig, setOrganizationAllowedApps, setOrganizationAllowedRoles, setOrganizationCustomFields, setOrganizationStates, unlinkOrganizationUsergroups, updateOrganization, validateOrganization, type CommandContext, type CommandResult } from "../../src/domain/index.js";

const config = resolveOrganizationConfig({ customFields: [{ key: "seats", type: "number" }, { key: "tier", type: "select", options: ["a", "b"] }] });
const ctx: CommandContext = { now: "2026-03-01T10:00:00.000Z", config };

type Command = (organization: Organization) => CommandResult;

const word = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ]{0,15}$/);
// Ids are exact (never trimmed), so an id never ends with white space.
const idWord = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,15}$/);
const stateList = fc.subarray([...config.states]);

/** Commands that are valid for any active or discontinued organization (status-changing ones are chosen by state). */
const validCommand: fc.Arbitrary<Command> = fc.oneof(
  word.map((name) => (o: Organization) => renameOrganization(o, name, ctx)),
  stateList.map((states) => (o: Organization) => setOrganizationStates(o, states, ctx)),
  fc.array(word, { maxLength: 4 }).map((tags) => (o: Organization) => addOrganizationTags(o, tags, ctx)),
  fc.array(word, { maxLength: 4 }).map((tags) => (o: Organization) => removeOrganizationTags(o, tags, ctx)),
  fc.array(word, { maxLength: 3 }).map((roles) => (o: Organization) => setOrganizationAllowedRoles(o, roles, ctx)),
  fc.array(word, { maxLength: 3 }).map((apps) => (o: Organization) => setOrganizationAllowedApps(o, apps, ctx)),
  fc.array(idWord, { maxLength: 3 }).map((ids) => (o: Organization) => unlinkOrganizationUsergroups(o, ids, ctx)),
  fc.array(idWord, { maxLength: 3 }).map((ids) => (o: Organization) =>
    o.status === "active" ? linkOrganizationUsergroups(o, ids, ctx) : reactivateOrganization(o, ctx),
  ),
  fc.constant((o: Organization) => (o.status === "active" ? discontinueOrganization(o, ctx) : reactivateOrganization(o, ctx))),
  fc.record({ seats: fc.option(fc.integer(), { nil: null }), tier: fc.option(fc.constantFrom("a", "b"), { nil: null }) }).map(
    (values) => (o: Organization) => setOrganizationCustomFields(o, values, ctx),
  ),
  fc.record({ description: word, industry: word, city: word }).map(({ description, industry, city }) => (o: Organization) =>
    updateOrganization(o, { description, industry, address: { city } }, ctx),
  ),
);

/** Commands that must be refused with VALIDATION_FAILED whatever the organization. */
const invalidCommand: fc.Arbitrary<Command> = fc.oneof(
  fc.constantFrom("", "   ").map((name) => (o: Organization) => renameOrganization(o, name, ctx)),
  fc.string({ minLength: 1 }).filter((s) => !config.states.includes(s)).map((s) => (o: Organization) => setOrganizationStates(o, [s], ctx)),
  fc.constant((o: Organization) => addOrganizationTags(o, ["ok", ""], ctx)),
  fc.string().map((country) => (o: Organization) => updateOrganization(o, { address: { country: `${country}!!` } }, ctx)),
  fc.constant((o: Organization) => setOrganizationCustomFields(o, { seats: "many" as never }, ctx)),
  fc.constant((o: Organization) => updateOrganization(o, { name: "sneaky" } as never, ctx)),
);

describe("organization command sequences (property)", () => {
  it("any sequence of valid commands yields a schema-valid organization, version +1 per command", () => {
    fc.assert(
      fc.property(fc.array(validCommand, { maxLength: 30 }), (commands) => {
        let organization = createOrganization({ name: "Acme" }, { id: "org_1", now: ctx.now, config }).organization;
        for (const command of commands) {
          const before = organization.version;
          const result = command(organization);
          expect(result.organization.version).toBe(before + 1);
          expect(result.events).toHaveLength(1);
          expect(result.events[0]!.version).toBe(result.organization.version);
          organization = result.organization;
          expect(validateOrganization(JSON.parse(JSON.stringify(organization)), config)).toEqual(organization);
        }
        expect(organization.version).toBe(commands.length + 1);
      }),
      { numRuns: 200 },
    );
  });

  it("an invalid command throws VALIDATION_FAILED and leaves the input unchanged", () => {
    fc.assert(
      fc.property(fc.array(validCommand, { maxLength: 10 }), invalidCommand, (setup, bad) => {
        let organization = createOrganization({ name: "Acme" }, { id: "org_1", now: ctx.now, config }).organization;
        for (const command of setup) organization = command(organization).organization;
        const snapshot = JSON.parse(JSON.stringify(organization));
        let thrown: unknown;
        try {
          bad(organization);
        } catch (error) {
          thrown = error;
        }
        expect(isOrgKitError(thrown, "VALIDATION_FAILED")).toBe(true);
        expect(JSON.parse(JSON.stringify(organization))).toEqual(snapshot);
      }),
      { numRuns: 200 },
    );
  });
});
