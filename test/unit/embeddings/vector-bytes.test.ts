import { describe, expect, it } from 'vitest';
import { bytesToVector, vectorToBytes } from '../../../src/embeddings/vector-bytes.ts';

describe('vector bytes', () => {
  it('round-trips float32 values exactly', () => {
    const vector = Float32Array.from([0, 1, -1, 0.1, 3.4028234663852886e38, -1e-45, Number.NaN]);
    const back = bytesToVector(vectorToBytes(vector), vector.length);
    expect(Array.from(back)).toEqual(Array.from(vector));
  });

  it('writes little-endian float32', () => {
    expect(Array.from(vectorToBytes([1]))).toEqual([0x00, 0x00, 0x80, 0x3f]);
    expect(Array.from(bytesToVector(Uint8Array.from([0x00, 0x00, 0x00, 0xc0])))).toEqual([-2]);
  });

  it('reads from a view into a larger buffer', () => {
    const buffer = new Uint8Array(12);
    buffer.set(vectorToBytes([2.5, -4]), 4);
    expect(Array.from(bytesToVector(buffer.subarray(4, 12)))).toEqual([2.5, -4]);
  });

  it('rejects byte counts that are not whole vectors', () => {
    expect(() => bytesToVector(new Uint8Array(6))).toThrow(/multiple of 4 bytes; got 6/);
    expect(() => bytesToVector(new Uint8Array(8), 3)).toThrow(/dimension 3 \(12 bytes\); got 2 values/);
  });
});
