import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { RatingColumns } from '../model/types.ts';

/*
 * Every stored rating as columns, for a retrain: read by COPY on a connection of its own and parsed straight into
 * typed columns (24 B a rating), since a findMany / $queryRaw of every row was the retrain's largest allocation.
 */

/** Every rating row as COPY text: user id, title id, stars and the update time in epoch milliseconds. */
const RATINGS_COPY = 'COPY (SELECT user_id, title_id, value::float8, (extract(epoch FROM updated_at) * 1000)::float8 FROM ratings) TO STDOUT';

/** Every rating in the database at `databaseUrl`, as columns. */
export async function readRatings(databaseUrl: string): Promise<RatingColumns> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // Sized by a count first so the columns are not grown (and copied) 32M ratings at a time; rows added since grow them.
    const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM ratings');
    const parser = new RatingLines(Number(rows[0]!.n));
    for await (const chunk of client.query(copyTo(RATINGS_COPY)) as AsyncIterable<Buffer>) parser.push(chunk);
    return parser.end();
  } finally {
    await client.end();
  }
}

const TAB = 9;
const NEWLINE = 10;

/**
 * Parses COPY text lines `user<TAB>title<TAB>value<TAB>ratedAt` into rating columns, chunk by chunk (a line may
 * span chunks), reading the numbers from the bytes: no string per field, no object per rating.
 */
export class RatingLines {
  private carry: Buffer | undefined;
  private readonly fields: number[] = [0, 0, 0, 0];
  private columns: RatingColumns;
  private length = 0;

  constructor(expected = 1024) {
    this.columns = emptyColumns(Math.max(1, expected));
  }

  push(chunk: Buffer): void {
    const bytes = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    let start = 0;
    for (let end = bytes.indexOf(NEWLINE, start); end !== -1; end = bytes.indexOf(NEWLINE, start)) {
      this.line(bytes, start, end);
      start = end + 1;
    }
    this.carry = start < bytes.length ? Buffer.from(bytes.subarray(start)) : undefined;
  }

  /** The ratings parsed (views of the columns, exactly as many as there were lines). */
  end(): RatingColumns {
    if (this.carry) this.line(this.carry, 0, this.carry.length);
    this.carry = undefined;
    const { userIds, titleIds, values, ratedAt } = this.columns;
    const n = this.length;
    return { length: n, userIds: userIds.subarray(0, n), titleIds: titleIds.subarray(0, n), values: values.subarray(0, n), ratedAt: ratedAt.subarray(0, n) };
  }

  private line(bytes: Buffer, start: number, end: number): void {
    let field = 0;
    let from = start;
    for (let i = start; i <= end; i++) {
      if (i < end && bytes[i] !== TAB) continue;
      if (field > 3) throw new Error(`Unexpected rating row from COPY: ${bytes.toString('latin1', start, end)}`);
      this.fields[field++] = decimal(bytes, from, i);
      from = i + 1;
    }
    if (field !== 4) throw new Error(`Unexpected rating row from COPY: ${bytes.toString('latin1', start, end)}`);
    if (this.length === this.columns.length) this.columns = grown(this.columns, this.length * 2);
    const at = this.length++;
    const c = this.columns;
    [c.userIds[at], c.titleIds[at], c.values[at], c.ratedAt[at]] = this.fields as [number, number, number, number];
  }
}

function emptyColumns(capacity: number): RatingColumns {
  return { length: capacity, userIds: new Int32Array(capacity), titleIds: new Int32Array(capacity), values: new Float64Array(capacity), ratedAt: new Float64Array(capacity) };
}

function grown(columns: RatingColumns, capacity: number): RatingColumns {
  const out = emptyColumns(capacity);
  out.userIds.set(columns.userIds);
  out.titleIds.set(columns.titleIds);
  out.values.set(columns.values);
  out.ratedAt.set(columns.ratedAt);
  return out;
}

/**
 * The number written in bytes[from, to): `[-]digits[.digits]` exactly as Number() reads it (the digits as one
 * integer below 2^53 divided by a power of ten: both exact, so the quotient is the correctly rounded value), and
 * anything else (an exponent, NaN, more digits) by Number() itself.
 */
function decimal(bytes: Buffer, from: number, to: number): number {
  let i = from;
  const negative = bytes[i] === 45;
  if (negative) i++;
  let mantissa = 0;
  let scale = 1;
  let fraction = false;
  let digits = 0;
  for (; i < to; i++) {
    const c = bytes[i]!;
    if (c === 46 && !fraction) {
      fraction = true;
      continue;
    }
    if (c < 48 || c > 57 || ++digits > 15) return Number(bytes.toString('latin1', from, to));
    mantissa = mantissa * 10 + (c - 48);
    if (fraction) scale *= 10;
  }
  if (digits === 0) return Number(bytes.toString('latin1', from, to));
  const value = mantissa / scale;
  return negative ? -value : value;
}
