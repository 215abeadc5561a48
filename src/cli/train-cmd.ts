/**
 * `dagr train CONFIG.json` and `dagr sweep CONFIG.json` (./train-run.ts over src/train, which owns
 * the config and the run folder): loaded only for these commands, so TensorFlow.js is too.
 */
import type { CommandContext } from './context';

export async function trainCommand(argv: string[], cx: CommandContext): Promise<number> {
  cx.currentFile = argv.find((a) => !a.startsWith('-'));
  const { runTrainCli } = await import('./train-run');
  return runTrainCli(argv);
}

export async function sweepCommand(argv: string[], cx: CommandContext): Promise<number> {
  cx.currentFile = argv.find((a) => !a.startsWith('-'));
  const { runSweepCli } = await import('./train-run');
  return runSweepCli(argv);
}
