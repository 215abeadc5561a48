/**
 * Open geometry views, so commands can find the active one (Export Report) and settings changes
 * can reach all of them.
 */
import type { GeometryView } from './geometryView';

export class ViewRegistry {
  private readonly views = new Set<GeometryView>();

  add(v: GeometryView): void { this.views.add(v); }
  delete(v: GeometryView): void { this.views.delete(v); }
  all(): GeometryView[] { return [...this.views]; }

  /** the focused view, else the one shown most recently */
  active(): GeometryView | undefined {
    const all = this.all();
    return all.find((v) => v.panel.active) ?? all.filter((v) => v.panel.visible).pop() ?? all.pop();
  }

  /** a view already showing this source, to reveal instead of opening a duplicate */
  find(kind: string, paths: string[]): GeometryView | undefined {
    return this.all().find((v) => v.source.kind === kind && v.source.paths.join('\n') === paths.join('\n') && !v.isEditor);
  }
}
