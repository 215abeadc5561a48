/**
 * The `dagr` command's entry: bin/dagr.js loads its bundle, dist/launch.js. Whether a big input is
 * computed in a relaunched child (./relaunch) is decided here, before the CLI itself is loaded
 * (dist/cli.js, a 1 MB bundle that takes about 35 ms to parse): the parent that only waits for the
 * child never loads it. Everything else, and a child that cannot start, runs the CLI in this process.
 */
import { join } from 'node:path';
import { EXIT_BAD_INPUT } from './errors';
import { relaunchEnv, runRelaunched } from './relaunch';

/** the CLI in this process: the bundle beside this one, or main.ts when run from the sources (tsx) */
function runHere(): void {
  // a path computed at run time, so the bundler leaves the CLI out of this bundle
  const cli = join(__dirname, __filename.endsWith('.ts') ? 'main.ts' : 'cli.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(cli);
}

async function launch(argv: string[]): Promise<void> {
  const env = relaunchEnv(argv, process.env, process.platform);
  if (!env) return runHere();
  let ended: { code: number | null; signal: NodeJS.Signals | null };
  try {
    ended = await runRelaunched(argv, env, (pid) => {
      if (process.env.DAGR_DEBUG)
        process.stderr.write(
          `dagr: computing in a child process with glibc huge pages and malloc thresholds (GLIBC_TUNABLES), pid ${pid}\n`,
        );
    });
  } catch {
    return runHere();
  }
  // a child ended by a signal: end the same way, so a shell sees what it would have seen
  if (ended.signal) process.kill(process.pid, ended.signal);
  // exitCode, not exit(): stdout (possibly a pipe) is flushed first
  process.exitCode = ended.code ?? EXIT_BAD_INPUT;
}

launch(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`dagr: ${String(e)}\n`);
  process.exitCode = EXIT_BAD_INPUT;
});
