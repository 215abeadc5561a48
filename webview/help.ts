/**
 * A metric's explanation where its name is shown: a visible "i" mark after the name, and on hover
 * or keyboard focus a small panel with the definition, range, healthy range and the names papers
 * and code use (src/protocol/glossary.ts). CSS shows the panel (no script, nothing inline).
 */
import { GLOSSARY, METRIC_HELP } from '../src/protocol/glossary';
import type { GlossaryEntry, MetricHelp } from '../src/protocol/glossary';
import { getOwn } from '../src/protocol/keys';
import { h } from './dom';

let counter = 0;

/** The lines of a metric's explanation, or undefined for a key with no entry. */
export function helpLines(key: string, t?: number): string[] | undefined {
  const help: MetricHelp | undefined = getOwn(METRIC_HELP, key);
  const gloss: GlossaryEntry | undefined = getOwn(GLOSSARY as Record<string, GlossaryEntry>, key);
  if (!help && !gloss) return undefined;
  const lines: string[] = [];
  if (help) lines.push(`${help.label}: ${help.definition}.`);
  if (gloss) lines.push(gloss.tooltip + (key === 'dispersiveLoss' && t !== undefined ? ` This report uses t = ${t}.` : ''));
  if (help) lines.push(`Range: ${help.range}.`, `Healthy: ${help.healthy}.`);
  const known = gloss?.knownAs ?? help?.knownAs;
  if (known) lines.push(`Also known as: ${known}.`);
  return lines;
}

/** The plain text of a metric's explanation (for title attributes and the CLI). */
export function helpText(key: string, t?: number): string | undefined {
  return helpLines(key, t)?.join(' ');
}

/**
 * A metric name with its explanation: focusable (Tab reaches it), the panel described-by the
 * name for screen readers. A key without an entry gives the plain name.
 */
export function metricName(label: string, key: string, t?: number): HTMLElement {
  const lines = helpLines(key, t);
  if (!lines) return h('span', { class: 'metric-name' }, label);
  const id = `help-${key}-${++counter}`;
  return h(
    'span',
    { class: 'metric-name has-help', tabindex: 0, 'aria-describedby': id, 'data-help': key },
    label,
    h('span', { class: 'info-mark', 'aria-hidden': 'true' }, 'i'),
    h('span', { class: 'help-pop', role: 'tooltip', id }, ...lines.map((l) => h('span', { class: 'help-line' }, l))),
  );
}
