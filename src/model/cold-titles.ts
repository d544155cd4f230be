import { fitTextMap, hasText, type TextMatrix } from './text-map.ts';

/**
 * How far a cold title's predicted vector is trusted. `full`: as the text map predicts it (the Mult-DAE, whose
 * softmax bias already ranks rare titles low). `rare-titles`: scaled by {@link rareTitleTrust} (the linear
 * architectures, where an unscaled prediction looks like the average of similar rated titles and outranks them).
 */
export type ColdTitleTrust = 'full' | 'rare-titles';

/** Bias for titles without training ratings: the median bias of titles rated exactly once (a rare-title prior). */
export function coldTitleBias(biases: Float32Array, ratedCount: Int32Array): number {
  const rare: number[] = [];
  for (let row = 0; row < biases.length; row++) if (ratedCount[row] === 1) rare.push(biases[row]!);
  if (rare.length === 0) for (let row = 0; row < biases.length; row++) if (ratedCount[row]! > 0) rare.push(biases[row]!);
  if (rare.length === 0) return 0;
  rare.sort((a, b) => a - b);
  return rare[Math.floor(rare.length / 2)]!;
}

/**
 * How far to trust the text map for a title nobody rated: the least-squares factor that maps the text map's
 * predictions for titles rated once onto their learned vectors (bias left out), in [0, 1]. The map predicts
 * something like the average of similar rated titles, which would rank above nearly every rare title.
 */
function rareTitleTrust(predict: (row: number) => Float32Array, titleVectors: Float32Array, ratedCount: Int32Array, d: number): number {
  let cross = 0;
  let self = 0;
  ratedCount.forEach((count, row) => {
    if (count !== 1) return;
    const predicted = predict(row);
    for (let i = 0; i < d; i++) {
      cross += predicted[i]! * titleVectors[row * (d + 1) + i]!;
      self += predicted[i]! * predicted[i]!;
    }
  });
  return self > 0 ? Math.min(1, Math.max(0, cross / self)) : 1;
}

/**
 * Gives every title without training ratings (`ratedCount` 0) new rows, in place: the rows its text predicts
 * through ridge maps fitted on the rated titles' `titleVectors` (titles x (d + 1), bias last) and `encoderRows`
 * (titles x d), or, without text, zero rows and a rare-title bias. Whatever training left in a cold title's
 * rows (init noise, softmax push-down) is replaced. Returns how many titles were cold.
 */
export function fillColdTitles(text: TextMatrix | undefined, ratedCount: Int32Array, titleVectors: Float32Array, encoderRows: Float32Array, d: number, trust: ColdTitleTrust): number {
  const n = ratedCount.length;
  const cold: number[] = [];
  const warm: number[] = [];
  for (let row = 0; row < n; row++) (ratedCount[row] === 0 ? cold : warm).push(row);
  if (cold.length === 0) return 0;
  const biases = Float32Array.from({ length: n }, (_, row) => titleVectors[row * (d + 1) + d]!);
  const coldBias = coldTitleBias(biases, ratedCount);
  const predictOut = text ? fitTextMap(text, warm, titleVectors, d + 1, 1) : undefined;
  const predictIn = text ? fitTextMap(text, warm, encoderRows, d, 1) : undefined;
  const factor = predictOut && trust === 'rare-titles' ? rareTitleTrust(predictOut, titleVectors, ratedCount, d) : 1;
  for (const row of cold) {
    if (text && predictOut && predictIn && hasText(text, row)) {
      const out = predictOut(row);
      if (factor !== 1) for (let i = 0; i < d; i++) out[i]! *= factor;
      titleVectors.set(out, row * (d + 1));
      encoderRows.set(predictIn(row), row * d);
    } else {
      titleVectors.fill(0, row * (d + 1), (row + 1) * (d + 1));
      titleVectors[row * (d + 1) + d] = coldBias;
      encoderRows.fill(0, row * d, (row + 1) * d);
    }
  }
  return cold.length;
}
