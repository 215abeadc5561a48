/**
 * Export Report (HTML / JSON) of the active geometry view.
 */
import * as vscode from 'vscode';
import type { Services } from '../panels/services';
import { exportView } from '../panels/export';

export async function exportReport(svc: Services, format?: 'html' | 'json'): Promise<void> {
  const view = svc.views.active();
  if (!view?.current) {
    void vscode.window.showInformationMessage('DAGR: open a geometry view first (DAGR: Inspect Checkpoint…), then export it.');
    return;
  }
  let fmt = format;
  if (fmt === undefined) {
    const last = svc.memory.get<'html' | 'json'>('last.exportFormat', 'html', 'global');
    const items = [
      { label: 'HTML', description: 'one self-contained file, opens in any browser', format: 'html' as const },
      { label: 'JSON', description: 'the report as data (same as dagr inspect --json)', format: 'json' as const },
    ].sort((a, b) => Number(b.format === last) - Number(a.format === last));
    fmt = (await vscode.window.showQuickPick(items, { title: 'Export DAGR report as' }))?.format;
    if (!fmt) return;
    await svc.memory.set('last.exportFormat', fmt, 'global');
  }
  await exportView(view.current, fmt, view.source);
}
