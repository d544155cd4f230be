/** PostgreSQL COPY into session-private staging tables: how rows reach the database in bulk. */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** One connection (a pg.Client or a pool's checked-out client): the import is one transaction on it. */
export type SqlClient = Pick<pg.ClientBase, 'query'>;

/** A value in COPY's text format: backslash, tab, newline and carriage return escaped; null as \N. */
export function copyValue(value: string | number | null): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : value;
}

/** A text[] value in COPY's text format: every element double-quoted. */
export function copyArray(values: readonly string[]): string {
  return copyValue(`{${values.map((v) => `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`);
}

/**
 * A temporary table that lives until the import's transaction ends (ON COMMIT DROP), so what is staged is
 * never seen by anyone else and never outlives a failed import.
 */
export class Staging {
  constructor(
    private readonly db: SqlClient,
    readonly table: string,
    private readonly columns: string,
  ) {}

  async create(): Promise<void> {
    await this.db.query(`CREATE TEMP TABLE ${this.table} (${this.columns}) ON COMMIT DROP`);
  }

  /** Streams COPY text (whole lines, each ending in a newline) into the table. */
  async copy(pieces: readonly Buffer[]): Promise<void> {
    if (pieces.length === 0) return;
    const names = this.columns
      .split(',')
      .map((c) => c.trim().split(/\s+/)[0])
      .join(', ');
    const stream = this.db.query(copyFrom(`COPY ${this.table} (${names}) FROM STDIN`));
    await pipeline(Readable.from(pieces), stream);
  }

  async truncate(): Promise<void> {
    await this.db.query(`TRUNCATE ${this.table}`);
  }
}
