/**
 * File and folder pickers that start where the user was last time (per command, per workspace).
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { Memory } from '../settings/memory';

export const CHECKPOINT_FILTERS = { Checkpoints: ['safetensors', 'npz', 'npy', 'json', 'pt', 'pth', 'bin', 'ckpt', 'parquet'] };

function defaultUri(memory: Memory, key: string): vscode.Uri | undefined {
  const last = memory.get<string | undefined>(key, undefined);
  if (last) return vscode.Uri.file(last);
  return vscode.workspace.workspaceFolders?.[0]?.uri;
}

export async function pickFile(
  memory: Memory,
  key: string,
  title: string,
  filters: Record<string, string[]>,
): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title,
    filters,
    canSelectFiles: true,
    canSelectFolders: false,
    canSelectMany: false,
    defaultUri: defaultUri(memory, key),
  });
  const uri = picked?.[0];
  if (uri) await memory.set(key, uri.fsPath);
  return uri;
}

export async function pickFolder(memory: Memory, key: string, title: string): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title,
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
    defaultUri: defaultUri(memory, key),
  });
  const uri = picked?.[0];
  if (uri) await memory.set(key, uri.fsPath);
  return uri;
}

export async function pickSaveFile(
  memory: Memory,
  key: string,
  title: string,
  suggested: string,
  filters: Record<string, string[]>,
): Promise<vscode.Uri | undefined> {
  const last = memory.get<string | undefined>(key, undefined);
  const dir = last ? vscode.Uri.file(path.dirname(last)) : vscode.workspace.workspaceFolders?.[0]?.uri;
  const uri = await vscode.window.showSaveDialog({ title, filters, ...(dir ? { defaultUri: vscode.Uri.joinPath(dir, suggested) } : {}) });
  if (uri) await memory.set(key, uri.fsPath);
  return uri;
}

/** Explorer context menus pass (clicked, selected[]); the palette passes nothing. */
export function urisFromArgs(args: unknown[]): vscode.Uri[] {
  const [first, second] = args;
  if (Array.isArray(second) && second.every((u) => u instanceof vscode.Uri)) return second as vscode.Uri[];
  if (first instanceof vscode.Uri) return [first];
  return [];
}
