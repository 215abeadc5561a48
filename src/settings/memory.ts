/**
 * Remembers a command's last answers (file pickers, quick picks) so the next run proposes them.
 * Paths are per workspace; numeric choices (lambda, tau) are global.
 */
import type * as vscode from 'vscode';

export class Memory {
  constructor(private readonly ctx: vscode.ExtensionContext) {}

  get<T>(key: string, fallback: T, scope: 'workspace' | 'global' = 'workspace'): T {
    return this.store(scope).get<T>(`dagr.${key}`) ?? fallback;
  }

  set(key: string, value: unknown, scope: 'workspace' | 'global' = 'workspace'): Thenable<void> {
    return this.store(scope).update(`dagr.${key}`, value);
  }

  private store(scope: 'workspace' | 'global'): vscode.Memento {
    return scope === 'global' ? this.ctx.globalState : this.ctx.workspaceState;
  }
}
