/**
 * Owning resources the VS Code way, without importing vscode (the compute client and unit tests
 * use it under plain Node): anything with dispose() is a resource; a Disposable owns the ones it
 * registers and releases them once, newest first; a DisposableValue holds one resource that is
 * released when replaced (a view's current job, a run view's folder watcher). vscode.Disposable,
 * vscode.EventEmitter and an event subscription all fit IDisposable.
 */

export interface IDisposable {
  dispose(): void;
}

/** A resource from a function: `toDisposable(() => clearInterval(t))`. */
export function toDisposable(release: () => void): IDisposable {
  let done = false;
  return {
    dispose: () => {
      if (done) return;
      done = true;
      release();
    },
  };
}

/**
 * Releases every resource, newest first, even when one throws (the rest are still released;
 * the first error is thrown afterwards, so a failing release is not hidden).
 */
export function disposeAll(resources: IDisposable[]): void {
  let first: unknown;
  let failed = false;
  while (resources.length > 0) {
    try {
      resources.pop()?.dispose();
    } catch (e) {
      if (!failed) first = e;
      failed = true;
    }
  }
  if (failed) throw first;
}

/** Base of a class that owns resources: `this.register(x)` ties x to this object's lifetime. */
export abstract class Disposable implements IDisposable {
  private readonly owned: IDisposable[] = [];
  private released = false;

  /** True once dispose() ran: a late callback (a job's answer, a timer) checks it and does nothing. */
  protected get isDisposed(): boolean {
    return this.released;
  }

  /** Owns `resource` from now on; one registered after dispose() is released at once. */
  protected register<T extends IDisposable>(resource: T): T {
    if (this.released) resource.dispose();
    else this.owned.push(resource);
    return resource;
  }

  dispose(): void {
    if (this.released) return;
    this.released = true;
    disposeAll(this.owned);
  }
}

/** One replaceable resource: setting a new value releases the old one. */
export class DisposableValue<T extends IDisposable> implements IDisposable {
  private current: T | undefined;
  private released = false;

  get value(): T | undefined {
    return this.current;
  }

  /** Replaces the held resource, releasing the old one; after dispose() the new one is released at once. */
  set value(next: T | undefined) {
    if (next === this.current) return;
    const old = this.current;
    this.current = this.released ? undefined : next;
    old?.dispose();
    if (this.released) next?.dispose();
  }

  /** Releases the held resource and holds nothing. */
  clear(): void {
    this.value = undefined;
  }

  dispose(): void {
    if (this.released) return;
    this.clear();
    this.released = true;
  }
}
