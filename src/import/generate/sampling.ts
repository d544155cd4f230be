/** Random draws the generator needs on top of the project's seeded uniform source (src/lib/random.ts). */
import { seededRandom } from '../../lib/random.ts';

/** A seeded source of uniform, normal and discrete draws. */
export class Draws {
  readonly uniform: () => number;
  private spare: number | null = null;

  constructor(seed: number) {
    this.uniform = seededRandom(seed);
  }

  /** Standard normal (Box-Muller, both values used). */
  normal(): number {
    if (this.spare !== null) {
      const value = this.spare;
      this.spare = null;
      return value;
    }
    const u = 1 - this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A whole number from 0 to n - 1. */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  chance(p: number): boolean {
    return this.uniform() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.uniform());
  }
}

/**
 * A seed for one part of the data (stage) and one entity, so users and movies can be re-created on their
 * own (e.g. the planted taste of user 7) without replaying everything drawn before them.
 */
export function seedFor(seed: number, stage: number, id: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(stage + 1, 0xc2b2ae35) ^ Math.imul(id + 1, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Walker/Vose alias table: draws index i with probability weights[i] / sum in O(1). */
export class AliasTable {
  private readonly probability: Float64Array;
  private readonly alias: Int32Array;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    if (n === 0) throw new RangeError('an alias table needs at least one weight');
    let sum = 0;
    for (let i = 0; i < n; i++) sum += weights[i]!;
    this.probability = new Float64Array(n);
    this.alias = new Int32Array(n);
    const scaled = new Float64Array(n);
    const small: number[] = [];
    const large: number[] = [];
    for (let i = 0; i < n; i++) {
      scaled[i] = sum > 0 ? (weights[i]! * n) / sum : 1;
      (scaled[i]! < 1 ? small : large).push(i);
    }
    while (small.length > 0 && large.length > 0) {
      const s = small.pop()!;
      const l = large[large.length - 1]!;
      this.probability[s] = scaled[s]!;
      this.alias[s] = l;
      scaled[l] = scaled[l]! + scaled[s]! - 1;
      if (scaled[l]! < 1) small.push(large.pop()!);
    }
    for (const i of [...small, ...large]) this.probability[i] = 1;
  }

  draw(uniform: () => number): number {
    const x = uniform() * this.probability.length;
    const i = Math.floor(x);
    return x - i < this.probability[i]! ? i : this.alias[i]!;
  }
}
