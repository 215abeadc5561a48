/**
 * The module tree the tensor table groups by, and the filter box's match. Pure (no DOM) so unit
 * tests import it; names come from files, so every map here is a Map, never an object keyed by a
 * name. (Layer index and role come parsed in each TensorRow, src/protocol/weights.ts.)
 */

/** A node of the module tree: a path prefix with its tensors below it. */
export interface TreeNode {
  /** the full path of this node ("" for the root) */
  path: string;
  /** the last part of the path, shown in the tree (a chain of single children is joined: "encoder.layer") */
  label: string;
  children: TreeNode[];
  /** the tensor this node is, when it is a leaf */
  tensor?: string;
  /** tensors at or below this node */
  count: number;
}

/**
 * Groups names by their dot-separated module path. A group with a single child group is merged
 * with it ("model" -> "model.layers"), so the tree has no levels that only add a click. Children
 * keep file order.
 */
export function moduleTree(names: readonly string[]): TreeNode {
  interface Build {
    path: string;
    kids: Map<string, Build>;
    tensor?: string;
    count: number;
  }
  const root: Build = { path: '', kids: new Map(), count: 0 };
  for (const name of names) {
    let node = root;
    node.count++;
    const parts = name.split('.');
    parts.forEach((part, i) => {
      const path = parts.slice(0, i + 1).join('.');
      // a tensor whose name is also a module prefix of another ("a.b" and "a.b.c") keeps both
      const key = i === parts.length - 1 ? `${part}\u0000leaf` : part;
      let kid = node.kids.get(key);
      if (!kid) {
        kid = { path, kids: new Map(), count: 0 };
        node.kids.set(key, kid);
      }
      kid.count++;
      if (i === parts.length - 1) kid.tensor = name;
      node = kid;
    });
  }
  const finish = (b: Build, label: string): TreeNode => {
    let cur = b;
    let text = label;
    // merge a chain of groups that each hold exactly one group
    while (cur.tensor === undefined && cur.kids.size === 1 && cur !== root) {
      const only = [...cur.kids.values()][0];
      if (!only || only.tensor !== undefined) break;
      text = `${text}.${only.path.slice(cur.path.length + 1)}`;
      cur = only;
    }
    const node: TreeNode = {
      path: cur.path,
      label: text,
      children: [...cur.kids.values()].map((k) => finish(k, k.path.slice(cur.path.length + (cur.path ? 1 : 0)))),
      count: cur.count,
    };
    if (cur.tensor !== undefined) node.tensor = cur.tensor;
    return node;
  };
  return finish(root, '');
}

/** Does `name` pass the filter box? Case-insensitive substring; every space-separated word must match. */
export function matchesFilter(name: string, filter: string): boolean {
  const words = filter
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w.length > 0);
  const n = name.toLowerCase();
  return words.every((w) => n.includes(w));
}
