/**
 * What the weights views share in one window: the report cache, the user's "Analyze as…" choice
 * per file, and the weight warnings in Problems. Created on first use (the first model checkpoint
 * opened), so activation stays as light as before; disposed with the extension.
 */
import * as vscode from 'vscode';
import type { WeightWarning } from '../protocol/weights';
import type { Services } from './services';
import { WeightsCache } from './weightsCache';
import { WeightWarningCenter, affectsWeightWarnings } from './weightWarnings';

export type AnalyzeAs = 'weights' | 'embeddings';

/** "Analyze as Weights/Embeddings…" per file path, remembered per workspace. */
export class AnalyzeAsChoices {
  private readonly choices: Map<string, AnalyzeAs>;

  constructor(private readonly svc: Services) {
    // stored as pairs: a path is never used as an object key
    const saved = svc.memory.get<unknown>('analyzeAs', []);
    const pairs = Array.isArray(saved)
      ? saved.filter(
          (p): p is [string, AnalyzeAs] => Array.isArray(p) && typeof p[0] === 'string' && (p[1] === 'weights' || p[1] === 'embeddings'),
        )
      : [];
    this.choices = new Map(pairs);
  }

  get(file: string): AnalyzeAs | undefined {
    return this.choices.get(file);
  }

  async set(file: string, as: AnalyzeAs): Promise<void> {
    this.choices.set(file, as);
    await this.svc.memory.set('analyzeAs', [...this.choices]);
  }
}

export interface WeightsServices {
  cache: WeightsCache;
  choices: AnalyzeAsChoices;
  warnings: WeightWarningCenter;
  /** called after a thresholds change re-judged the warnings: each open weights view patches its list */
  onRejudged: vscode.Event<Map<string, WeightWarning[]>>;
}

const made = new WeakMap<Services, WeightsServices>();

export function weightsServices(svc: Services): WeightsServices {
  let ws = made.get(svc);
  if (ws) return ws;
  const storage = svc.context.globalStorageUri;
  const cache = new WeightsCache(storage.scheme === 'file' ? vscode.Uri.joinPath(storage, 'weights-cache').fsPath : undefined);
  const warnings = new WeightWarningCenter();
  const rejudged = new vscode.EventEmitter<Map<string, WeightWarning[]>>();
  ws = { cache, choices: new AnalyzeAsChoices(svc), warnings, onRejudged: rejudged.event };
  svc.context.subscriptions.push(
    warnings,
    rejudged,
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (affectsWeightWarnings(e)) rejudged.fire(warnings.rejudge());
    }),
    {
      dispose: () => {
        void cache.flush();
      },
    },
  );
  made.set(svc, ws);
  return ws;
}
