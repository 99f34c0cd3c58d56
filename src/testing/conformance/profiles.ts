import type { ConformanceSuite } from "./context.js";
import { profile } from "./fixtures.js";
import { listedRecordsSuite } from "./listed-records.js";

/** `StaffProfileRepository`: get/list/insert/update/delete with versions; `grants` round-trips as JSON. */
export const profilesSuite: ConformanceSuite = listedRecordsSuite(
  "profiles",
  (storage) => storage.profiles,
  (id, variant) =>
    profile(id, {
      name: `Profile ${id} v${variant}`,
      grants:
        variant === 1
          ? { add: true, combinations: { none: { read: true, edit: false }, "service+outreach": { read: true, edit: true, delete: false } }, notes: ["own"] }
          : { add: false },
    }),
);
