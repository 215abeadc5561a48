/** `dagr embed MODEL.onnx --input X.npy --out EMB.safetensors [--batch-size N]`. */
import { numberFlag, parseArgs } from './args';
import type { CommandContext } from './context';
import { EXIT_OK, UsageError } from './errors';
import { EMBED_HELP } from './help';
import { createProgress } from './progress';

export async function embedCommand(argv: string[], cx: CommandContext): Promise<number> {
  const args = parseArgs(argv, {
    values: ['input', 'out', 'batch-size', 'input-name', 'output-name', 'name', 'array'],
    booleans: ['json', 'help'],
  });
  if (args.booleans.has('help')) return (cx.print(EMBED_HELP), EXIT_OK);
  const [model, ...extra] = args.positionals;
  if (model === undefined || extra.length > 0) throw new UsageError('embed needs one MODEL.onnx');
  const input = args.values.get('input');
  const out = args.values.get('out');
  if (input === undefined) throw new UsageError('embed needs --input X.npy');
  if (out === undefined) throw new UsageError('embed needs --out EMB.safetensors');
  const batchSize = numberFlag(args, 'batch-size', (x) => Number.isInteger(x) && x >= 1, 'a positive integer');
  cx.currentFile = model;
  const { embedWithOnnx } = await import('../jobs');
  const progress = createProgress();
  let result;
  try {
    result = await embedWithOnnx(
      {
        model,
        input,
        out,
        ...(batchSize !== undefined ? { batchSize } : {}),
        ...optional('inputName', args.values.get('input-name')),
        ...optional('outputName', args.values.get('output-name')),
        ...optional('name', args.values.get('name')),
        ...optional('array', args.values.get('array')),
      },
      { onProgress: (f, s) => progress.update(f, s), signal: cx.signal },
    );
  } finally {
    progress.done();
  }
  if (args.booleans.has('json')) cx.print(JSON.stringify(result));
  else cx.print(`wrote ${result.out}: ${result.rows} rows x ${result.dim} dims`);
  return EXIT_OK;
}

function optional<K extends string>(key: K, v: string | undefined): Partial<Record<K, string>> {
  return v === undefined ? {} : ({ [key]: v } as Record<K, string>);
}
