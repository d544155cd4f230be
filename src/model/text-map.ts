/** Title text as one matrix: titles x dim, row-major, zero rows where a title's text is unknown. */
export interface TextMatrix {
  values: Float32Array;
  dim: number;
}

/** Whether a title row has any text (a zero row means none is known). */
export function hasText(text: TextMatrix, row: number): boolean {
  return text.values.subarray(row * text.dim, (row + 1) * text.dim).some((x) => x !== 0);
}

/**
 * Ridge regression from title text to `targets` rows (width `width`), fitted on the `warm` rows:
 * W = (X^T X + lambda I)^-1 X^T Y, solved by Cholesky (textDim is small: genres or a sentence encoder).
 * Returns a predictor for any row's text.
 */
export function fitTextMap(text: TextMatrix, warm: readonly number[], targets: Float32Array, width: number, lambda: number): (row: number) => Float32Array {
  const t = text.dim;
  const gram = new Float64Array(t * t);
  const xty = new Float64Array(t * width);
  for (const row of warm) {
    const x = text.values.subarray(row * t, (row + 1) * t);
    for (let i = 0; i < t; i++) {
      const xi = x[i]!;
      if (xi === 0) continue;
      for (let j = 0; j < t; j++) gram[i * t + j]! += xi * x[j]!;
      for (let j = 0; j < width; j++) xty[i * width + j]! += xi * targets[row * width + j]!;
    }
  }
  for (let i = 0; i < t; i++) gram[i * t + i]! += lambda;
  // Cholesky: gram = L L^T.
  const l = new Float64Array(t * t);
  for (let i = 0; i < t; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = gram[i * t + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * t + k]! * l[j * t + k]!;
      l[i * t + j] = i === j ? Math.sqrt(Math.max(sum, 1e-12)) : sum / l[j * t + j]!;
    }
  }
  const w = new Float64Array(t * width);
  const z = new Float64Array(t);
  for (let c = 0; c < width; c++) {
    for (let i = 0; i < t; i++) {
      let sum = xty[i * width + c]!;
      for (let k = 0; k < i; k++) sum -= l[i * t + k]! * z[k]!;
      z[i] = sum / l[i * t + i]!;
    }
    for (let i = t - 1; i >= 0; i--) {
      let sum = z[i]!;
      for (let k = i + 1; k < t; k++) sum -= l[k * t + i]! * w[k * width + c]!;
      w[i * width + c] = sum / l[i * t + i]!;
    }
  }
  return (row) => {
    const x = text.values.subarray(row * t, (row + 1) * t);
    const out = new Float32Array(width);
    for (let i = 0; i < t; i++) {
      const xi = x[i]!;
      if (xi === 0) continue;
      for (let c = 0; c < width; c++) out[c]! += xi * w[i * width + c]!;
    }
    return out;
  };
}
