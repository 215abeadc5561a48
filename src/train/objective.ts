/**
 * The training objective of one batch:
 *   CE(fusion) + unimodalWeight * sum_m CE(head_m) + lambdaDisp * sum_m L_disp^m + lambdaAnc * sum_{m<n} L_anc^{mn}
 * with the DAGR terms on the normalized encoder outputs (DESIGN.md section 2).
 */
import type { TrainConfig } from '../protocol/train';
import { anchoringLoss, dispersiveLoss } from './losses';
import type { Model } from './model';
import { tf, type Scalar, type Tensor1D, type Tensor2D } from './tf';

/** Mean softmax cross-entropy from logits and one-hot targets, via a per-row log-sum-exp. */
export function crossEntropy(logits: Tensor2D, oneHot: Tensor2D): Scalar {
  return tf.tidy(() => tf.mean(tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(logits, oneHot), 1))) as Scalar);
}

/** Names of the logged terms, in the order of the vector objective() returns. */
export function termNames(modalities: string[]): { disp: string[]; anc: string[] } {
  const anc: string[] = [];
  for (let a = 0; a < modalities.length; a++) for (let b = a + 1; b < modalities.length; b++) anc.push(`${modalities[a]}/${modalities[b]}`);
  return { disp: modalities.slice(), anc };
}

/**
 * Returns the scalar to minimize and a vector of its terms
 * [total, task, unimodal, disp_1..disp_M, anc_1..anc_P] for logging (DAGR entries only when enabled).
 */
export function objective(model: Model, inputs: Tensor2D[], oneHot: Tensor2D, cfg: TrainConfig): { total: Scalar; terms: Tensor1D } {
  const out = model.forward(inputs, cfg.gradientDecoupling);
  const task = crossEntropy(out.fusion, oneHot);
  const uni = out.logits.map((l) => crossEntropy(l, oneHot));
  const unimodal = uni.length ? tf.addN(uni) : tf.scalar(0);
  let total = tf.add(task, tf.mul(unimodal, cfg.unimodalWeight)) as Scalar;
  const logged: Scalar[] = [task, unimodal as Scalar];
  if (cfg.dagr.enabled) {
    const { t, pairs, tau, hinge, lambdaDisp, lambdaAnc } = cfg.dagr;
    const disp = out.embeddings.map((e) => dispersiveLoss(e, t, pairs));
    const anc: Scalar[] = [];
    for (let a = 0; a < out.embeddings.length; a++) {
      for (let b = a + 1; b < out.embeddings.length; b++) anc.push(anchoringLoss(out.embeddings[a]!, out.embeddings[b]!, tau, hinge));
    }
    if (disp.length) total = tf.add(total, tf.mul(tf.addN(disp), lambdaDisp));
    if (anc.length) total = tf.add(total, tf.mul(tf.addN(anc), lambdaAnc));
    logged.push(...disp, ...anc);
  }
  return { total, terms: tf.stack([total, ...logged]) as Tensor1D };
}
