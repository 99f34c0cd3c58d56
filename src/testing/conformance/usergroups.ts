import type { ConformanceSuite } from "./context.js";
import { usergroup } from "./fixtures.js";
import { listedRecordsSuite } from "./listed-records.js";

/** `UsergroupRepository`: get/list/insert/update/delete with versions. */
export const usergroupsSuite: ConformanceSuite = listedRecordsSuite(
  "usergroups",
  (storage) => storage.usergroups,
  (id, variant) =>
    usergroup(id, {
      name: `Group ${id} v${variant}`,
      permissions: variant === 1 ? ["portal.access", "kb.read"] : ["chat.use"],
    }),
);
