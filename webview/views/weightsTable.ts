/**
 * The tensor table of a model checkpoint as a tree grouped by module path (a treegrid: group
 * rows with a toggle button, tensor rows below them), with a filter box, totals of what is shown,
 * and per tensor its dtype, shape, parameters, bytes, shard and, as the analysis fills them in,
 * its weight metrics. Rows are built once; filtering, folding and new metrics patch them in place,
 * so a checkpoint of thousands of tensors stays responsive.
 */
import type { TensorRow, TensorTable, WeightTensor } from '../../src/protocol/weights';
import { button, h } from '../dom';
import { fmtFixed, fmtInt, fmtNum } from '../format';
import { fmtBytes, fmtCount } from './weightsFormat';
import { matchesFilter, moduleTree } from './weightsTree';
import type { TreeNode } from './weightsTree';

export interface TableHandlers {
  /** a 2-D tensor's "Embeddings" button; absent in the standalone export (no host) */
  onEmbeddings?: (tensor: string) => void;
  /** the shown tensor rows changed (filter, folding): for "visible rows first" */
  onVisibleChange?: (names: string[]) => void;
}

export interface TensorTableHandle {
  element: HTMLElement;
  /** new metrics: patch the rows */
  update(report: readonly WeightTensor[] | null): void;
  /** names of the tensor rows shown now, top to bottom */
  visible(): string[];
}

interface LeafRow {
  row: HTMLTableRowElement;
  cells: Record<'effectiveRank' | 'stableRank' | 'spectralNorm' | 'alpha' | 'status', HTMLTableCellElement>;
  t: TensorRow;
}
interface GroupRow {
  row: HTMLTableRowElement;
  toggle: HTMLButtonElement;
  node: TreeNode;
  depth: number;
  params: HTMLTableCellElement;
  bytes: HTMLTableCellElement;
  count: HTMLElement;
}

/** groups are unfolded at first down to this depth; a small checkpoint is unfolded whole */
const OPEN_DEPTH = 1;
const OPEN_ALL_BELOW = 60;

