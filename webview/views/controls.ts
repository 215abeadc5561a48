/**
 * τ, t, hinge, pairs and the modality choice. A valid change posts {type:'recompute'} at once;
 * an invalid number is marked and not sent. The standalone export shows the values read-only.
 */
import type { ReportOptions } from '../../src/protocol/report';
import type { Controls } from '../../src/protocol/webview';
import { card, h } from '../dom';
import { fmtNum, idPart } from '../format';
import type { ViewContext } from './context';

export function validateControls(c: Controls): string | undefined {
  if (!Number.isFinite(c.tau) || c.tau < 0 || c.tau > 4) return 'τ must be between 0 and 4 (squared distance on the unit sphere).';
  if (!Number.isFinite(c.t) || c.t <= 0) return 't must be a positive number.';
  if (c.modalities.length === 0) return 'Choose at least one modality.';
  return undefined;
}

function field(label: string, input: HTMLElement, hint?: string): HTMLElement {
  const id = input.id;
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    input,
    hint ? h('span', { class: 'hint', id: `${id}-hint` }, hint) : null,
  );
}

function select(id: string, value: string, options: [string, string][]): HTMLSelectElement {
  const s = h('select', { id, name: id }, ...options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));
  s.value = value;
  return s;
}

export function controlsCard(ctx: ViewContext, options: ReportOptions, available: string[], selected: string[]): HTMLElement {
  if (!ctx.host.connected) {
    return card(
      'Options',
      { id: 'controls', className: 'card-controls' },
      h(
        'dl',
        { class: 'options-readonly' },
        available.length >= 2 ? h('dt', null, 'τ') : null,
        available.length >= 2 ? h('dd', null, fmtNum(options.tau)) : null,
        h('dt', null, 't'),
        h('dd', null, fmtNum(options.t)),
        available.length >= 2 ? h('dt', null, 'hinge') : null,
        available.length >= 2 ? h('dd', null, options.hinge) : null,
        h('dt', null, 'row pairs'),
        h('dd', null, options.pairs === 'offdiag' ? 'i ≠ j' : 'all N²'),
        h('dt', null, 'modalities'),
        h('dd', null, selected.join(', ')),
      ),
    );
  }
  const tau = h('input', {
    id: 'control-tau',
    name: 'tau',
    type: 'number',
    min: 0,
    max: 4,
    step: 0.05,
    value: String(options.tau),
    'aria-describedby': 'control-tau-hint',
  });
  const t = h('input', {
    id: 'control-t',
    name: 't',
    type: 'number',
    min: 0.1,
    step: 0.5,
    value: String(options.t),
    'aria-describedby': 'control-t-hint',
  });
  const hinge = select('control-hinge', options.hinge, [
    ['linear', 'linear max(0, x)'],
    ['squared', 'squared max(0, x)²'],
  ]);
  const pairs = select('control-pairs', options.pairs, [
    ['offdiag', 'off-diagonal (i ≠ j)'],
    ['all', 'all N² pairs'],
  ]);
  const boxes = available.map((m) => {
    const id = `control-modality-${idPart(m)}`;
    const box = h('input', { id, type: 'checkbox', name: 'modality', value: m, checked: selected.includes(m) });
    box.checked = selected.includes(m);
    return { m, box, el: h('label', { class: 'check', for: id }, box, h('span', null, m)) };
  });
  const message = h('p', { id: 'controls-error', class: 'field-error', role: 'alert' });
  const read = (): Controls => ({
    tau: tau.valueAsNumber,
    t: t.valueAsNumber,
    hinge: hinge.value === 'squared' ? 'squared' : 'linear',
    pairs: pairs.value === 'all' ? 'all' : 'offdiag',
    modalities: boxes.filter((b) => b.box.checked).map((b) => b.m),
  });
  const onChange = (): void => {
    const c = read();
    const problem = validateControls(c);
    message.textContent = problem ?? '';
    tau.setAttribute('aria-invalid', String(problem?.startsWith('τ') ?? false));
    t.setAttribute('aria-invalid', String(problem?.startsWith('t ') ?? false));
    if (problem) return;
    ctx.saveControls(c);
    ctx.host.post({ type: 'recompute', controls: c });
  };
  // τ and the hinge shape pair metrics only: with one modality they would change nothing
  const paired = available.length >= 2;
  const form = h(
    'form',
    { class: 'controls', 'aria-label': 'Metric options' },
    h(
      'div',
      { class: 'fields' },
      paired ? field('τ (anchoring margin)', tau, 'squared distance, 0–4') : null,
      field('t (dispersive temperature)', t, '> 0'),
      paired ? field('Hinge', hinge) : null,
      field('Row pairs (dispersive loss)', pairs),
    ),
    h('fieldset', { class: 'modalities' }, h('legend', null, 'Modalities'), ...boxes.map((b) => b.el)),
    message,
  );
  // recompute on commit (change), not on every keystroke: a recompute can take seconds
  form.addEventListener('change', onChange);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    onChange();
  });
  return card('Options', { id: 'controls', className: 'card-controls' }, form);
}
