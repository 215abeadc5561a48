/** `dagr engine`: which engine the metrics would run on here (name, device, threads). */
import { choiceFlag, numberFlag, parseArgs } from './args';
import type { CommandContext } from './context';
import { EXIT_OK, UsageError } from './errors';
import { engineLine } from './format';
import { deviceFlag, ENGINES } from './options';
import { ENGINE_HELP } from './help';

export async function engineCommand(argv: string[], cx: CommandContext): Promise<number> {
  const args = parseArgs(argv, { values: ['engine', 'threads', 'device'], booleans: ['json', 'help'] });
  if (args.booleans.has('help')) return (cx.print(ENGINE_HELP), EXIT_OK);
  if (args.positionals.length > 0) throw new UsageError(`engine takes no arguments, got "${args.positionals.join(' ')}"`);
  const name = choiceFlag(args, 'engine', ENGINES) ?? 'auto';
  const threads = numberFlag(args, 'threads', (x) => Number.isInteger(x) && x >= 0, 'an integer >= 0');
  const device = deviceFlag(args);
  let info;
  if (name === 'tfjs') {
    // The trainer's backend choice (tfjs-node-gpu, tfjs-node, wasm, cpu) is what tfjs would use.
    const { tfjsGeometry } = await import('../train');
    const probe = { name: 'probe', rows: 2, cols: 2, data: new Float32Array([1, 0, 0, 1]) };
    const { DEFAULT_OPTIONS } = await import('../protocol/report');
    info = (await tfjsGeometry([probe], DEFAULT_OPTIONS)).engine;
  } else {
    const { withBackend } = await import('../jobs');
    info = await withBackend({ engine: name, ...(threads ? { threads } : {}), ...device }, async (b) => b.info);
  }
  cx.print(args.booleans.has('json') ? JSON.stringify(info) : engineLine(info));
  return EXIT_OK;
}