export function tensorTable(table: TensorTable, handlers: TableHandlers): TensorTableHandle {
  const rowsByName = new Map(table.tensors.map((t) => [t.name, t]));
  const sharded = (table.shards?.length ?? 0) > 0;
  const tree = moduleTree(table.tensors.map((t) => t.name));
  const leaves = new Map<string, LeafRow>();
  const groups: GroupRow[] = [];
  /** the groups' children, rows in document order, to hide a folded group's subtree */
  const order: { kind: 'group' | 'leaf'; depth: number; group?: GroupRow; leaf?: LeafRow; parents: GroupRow[] }[] = [];
  const open = new Set<GroupRow>();
  const openAll = table.tensors.length <= OPEN_ALL_BELOW;
  let filter = '';

  const depthClass = (d: number): string => `tree-d${Math.min(d, 9)}`;
  const tbody = h('tbody');

  const build = (node: TreeNode, depth: number, parents: GroupRow[]): void => {
    for (const kid of node.children) {
      if (kid.tensor !== undefined && kid.children.length === 0) {
        const t = rowsByName.get(kid.tensor);
        if (!t) continue;
        const cells = {
          effectiveRank: h('td', { class: 'num cell-effective-rank' }, ''),
          stableRank: h('td', { class: 'num cell-stable-rank' }, ''),
          spectralNorm: h('td', { class: 'num cell-spectral-norm' }, ''),
          alpha: h('td', { class: 'num cell-alpha' }, ''),
          status: h('td', { class: 'tensor-status' }, ''),
        };
        const embed =
          handlers.onEmbeddings && t.shape.length === 2 && t.parameters > 0 && /^(b?float|f)/i.test(t.dtype)
            ? button(
                'Embeddings',
                {
                  className: t.embeddingTable ? 'btn btn-small' : 'btn btn-small btn-secondary',
                  title: `Open the embeddings report on the ${fmtInt(t.shape[0] ?? 0)} rows of ${t.name}`,
                },
                () => handlers.onEmbeddings?.(t.name),
              )
            : null;
        if (embed) embed.dataset.tensor = t.name;
        const row = h(
          'tr',
          {
            class: `tensor-row${t.embeddingTable ? ' embedding-table' : ''}`,
            'data-tensor': t.name,
            'data-role': t.role,
            'aria-level': depth + 1,
          },
          h(
            'th',
            { scope: 'row', class: `tree-name ${depthClass(depth)}`, title: t.name },
            h('span', { class: 'tensor-label' }, kid.label),
            t.embeddingTable
              ? h('span', { class: 'tag', title: 'an embedding table: its rows can be read as embeddings' }, 'embedding table')
              : null,
          ),
          h('td', { class: 'mono' }, t.dtype),
          h('td', { class: 'num mono' }, t.shape.length ? t.shape.join(' × ') : 'scalar'),
          h('td', { class: 'num', 'data-value': t.parameters }, fmtCount(t.parameters)),
          h('td', { class: 'num', 'data-value': t.bytes }, fmtBytes(t.bytes)),
          sharded ? h('td', { class: 'mono shard' }, t.shard ?? '') : null,
          cells.effectiveRank,
          cells.stableRank,
          cells.spectralNorm,
          cells.alpha,
          cells.status,
          h('td', { class: 'row-actions' }, embed),
        );
        const leaf: LeafRow = { row, cells, t };
        leaves.set(t.name, leaf);
        tbody.append(row);
        order.push({ kind: 'leaf', depth, leaf, parents });
        continue;
      }
      const params = h('td', { class: 'num' });
      const bytes = h('td', { class: 'num' });
      const count = h('span', { class: 'group-count' });
      const toggle = h(
        'button',
        { type: 'button', class: 'tree-toggle', 'aria-expanded': 'false', title: `Show or hide the tensors of ${kid.path}` },
        h('span', { class: 'tree-chevron', 'aria-hidden': 'true' }),
        h('span', { class: 'group-label' }, kid.label),
      );
      const row = h(
        'tr',
        { class: 'group-row', 'data-group': kid.path, 'aria-level': depth + 1 },
        h('th', { scope: 'row', class: `tree-name ${depthClass(depth)}` }, toggle, count),
        h('td'),
        h('td'),
        params,
        bytes,
        sharded ? h('td') : null,
        h('td'),
        h('td'),
        h('td'),
        h('td'),
        h('td'),
        h('td'),
      );
      const g: GroupRow = { row, toggle, node: kid, depth, params, bytes, count };
      toggle.addEventListener('click', () => {
        if (open.has(g)) open.delete(g);
        else open.add(g);
        apply();
      });
      groups.push(g);
      if (openAll || depth < OPEN_DEPTH) open.add(g);
      tbody.append(row);
      order.push({ kind: 'group', depth, group: g, parents });
      build(kid, depth + 1, [...parents, g]);
    }
  };
  build(tree, 0, []);

  const filterInput = h('input', {
    type: 'search',
    id: 'tensor-filter',
    class: 'filter-input',
    placeholder: 'Filter tensors (words in the name)',
    'aria-label': 'Filter tensors by name',
    spellcheck: 'false',
  });
  const totals = h('p', { class: 'caption', id: 'tensor-totals', 'aria-live': 'polite' });
  const expandAll = button('Expand all', { id: 'tree-expand', className: 'btn btn-link' }, () => {
    groups.forEach((g) => open.add(g));
    apply();
  });
  const collapseAll = button('Collapse all', { id: 'tree-collapse', className: 'btn btn-link' }, () => {
    open.clear();
    apply();
  });

  const matchingUnder = (node: TreeNode): TensorRow[] => {
    const out: TensorRow[] = [];
    const walk = (n: TreeNode): void => {
      if (n.tensor !== undefined) {
        const t = rowsByName.get(n.tensor);
        if (t && matchesFilter(t.name, filter)) out.push(t);
      }
      n.children.forEach(walk);
    };
    walk(node);
    return out;
  };

  let lastVisible = '';
  function apply(): void {
    const filtering = filter.trim().length > 0;
    let shownTensors = 0;
    let shownParams = 0;
    let shownBytes = 0;
    for (const g of groups) {
      const m = matchingUnder(g.node);
      g.params.textContent = fmtCount(m.reduce((s, t) => s + t.parameters, 0));
      g.bytes.textContent = fmtBytes(m.reduce((s, t) => s + t.bytes, 0));
      g.count.textContent = ` (${fmtInt(m.length)}${filtering ? ` of ${fmtInt(g.node.count)}` : ''})`;
      g.row.dataset.matches = String(m.length);
    }
    for (const o of order) {
      // a group with no match is hidden while filtering; a filter unfolds the groups on the way
      const shown = o.parents.every((p) => (filtering || open.has(p)) && Number(p.row.dataset.matches) > 0);
      if (o.kind === 'group' && o.group) {
        const g = o.group;
        const expanded = filtering || open.has(g);
        g.toggle.setAttribute('aria-expanded', String(expanded));
        g.row.hidden = !shown || Number(g.row.dataset.matches) === 0;
      } else if (o.leaf) {
        const t = o.leaf.t;
        const match = matchesFilter(t.name, filter);
        o.leaf.row.hidden = !shown || !match;
        if (match) {
          shownTensors++;
          shownParams += t.parameters;
          shownBytes += t.bytes;
        }
      }
    }
    const all = table.totals;
    totals.textContent = filtering
      ? `${fmtInt(shownTensors)} of ${fmtInt(all.tensors)} tensors match · ${fmtCount(shownParams)} of ${fmtCount(all.parameters)} parameters · ${fmtBytes(shownBytes)} of ${fmtBytes(all.bytes)}`
      : `${fmtInt(all.tensors)} tensors · ${fmtCount(all.parameters)} parameters (${fmtInt(all.parameters)}) · ${fmtBytes(all.bytes)}` +
        (sharded ? ` · ${fmtInt(table.shards?.length ?? 0)} shards` : '');
    totals.dataset.tensors = String(shownTensors);
    const vis = visible().join('\n');
    if (vis !== lastVisible) {
      lastVisible = vis;
      handlers.onVisibleChange?.(visible());
    }
  }

  function visible(): string[] {
    const out: string[] = [];
    for (const o of order) if (o.leaf && !o.leaf.row.hidden) out.push(o.leaf.t.name);
    return out;
  }

  filterInput.addEventListener('input', () => {
    filter = filterInput.value;
    apply();
  });

  function update(tensors: readonly WeightTensor[] | null): void {
    for (const t of tensors ?? []) {
      const leaf = leaves.get(t.name);
      if (!leaf) continue;
      const c = leaf.cells;
      c.effectiveRank.textContent = fmtFixed(t.effectiveRank, 2);
      c.effectiveRank.dataset.value = t.effectiveRank === null ? '' : String(t.effectiveRank);
      c.stableRank.textContent = fmtFixed(t.stableRank, 2);
      c.spectralNorm.textContent = fmtNum(t.spectralNorm);
      c.alpha.textContent = t.alpha ? fmtFixed(t.alpha.value, 2) : t.analysed && t.matrix ? '—' : '';
      if (t.alpha)
        c.alpha.title = `α = ${fmtNum(t.alpha.value, 4)} (experimental), x_min = ${fmtNum(t.alpha.xmin, 4)}, KS = ${fmtNum(t.alpha.ks, 3)}, n = ${fmtInt(t.alpha.tailCount)}`;
      const bad = t.nonFinite !== null && t.nonFinite > 0;
      leaf.row.classList.toggle('nonfinite', bad);
      leaf.row.dataset.analysed = String(t.analysed);
      c.status.textContent = bad
        ? `${fmtInt(t.nonFinite ?? 0)} NaN/Inf${t.firstNonFinite ? ` at [${t.firstNonFinite.index.join(', ')}]` : ''}`
        : t.analysed
          ? t.matrix
            ? ''
            : summaryText(t)
          : pendingOr(t.reason);
      if (t.summary)
        leaf.row.title = `${t.name}\nmean ${fmtNum(t.summary.mean)} · std ${fmtNum(t.summary.std)} · min ${fmtNum(t.summary.min)} · max ${fmtNum(t.summary.max)}`;
    }
  }

  const sharedHead = [
    'dtype',
    'shape',
    'parameters',
    'bytes',
    ...(sharded ? ['shard'] : []),
    'eff. rank',
    'stable rank',
    'σ_max',
    'α (exp.)',
    'status',
    '',
  ];
  const element = h(
    'div',
    { class: 'tensor-table' },
    h('div', { class: 'table-tools' }, filterInput, expandAll, collapseAll),
    totals,
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'grid-table tree-table', id: 'tensor-table', role: 'treegrid', 'aria-label': 'Tensors grouped by module' },
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'tensor'), ...sharedHead.map((c) => h('th', { scope: 'col' }, c)))),
        tbody,
      ),
    ),
  );
  apply();
  return { element, update, visible };
}

/** A tensor outside the batches so far is 'not selected' by the analysis: to the reader it is still to come. */
function pendingOr(reason: string | undefined): string {
  return reason === undefined || reason.startsWith('not selected') ? '' : reason;
}

function summaryText(t: WeightTensor): string {
  const s = t.summary;
  return s ? `mean ${fmtNum(s.mean)}, std ${fmtNum(s.std)}` : '';
}
