import { describeValue, invalidArgument, optionalOfType, readFields } from "../argument-guards.js";
import { readHierarchyIndex, type HierarchyIndex } from "./hierarchy-index.js";

/** Options of {@link renderHierarchy}. */
export interface RenderHierarchyOptions {
  /** The text shown for each organization (a name, a name plus a marker…). Default: the id. Should not contain line breaks. */
  readonly label?: ((id: string) => string) | undefined;
}

/**
 * Renders the subtree under `rootId` (or, with `rootId` `null`/absent, every tree of
 * the forest one after another) as an indented text tree with box-drawing
 * characters, children in the index's order. Lines are joined with `\n`, no trailing
 * newline. O(size of the rendered subtree). Throws `NOT_FOUND` for an unknown root, and
 * `VALIDATION_FAILED` when `index` is not a hierarchy index, `rootId` is not a string,
 * `null` or absent, `options.label` is not a function or returns something other than
 * a string. An error `label` throws itself passes unchanged.
 *
 * @example
 * ```ts
 * renderHierarchy(index, "acme", { label: (id) => names.get(id)! });
 * // Acme Manufacturing
 * // ├── Acme East Region
 * // │   ├── Acme Boston Office
 * // │   └── Acme New York Office
 * // ├── Acme West Region
 * // │   └── Acme LA Office
 * // └── Acme Service Partners
 * ```
 */
export function renderHierarchy(index: HierarchyIndex, rootId?: string | null, options?: RenderHierarchyOptions): string {
  readHierarchyIndex(index, RENDER_METHODS);
  if (rootId !== undefined && rootId !== null && typeof rootId !== "string") {
    throw invalidArgument(WHAT, "rootId", `must be an organization id (a string) or null, not ${describeValue(rootId)}`, "invalid_type");
  }
  const given = optionalOfType(readFields(options, OPTION_KEYS, WHAT, "options").label, "function", WHAT, "label") as ((id: string) => unknown) | undefined;
  const label =
    given === undefined
      ? (id: string) => id
      : (id: string) => {
          const text = given(id);
          if (typeof text !== "string") throw invalidArgument(WHAT, "label", `must return a string, not ${describeValue(text)}`, "invalid_type");
          return text;
        };
  const lines: string[] = [];
  // handleOf throws NOT_FOUND for an unknown root before anything is rendered.
  const roots = rootId === undefined || rootId === null ? index.roots() : [index.idOf(index.handleOf(rootId))];
  for (const root of roots) {
    lines.push(label(root));
    // An explicit stack instead of recursion: trees may be arbitrarily deep.
    const stack: { id: string; prefix: string; last: boolean }[] = [];
    pushChildren(index, stack, root, "");
    for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
      lines.push(`${item.prefix}${item.last ? "└── " : "├── "}${label(item.id)}`);
      pushChildren(index, stack, item.id, item.prefix + (item.last ? "    " : "│   "));
    }
  }
  return lines.join("\n");
}

const WHAT = "hierarchy rendering";
const RENDER_METHODS = ["roots", "idOf", "handleOf", "children"] as const;
const OPTION_KEYS = ["label"] as const;

/** Pushes `id`'s children in reverse so they pop in order. */
function pushChildren(index: HierarchyIndex, stack: { id: string; prefix: string; last: boolean }[], id: string, prefix: string): void {
  const children = index.children(id);
  for (let i = children.length - 1; i >= 0; i--) stack.push({ id: children[i]!, prefix, last: i === children.length - 1 });
}
