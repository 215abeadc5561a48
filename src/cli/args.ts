/**
 * A small argv parser: `--name value`, `--name=value`, boolean flags, positionals. Every flag must
 * be declared so a typo is a usage error (exit 2) instead of being silently ignored.
 */
import { UsageError } from './errors';

export interface FlagSpec {
  /** flags that take a value; the rest of the declared names are booleans */
  values: readonly string[];
  booleans: readonly string[];
  /** prefixes whose flags take a value, e.g. "threshold-" */
  valuePrefixes?: readonly string[];
  /** value flags that may be given more than once: the values are joined with ";" (else the last wins) */
  repeatable?: readonly string[];
}

export interface ParsedArgs {
  positionals: string[];
  values: Map<string, string>;
  booleans: Set<string>;
}

export function parseArgs(argv: readonly string[], spec: FlagSpec): ParsedArgs {
  const out: ParsedArgs = { positionals: [], values: new Map(), booleans: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg}`);
      out.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const takesValue = spec.values.includes(name) || (spec.valuePrefixes ?? []).some((p) => name.startsWith(p));
    if (takesValue) {
      let value: string | undefined;
      if (eq >= 0) value = arg.slice(eq + 1);
      else value = argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      const prev = out.values.get(name);
      out.values.set(name, prev !== undefined && (spec.repeatable ?? []).includes(name) ? `${prev};${value}` : value);
    } else if (spec.booleans.includes(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      out.booleans.add(name);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return out;
}

export function numberFlag(args: ParsedArgs, name: string, check: (x: number) => boolean, what: string): number | undefined {
  const raw = args.values.get(name);
  if (raw === undefined) return undefined;
  const x = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(x) || !check(x)) throw new UsageError(`--${name} must be ${what}, got "${raw}"`);
  return x;
}

export function choiceFlag<T extends string>(args: ParsedArgs, name: string, choices: readonly T[]): T | undefined {
  const raw = args.values.get(name);
  if (raw === undefined) return undefined;
  if (!(choices as readonly string[]).includes(raw)) throw new UsageError(`--${name} must be one of ${choices.join('|')}, got "${raw}"`);
  return raw as T;
}
