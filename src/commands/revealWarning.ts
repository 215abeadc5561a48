/**
 * Reveal Warning: where a Problems entry's link goes (src/panels/warnings.ts puts it in the
 * diagnostic's code). A checkpoint's warning opens its report and scrolls to the card of the
 * modality or pair the warning is about; a run's warning opens the run view. Not in the palette:
 * it needs the warning it came from.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { WarningPlace } from '../protocol/webview';
import { GeometryView } from '../panels/geometryView';
import type { Services } from '../panels/services';
import type { RevealArgs } from '../panels/warnings';
import { showCheckpoint } from './inspect';

function argsOf(x: unknown): RevealArgs | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const a = x as Record<string, unknown>;
  const p = a.place as Record<string, unknown> | undefined;
  if (typeof p !== 'object' || p === null || typeof p.code !== 'string') return undefined;
  const place: WarningPlace = { code: p.code };
  if (typeof p.modality === 'string') place.modality = p.modality;
  if (typeof p.pair === 'string') place.pair = p.pair;
  if (typeof a.file === 'string' && path.isAbsolute(a.file)) return { file: a.file, place };
  if (typeof a.run === 'string' && path.isAbsolute(a.run)) return { run: a.run, place };
  return undefined;
}

export async function revealWarning(svc: Services, arg: unknown): Promise<void> {
  const args = argsOf(arg);
  if (!args) return;
  if (args.run !== undefined) {
    await vscode.commands.executeCommand('dagr.openRun', vscode.Uri.file(args.run));
    return;
  }
  if (args.file === undefined) return;
  await showCheckpoint(svc, vscode.Uri.file(args.file));
  // the report of that file, whether the custom editor or a panel shows it (the one in front first)
  const views = svc.views
    .all()
    .filter((v): v is GeometryView => v instanceof GeometryView && v.source.kind === 'file' && v.source.paths[0] === args.file);
  const view = views.find((v) => v.panel.active) ?? views[views.length - 1];
  view?.reveal(args.place);
}
