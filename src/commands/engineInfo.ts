/**
 * Show Engine Info: what the compute process actually loaded, so a number is never separated
 * from what produced it (and a silent CPU fallback is visible).
 */
import * as vscode from 'vscode';
import type { Services } from '../panels/services';
import { readSettings } from '../settings/config';
import { reportJobError } from '../compute/service';
// the webview's count formatter (pure, no DOM): the same words in notifications and in the panel
import { plural } from '../protocol/format';

export async function showEngineInfo(svc: Services): Promise<void> {
  try {
    const { engine, device } = readSettings();
    const info = await svc.compute.run('engineInfo', { engine, device }, { title: 'DAGR: loading the engine' });
    const g = info.geometry;
    const lines = [
      `Geometry engine: ${g.name} on ${g.device}, ${plural(g.threads, 'thread')}${g.note ? ` (${g.note})` : ''}`,
      ...(info.training ? [`Training backend: ${info.training.backend}${info.training.note ? ` (${info.training.note})` : ''}`] : []),
      `Compute process: pid ${svc.compute.pid ?? '?'}, Node ${info.node}, ${info.platform}`,
    ];
    lines.forEach((l) => svc.log.appendLine(l));
    // a fallback is said in the message itself, not only in the details
    const fallback = g.name === 'js' && g.note ? `. ${g.note}` : '';
    const training = info.training ? `. Training: ${info.training.backend}` : '';
    const pick = await vscode.window.showInformationMessage(
      `DAGR engine: ${g.name} on ${g.device}, ${plural(g.threads, 'thread')}${fallback}${training}`,
      'Show Details',
    );
    if (pick) svc.log.show(true);
  } catch (e) {
    reportJobError(e, 'loading the engine');
  }
}
