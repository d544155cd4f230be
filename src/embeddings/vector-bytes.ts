/** Vectors stored in the database as little-endian float32 bytes, whatever the host's byte order. */

/** `vector` as little-endian float32 bytes (4 bytes per value). */
export function vectorToBytes(vector: Float32Array | readonly number[]): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(vector.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < vector.length; i++) view.setFloat32(i * 4, vector[i] ?? 0, true);
  return bytes;
}

/**
 * Reads little-endian float32 bytes back into a vector. Throws when the byte length is not a
 * multiple of 4 or does not match `dimension` (when given), which means the row is corrupt.
 */
export function bytesToVector(bytes: Uint8Array, dimension?: number): Float32Array {
  if (bytes.byteLength % 4 !== 0) {
    throw new Error(`A float32 vector needs a multiple of 4 bytes; got ${bytes.byteLength}.`);
  }
  const length = bytes.byteLength / 4;
  if (dimension !== undefined && length !== dimension) {
    throw new Error(`Expected a vector of dimension ${dimension} (${dimension * 4} bytes); got ${length} values.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const vector = new Float32Array(length);
  for (let i = 0; i < length; i++) vector[i] = view.getFloat32(i * 4, true);
  return vector;
}
