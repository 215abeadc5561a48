/**
 * What every view and command needs from the extension, passed explicitly rather than through
 * module globals so each piece can be built on its own.
 */
import type * as vscode from 'vscode';
import type { ComputeService } from '../compute/service';
import type { Memory } from '../settings/memory';
import type { WarningCenter } from './warnings';
import type { ViewRegistry } from './registry';

export interface Services {
  context: vscode.ExtensionContext;
  extensionUri: vscode.Uri;
  compute: ComputeService;
  memory: Memory;
  warnings: WarningCenter;
  views: ViewRegistry;
  log: vscode.OutputChannel;
}

export const GEOMETRY_EDITOR = 'dagr.geometry';
export const PANEL_VIEW_TYPE = 'dagr.panel';
/** the files the Geometry editor claims (package.json customEditors); a .bin opens only when it is PyTorch */
export const FILE_EXTENSIONS = ['safetensors', 'npz', 'npy', 'pt', 'pth', 'ckpt', 'parquet'];
