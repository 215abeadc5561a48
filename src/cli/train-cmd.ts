/**
 * `dagr train CONFIG.json` and `dagr sweep CONFIG.json` belong to src/train (it owns the config
 * and the run folder); the CLI only dispatches, loading TensorFlow.js only for these commands.
 */
import type { CommandContext } from './context';

export async function trainCommand(argv: string[], cx: CommandContext): Promise<number> {
  cx.currentFile = argv.find((a) => !a.startsWith('-'));
  const { runTrainCli } = await import('../train');
  return runTrainCli(argv);
}

export async function sweepCommand(argv: string[], cx: CommandContext): Promise<number> {
  cx.currentFile = argv.find((a) => !a.startsWith('-'));
  const { runSweepCli } = await import('../train');
  return runSweepCli(argv);
}
