/**
 * Which geometry engine the compute process really uses. onnxruntime-node is a native module that
 * may fail to load (missing binary for this platform, wrong libc); then every job runs on the
 * engine's pure-JS backend and says so, instead of failing every request.
 */
import type { EngineChoice } from '../protocol/messages';

export interface EngineDecision {
  engine: EngineChoice;
  /** plain note for the UI when the wanted engine was replaced */
  note?: string;
}

let onnxProbe: Promise<string | null> | undefined;

/** null when onnxruntime loads; else the one-line reason. Probed once per process. */
function probeOnnx(): Promise<string | null> {
  onnxProbe ??= (async () => {
    try {
      const engine = await import('../engine');
      const backend = await engine.createBackend('onnxruntime');
      await backend.dispose();
      return null;
    } catch (e) {
      return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? 'unknown error';
    }
  })();
  return onnxProbe;
}

export async function decideEngine(wanted: EngineChoice | undefined): Promise<EngineDecision> {
  if (wanted === 'js') return { engine: 'js' };
  const problem = await probeOnnx();
  if (problem === null) return { engine: wanted ?? 'onnxruntime' };
  // tfjs mode still runs everything but the DAGR losses through the geometry backend
  if (wanted === 'tfjs') return { engine: 'tfjs', note: `onnxruntime-node did not load (${problem})` };
  return { engine: 'js', note: `onnxruntime-node did not load (${problem}); using the pure-JS engine` };
}
