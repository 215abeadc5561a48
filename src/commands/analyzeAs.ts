/**
 * "Analyze as Weights…" and "Analyze as Embeddings…" (issue 9): which report a checkpoint gets.
 * The choice is remembered per file; the views showing the file recompute with it. On a model
 * checkpoint, Analyze as Embeddings asks which 2-D tensor's rows to read as embeddings (the
 * embedding tables first), or the whole file as paired arrays.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { Services } from '../panels/services';
import { weightsServices } from '../panels/weightsServices';
import type { AnalyzeAs } from '../panels/weightsServices';
import { openTensorAsEmbeddings } from '../panels/weightsTablePanel';
import type { TensorTable } from '../protocol/weights';
import { showCheckpoint } from './inspect';
import { CHECKPOINT_FILTERS, pickFile, urisFromArgs } from './pick';

/** The file a command is about: the menu's Uri, else the active view's file, else a picked one. */
async function targetFile(svc: Services, args: unknown[]): Promise<string | undefined> {
  const given = urisFromArgs(args)[0];
  if (given) return given.fsPath;
  const active = svc.views.active();
  if (active?.source.kind === 'file' && active.source.paths[0] !== undefined) return active.source.paths[0];
  return (await pickFile(svc.memory, 'last.checkpoint', 'Analyze checkpoint', CHECKPOINT_FILTERS))?.fsPath;
}

/** Recomputes the views of `file` (not the embedding-table panels, which name their tensor). */
async function apply(svc: Services, file: string, as: AnalyzeAs): Promise<void> {
  await weightsServices(svc).choices.set(file, as);
  const views = svc.views
    .all()
    .filter(
      (v) =>
        v.source.kind === 'file' &&
        v.source.paths[0] === file &&
        !(v.current?.kind === 'report' && v.panel.title.startsWith('Embeddings: ')),
    );
  if (views.length === 0) {
    await showCheckpoint(svc, vscode.Uri.file(file));
    return;
  }
  for (const v of views) {
    v.panel.reveal();
    await v.compute(true);
  }
}

export async function analyzeAsWeights(svc: Services, ...args: unknown[]): Promise<void> {
  const file = await targetFile(svc, args);
  if (file !== undefined) await apply(svc, file, 'weights');
}

interface TensorPick extends vscode.QuickPickItem {
  tensor?: string;
}

/** 2-D tensors of a model, embedding tables first, then by size. */
export function tensorPicks(table: TensorTable): TensorPick[] {
  const twoD = table.tensors
    .filter((t) => t.shape.length === 2 && t.parameters > 0 && /^(b?float|f)/i.test(t.dtype))
    .sort((a, b) => Number(b.embeddingTable) - Number(a.embeddingTable) || b.parameters - a.parameters);
  return [
    ...twoD.map((t) => ({
      label: t.name,
      description: `${t.shape.join(' × ')} ${t.dtype}${t.embeddingTable ? ' · embedding table' : ''}`,
      detail: `its ${t.shape[0] ?? 0} rows as the samples of one modality`,
      tensor: t.name,
    })),
    { label: 'The whole file as paired embedding arrays', description: 'the embeddings report of the file itself' },
  ];
}

export async function analyzeAsEmbeddings(svc: Services, ...args: unknown[]): Promise<void> {
  const file = await targetFile(svc, args);
  if (file === undefined) return;
  // from the weights view's row button: (uri, tensor)
  const named = args[1];
  if (typeof named === 'string' && named.length > 0) {
    openTensorAsEmbeddings(svc, file, named);
    return;
  }
  const ws = weightsServices(svc);
  let table: TensorTable | undefined;
  try {
    table = (await ws.cache.lookup(file))?.table ?? (await svc.compute.run('weightsTable', { path: file }));
  } catch (e) {
    // not readable as a tensor table: the embeddings report will say what is wrong with the file
    svc.log.appendLine(`weights: reading the tensor table of ${file} failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (table && table.looksLike === 'weights' && table.tensors.some((t) => t.shape.length === 2)) {
    const pick = await vscode.window.showQuickPick(tensorPicks(table), {
      title: `Analyze as Embeddings: ${path.basename(file)}`,
      placeHolder: "Which tensor's rows are the embeddings?",
      matchOnDescription: true,
    });
    if (!pick) return;
    if (pick.tensor !== undefined) {
      openTensorAsEmbeddings(svc, file, pick.tensor);
      return;
    }
  }
  await apply(svc, file, 'embeddings');
}
