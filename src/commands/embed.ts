/**
 * Embed with ONNX Encoder…: runs a model over an input array in the compute process and writes
 * the embeddings, then offers to inspect them. Needs a trusted workspace: a model file can run
 * arbitrary operators, a checkpoint cannot.
 */
import * as vscode from 'vscode';
import * as path from 'node:path';
import type { Services } from '../panels/services';
import { reportJobError } from '../compute/service';
import { pickFile, pickSaveFile, urisFromArgs } from './pick';
import { showCheckpoint } from './inspect';

export async function embedWithOnnx(svc: Services, ...args: unknown[]): Promise<void> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage('DAGR: running an ONNX model needs a trusted workspace. Viewing checkpoints works without it.');
    return;
  }
  const given = urisFromArgs(args)[0];
  const model = given?.fsPath.endsWith('.onnx')
    ? given
    : await pickFile(svc.memory, 'last.onnxModel', 'ONNX encoder model (step 1 of 4)', { 'ONNX model': ['onnx'] });
  if (!model) return;
  const input = await pickFile(svc.memory, 'last.embedInput', 'Input array for the encoder (step 2 of 4)', {
    Arrays: ['npy', 'npz', 'safetensors', 'pt', 'pth', 'parquet'],
  });
  if (!input) return;
  const suggested = `${path.basename(input.fsPath).replace(/\.[^.]+$/, '')}.embeddings.safetensors`;
  const out = await pickSaveFile(svc.memory, 'last.embedOut', 'Write embeddings to (step 3 of 4)', suggested, {
    Safetensors: ['safetensors'],
    NumPy: ['npy'],
  });
  if (!out) return;
  // the save dialog's own "replace?" question cannot be turned off; say at once, before any
  // work, that an existing file is never written over (the compute process refuses it too)
  if (await exists(out)) {
    void vscode.window.showErrorMessage(
      `DAGR: ${path.basename(out.fsPath)} already exists; embeddings are never written over an existing file. Choose a new name.`,
    );
    return;
  }
  const name = await vscode.window.showInputBox({
    title: 'Modality name for the embeddings (step 4 of 4)',
    ignoreFocusOut: true,
    value: svc.memory.get('last.embedName', 'embeddings'),
    validateInput: (v) => (/^[A-Za-z_][\w.-]*$/.test(v) ? undefined : 'letters, digits, _ . -'),
  });
  if (name === undefined) return;
  await svc.memory.set('last.embedName', name);
  try {
    const r = await svc.compute.run(
      'embed',
      { model: model.fsPath, input: input.fsPath, out: out.fsPath, name },
      { title: `DAGR: embedding ${path.basename(input.fsPath)}` },
    );
    svc.log.appendLine(`embedded ${input.fsPath} with ${model.fsPath}: ${r.rows} × ${r.dim} to ${r.out}`);
    const pick = await vscode.window.showInformationMessage(
      `DAGR: wrote ${r.rows} × ${r.dim} embeddings to ${path.basename(r.out)}`,
      'Inspect',
    );
    if (pick) await showCheckpoint(svc, vscode.Uri.file(r.out));
  } catch (e) {
    // embedding has no view of its own: the log keeps the reason after the notification hides
    svc.log.appendLine(
      `[${new Date().toISOString()}] embedding ${input.fsPath} with ${model.fsPath} failed: ${e instanceof Error ? e.message : String(e)}`,
    );
    reportJobError(e, 'embedding');
  }
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}
