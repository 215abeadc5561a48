/**
 * Inspect Checkpoint…, Open Run…, Compare Checkpoints…, and Open Report (from a warning).
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import { GEOMETRY_EDITOR, FILE_EXTENSIONS } from '../panels/services';
import type { Services } from '../panels/services';
import { openPanel } from '../panels/panels';
import { CHECKPOINT_FILTERS, pickFile, pickFolder, urisFromArgs } from './pick';

async function isFolder(uri: vscode.Uri): Promise<boolean> {
  try {
    return ((await vscode.workspace.fs.stat(uri)).type & vscode.FileType.Directory) !== 0;
  } catch {
    return false;
  }
}

/** Files the custom editor is registered for open in it; anything else (json, folders) in a panel. */
export async function showCheckpoint(svc: Services, uri: vscode.Uri): Promise<void> {
  const ext = path.extname(uri.fsPath).slice(1).toLowerCase();
  if (FILE_EXTENSIONS.includes(ext)) {
    await vscode.commands.executeCommand('vscode.openWith', uri, GEOMETRY_EDITOR);
    return;
  }
  openPanel(svc, { kind: (await isFolder(uri)) ? 'run' : 'file', paths: [uri.fsPath] });
}

export async function inspectCheckpoint(svc: Services, ...args: unknown[]): Promise<void> {
  const uri = urisFromArgs(args)[0] ?? (await pickFile(svc.memory, 'last.checkpoint', 'Inspect checkpoint', CHECKPOINT_FILTERS));
  if (!uri) return;
  await svc.memory.set('last.checkpoint', uri.fsPath);
  await showCheckpoint(svc, uri);
}

export async function openRun(svc: Services, ...args: unknown[]): Promise<void> {
  const uri = urisFromArgs(args)[0] ?? (await pickFolder(svc.memory, 'last.run', 'Open run folder (one checkpoint per epoch)'));
  if (!uri) return;
  await svc.memory.set('last.run', uri.fsPath);
  // a single file passed from a menu is shown as a checkpoint
  if (!(await isFolder(uri))) return showCheckpoint(svc, uri);
  openPanel(svc, { kind: 'run', paths: [uri.fsPath] });
}

export async function compareCheckpoints(svc: Services, ...args: unknown[]): Promise<void> {
  const given = urisFromArgs(args);
  let a = given[0];
  let b = given[1];
  a ??= await pickFile(svc.memory, 'last.compareA', 'Compare: first checkpoint (before)', CHECKPOINT_FILTERS);
  if (!a) return;
  b ??= await pickFile(svc.memory, 'last.compareB', `Compare ${path.basename(a.fsPath)} with… (after)`, CHECKPOINT_FILTERS);
  if (!b) return;
  openPanel(svc, { kind: 'compare', paths: [a.fsPath, b.fsPath] });
}

/** From a warning (status bar, notification): reveal the file's report, opening it if needed. */
export async function openReport(svc: Services, uri?: unknown): Promise<void> {
  if (uri instanceof vscode.Uri) return showCheckpoint(svc, uri);
  const active = svc.views.active();
  if (active) active.panel.reveal();
  else await inspectCheckpoint(svc);
}
