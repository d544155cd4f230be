import * as tf from '@tensorflow/tfjs';

/*
 * tfjs-backend-wasm runs matMul with a transposed operand about 15x slower than an explicit transpose
 * followed by a plain matMul (measured here: 0.9 s vs 0.06 + 0.08 s for 32x9742 by 9742x256), and the
 * stock matMul gradient uses transposed operands. These replacements only ever call plain matMul.
 */
// tf.customGrad's typing only admits a fixed tuple of inputs; this is its actual shape.
type CustomGrad = (f: (...args: never[]) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] }) => (...args: tf.Tensor[]) => tf.Tensor;

export const fastMatMul = (a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D =>
  (tf.customGrad as unknown as CustomGrad)((x: tf.Tensor, y: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x as tf.Tensor2D, y as tf.Tensor2D]);
    return {
      value: tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D),
      gradFunc: (dy, saved) => {
        const [sa, sb] = saved as tf.Tensor2D[];
        return [tf.matMul(dy as tf.Tensor2D, tf.transpose(sb!)), tf.matMul(tf.transpose(sa!), dy as tf.Tensor2D)];
      },
    };
  })(a, b) as tf.Tensor2D;

/** input x weights where the input is data: its gradient is never used, so it is returned as zeros. */
export const matMulConstLeft = (input: tf.Tensor2D, weights: tf.Tensor2D): tf.Tensor2D =>
  (tf.customGrad as unknown as CustomGrad)((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
    // Saved, not closed over: the tape disposes forward-pass tensors it was not asked to keep.
    save([x]);
    return {
      value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
      gradFunc: (dy, saved) => [tf.zerosLike(saved[0]!), tf.matMul(tf.transpose(saved[0]! as tf.Tensor2D), dy as tf.Tensor2D)],
    };
  })(input, weights) as tf.Tensor2D;

/** a x constant, with the constant's transpose supplied so the gradient needs no transpose of it. */
export const matMulConstRight = (a: tf.Tensor2D, constant: tf.Tensor2D, constantTransposed: tf.Tensor2D): tf.Tensor2D =>
  (tf.customGrad as unknown as CustomGrad)((x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x as tf.Tensor2D]);
    return {
      value: tf.matMul(x as tf.Tensor2D, constant),
      gradFunc: (dy) => [tf.matMul(dy as tf.Tensor2D, constantTransposed)],
    };
  })(a) as tf.Tensor2D;
