/**
 * Open geometry views, so commands can find the active one (Export Report) and settings changes
 * can reach all of them. It knows a view by what those callers use (OpenView), not by the
 * GeometryView class, so that geometryView.ts -> services.ts -> registry.ts is not a circle.
 */
import type * as vscode from 'vscode';
import type { GeometryReport } from '../protocol/report';
import type { PersistedState, ViewModel } from '../protocol/webview';

/** What commands and settings changes need from an open view (GeometryView has all of it). */
export interface OpenView {
  readonly panel: vscode.WebviewPanel;
  readonly source: PersistedState['source'];
  readonly isEditor: boolean;
  readonly current: ViewModel | undefined;
  readonly recomputable: boolean;
  compute(byUser?: boolean): Promise<void>;
  patchWarnings(source: string, warnings: GeometryReport['warnings']): void;
}

export class ViewRegistry {
  private readonly views = new Set<OpenView>();

  add(v: OpenView): void {
    this.views.add(v);
  }
  delete(v: OpenView): void {
    this.views.delete(v);
  }
  all(): OpenView[] {
    return [...this.views];
  }

  /** the focused view, else the one shown most recently */
  active(): OpenView | undefined {
    const all = this.all();
    return all.find((v) => v.panel.active) ?? all.filter((v) => v.panel.visible).pop() ?? all.pop();
  }

  /** a view already showing this source, to reveal instead of opening a duplicate */
  find(kind: string, paths: string[]): OpenView | undefined {
    return this.all().find((v) => v.source.kind === kind && v.source.paths.join('\n') === paths.join('\n') && !v.isEditor);
  }
}
