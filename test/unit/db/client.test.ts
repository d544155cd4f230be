import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError, describeConnectionError } from '../../../src/db/client.ts';

const url = 'postgresql://app:s3cret-pw@db.internal:6543/tastebud';

describe('describeConnectionError', () => {
  it.each([
    [{ code: 'ECONNREFUSED' }, /refused the connection/],
    [{ cause: { code: 'ENOTFOUND' } }, /does not resolve/],
    [{ meta: { driverAdapterError: { cause: { kind: 'DatabaseNotReachable' } } } }, /refused the connection/],
    [{ meta: { driverAdapterError: { cause: { kind: 'DatabaseDoesNotExist' } } } }, /no such database/],
    [{ meta: { driverAdapterError: { cause: { kind: 'AuthenticationFailed' } } } }, /rejected the password/],
  ])('names host, port and database, never the password, for %o', (error, reason) => {
    const described = describeConnectionError(error, url);
    expect(described).toBeInstanceOf(DatabaseUnavailableError);
    expect(described.message).toMatch(/^Cannot use PostgreSQL at db\.internal:6543 \(database "tastebud"\)/);
    expect(described.message).toMatch(reason);
    expect(described.message).not.toContain('s3cret');
  });

  it('passes other errors through unchanged', () => {
    const other = new Error('syntax error at or near "x"');
    expect(describeConnectionError(other, url)).toBe(other);
  });
});
