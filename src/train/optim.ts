/**
 * Adam and SGD with momentum over a fixed, ordered list of variables. Written here rather than
 * using tf.train.* so the learning rate can follow a schedule per step and the full state (moments,
 * step count) can be saved and restored exactly on resume.
 */
import { ownedVariable, type NamedArray } from './model';
import { tf, type Tensor, type Variable } from './tf';

export interface OptimizerState {
  kind: 'adam' | 'sgd';
  step: number;
  slots: NamedArray[];
}

export class Optimizer {
  private step = 0;
  private readonly m: Variable[];
  private readonly v: Variable[];

  constructor(
    readonly kind: 'adam' | 'sgd',
    private readonly vars: Variable[],
    private readonly momentum = 0.9,
  ) {
    this.m = vars.map((x) => ownedVariable(tf.zerosLike(x), undefined, false));
    this.v = kind === 'adam' ? vars.map((x) => ownedVariable(tf.zerosLike(x), undefined, false)) : [];
  }

  /** One update with learning rate `lr`; grads are in the same order as the variables. */
  apply(grads: Tensor[], lr: number): void {
    this.step += 1;
    const beta1 = 0.9;
    const beta2 = 0.999;
    const eps = 1e-7;
    tf.tidy(() => {
      this.vars.forEach((x, i) => {
        const g = grads[i];
        if (!g) return;
        const m = this.m[i]!;
        if (this.kind === 'sgd') {
          m.assign(tf.add(tf.mul(m, this.momentum), g));
          x.assign(tf.sub(x, tf.mul(m, lr)));
          return;
        }
        const v = this.v[i]!;
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        const step = (lr * Math.sqrt(1 - beta2 ** this.step)) / (1 - beta1 ** this.step);
        x.assign(tf.sub(x, tf.div(tf.mul(m, step), tf.add(tf.sqrt(v), eps))));
      });
    });
  }

  /** read without blocking (tfjs-webgpu has no synchronous read in Node) */
  async exportState(): Promise<OptimizerState> {
    const step = this.step;
    const named = [...this.m.map((x, i) => [`m/${i}`, x] as const), ...this.v.map((x, i) => [`v/${i}`, x] as const)];
    const data = await Promise.all(named.map(([, x]) => x.data()));
    const slots: NamedArray[] = named.map(([name, x], i) => ({ name, shape: x.shape.slice(), data: data[i] as Float32Array }));
    return { kind: this.kind, step, slots };
  }

  importState(state: OptimizerState): void {
    if (state.kind !== this.kind) throw new Error(`saved optimizer is ${state.kind}, config asks for ${this.kind}`);
    const load = (list: Variable[], tag: string) =>
      list.forEach((x, i) => {
        const s = state.slots.find((q) => q.name === `${tag}/${i}`);
        if (!s || s.data.length !== x.size) throw new Error(`saved optimizer state lacks ${tag}/${i}`);
        tf.tidy(() => x.assign(tf.tensor(s.data, x.shape)));
      });
    load(this.m, 'm');
    load(this.v, 'v');
    this.step = state.step;
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}

/** Learning rate at a step: constant, cosine to 0 over the run, or x0.1 at 50% and 75%. */
export function scheduledRate(base: number, schedule: 'constant' | 'cosine' | 'step', step: number, totalSteps: number): number {
  const p = totalSteps > 0 ? Math.min(1, step / totalSteps) : 0;
  if (schedule === 'cosine') return base * 0.5 * (1 + Math.cos(Math.PI * p));
  if (schedule === 'step') return base * (p >= 0.75 ? 0.01 : p >= 0.5 ? 0.1 : 1);
  return base;
}
