/**
 * The one place src/train gets TensorFlow.js from, so every file shares one engine instance
 * (the native backends register themselves into this same instance when they load).
 */
import * as tf from '@tensorflow/tfjs';

export { tf };
export type Tensor = tf.Tensor;
export type Tensor1D = tf.Tensor1D;
export type Tensor2D = tf.Tensor2D;
export type Scalar = tf.Scalar;
export type Variable = tf.Variable;
