/**
 * The fine-tuning model: per modality an MLP encoder to an L2-normalized embedding and a linear
 * classifier head; a linear fusion head on the concatenated embeddings. Plain tf.variable weights
 * (not tf.layers) so the DAGR terms see the normalized encoder outputs directly and the weights can
 * be saved and restored by name for resume.
 */
import { makeRng, normal, deriveSeed } from './rng';
import { normalizeRows } from './losses';
import { tf, type Tensor2D, type Variable } from './tf';

export interface ModelSpec {
  modalities: { name: string; inputDim: number }[];
  hidden: number[];
  embeddingDim: number;
  numClasses: number;
}

export interface ForwardOut {
  /** normalized encoder outputs, one per modality */
  embeddings: Tensor2D[];
  /** unimodal head logits, one per modality */
  logits: Tensor2D[];
  fusion: Tensor2D;
}

export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

/**
 * Identity forward, zero backward: the DGL baseline's "fusion loss does not reach the encoders".
 * tfjs has no stopGradient op, so it is a custom gradient.
 */
const stopGradient = tf.customGrad((...args: (tf.Tensor | ((save: tf.Tensor[]) => void))[]) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});

let instance = 0;

/** A variable from an initial tensor, which is then freed (tf.variable keeps its own reference). */
export function ownedVariable(init: tf.Tensor, name?: string, trainable = true): Variable {
  const v = tf.variable(init, trainable, name);
  init.dispose();
  return v;
}

export class Model {
  /** weights in a fixed order: the optimizer state and saved files rely on it */
  readonly params: { name: string; variable: Variable }[] = [];
  private readonly prefix: string;

  constructor(
    readonly spec: ModelSpec,
    seed: number,
  ) {
    // tfjs keeps a global registry of variable names; a per-instance prefix lets several models
    // live in one process (sweeps, the compute worker) while `name` stays stable for files.
    this.prefix = `dagr${++instance}`;
    const rng = makeRng(deriveSeed(seed, 1));
    for (const m of spec.modalities) {
      let inDim = m.inputDim;
      spec.hidden.forEach((h, i) => {
        this.dense(`${m.name}/enc${i}`, inDim, h, rng, true);
        inDim = h;
      });
      this.dense(`${m.name}/emb`, inDim, spec.embeddingDim, rng, false);
      this.dense(`${m.name}/head`, spec.embeddingDim, spec.numClasses, rng, false);
    }
    this.dense('fusion/head', spec.embeddingDim * spec.modalities.length, spec.numClasses, rng, false);
  }

  /** He-normal init for layers followed by ReLU, Glorot-normal otherwise; zero biases. */
  private dense(name: string, inDim: number, outDim: number, rng: () => number, relu: boolean): void {
    const std = relu ? Math.sqrt(2 / inDim) : Math.sqrt(2 / (inDim + outDim));
    const w = new Float32Array(inDim * outDim);
    for (let i = 0; i < w.length; i++) w[i] = normal(rng) * std;
    this.params.push({ name: `${name}/kernel`, variable: ownedVariable(tf.tensor2d(w, [inDim, outDim]), `${this.prefix}/${name}/kernel`) });
    this.params.push({ name: `${name}/bias`, variable: ownedVariable(tf.zeros([outDim]), `${this.prefix}/${name}/bias`) });
  }

  private p(name: string): Variable {
    const found = this.params.find((q) => q.name === name);
    if (!found) throw new Error(`model has no weight ${name}`);
    return found.variable;
  }

  private linear(x: Tensor2D, name: string): Tensor2D {
    return tf.add(tf.matMul(x, this.p(`${name}/kernel`)), this.p(`${name}/bias`));
  }

  /** Call inside tf.tidy (or a gradient function): returns intermediate tensors. */
  forward(inputs: Tensor2D[], decoupleFusion = false): ForwardOut {
    const embeddings: Tensor2D[] = [];
    const logits: Tensor2D[] = [];
    this.spec.modalities.forEach((m, k) => {
      let h = inputs[k];
      if (!h) throw new Error(`missing input for modality ${m.name}`);
      for (let i = 0; i < this.spec.hidden.length; i++) h = tf.relu(this.linear(h, `${m.name}/enc${i}`));
      const e = normalizeRows(this.linear(h, `${m.name}/emb`));
      embeddings.push(e);
      logits.push(this.linear(e, `${m.name}/head`));
    });
    let fused: Tensor2D = embeddings.length === 1 ? embeddings[0]! : tf.concat(embeddings, 1);
    if (decoupleFusion) fused = stopGradient(fused) as Tensor2D;
    return { embeddings, logits, fusion: this.linear(fused, 'fusion/head') };
  }

  variables(): Variable[] {
    return this.params.map((p) => p.variable);
  }

  /** read without blocking (tfjs-webgpu has no synchronous read in Node) */
  async exportWeights(): Promise<NamedArray[]> {
    const data = await Promise.all(this.params.map((p) => p.variable.data()));
    return this.params.map((p, i) => ({ name: p.name, shape: p.variable.shape.slice(), data: data[i] as Float32Array }));
  }

  importWeights(weights: NamedArray[]): void {
    for (const p of this.params) {
      const w = weights.find((q) => q.name === p.name);
      if (!w) throw new Error(`saved model lacks weight ${p.name}`);
      if (w.shape.join('x') !== p.variable.shape.join('x'))
        throw new Error(`weight ${p.name} has shape ${w.shape.join('x')}, expected ${p.variable.shape.join('x')}`);
      tf.tidy(() => p.variable.assign(tf.tensor(w.data, w.shape)));
    }
  }

  dispose(): void {
    for (const p of this.params) p.variable.dispose();
  }
}
