import { parse } from 'csv-parse/sync';

/**
 * One CSV line: its fields, or why it could not be read. Line numbers count from 1 (the header).
 *
 * MovieLens files hold one record per line, so lines are split here and only lines with quotes go
 * through csv-parse. Letting csv-parse split the whole stream would be simpler, but one stray quote
 * makes it swallow the rest of the file as a single field, and after an over-long record it stops
 * reading altogether; per line, one bad line costs one line.
 */
export type CsvLine = ({ line: number; fields: string[] } | { line: number; problem: string }) & {
  /** Set on a last line with no newline after it: a file cut off mid-row ends like this. */
  unterminated?: true;
};

export interface CsvLineOptions {
  /** Lines longer than this many bytes are reported and skipped without being held in memory (default 64 KiB). */
  maxLineBytes?: number;
  /** Called with each chunk's size, for progress by bytes. */
  onBytes?: (bytes: number) => void;
}

const NEWLINE = 0x0a;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Splits one line (without its newline) into fields, or says why it cannot be. */
export function splitCsvLine(text: string): string[] | string {
  if (!text.includes('"')) return text.split(',');
  try {
    const records = parse(text, { relax_column_count: true }) as string[][];
    if (records.length !== 1) return 'a quoted field runs past the end of the line';
    return records[0]!;
  } catch (error) {
    return `malformed CSV quoting (${(error as Error).message.split(':')[0]})`;
  }
}

function decodeLine(bytes: Buffer): string | null {
  const text = bytes.toString('utf8');
  // toString replaces bad bytes with U+FFFD; only then pay for a strict decode to tell them from a real U+FFFD.
  if (!text.includes('\uFFFD')) return text;
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

function readLine(bytes: Buffer, line: number): CsvLine | null {
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === 0x0d) end--;
  if (end === 0) return null;
  let text = decodeLine(bytes.subarray(0, end));
  if (text === null) return { line, problem: 'not valid UTF-8 text' };
  if (line === 1 && text.startsWith('\uFEFF')) text = text.slice(1);
  if (text.trim() === '') return null;
  const fields = splitCsvLine(text);
  return typeof fields === 'string' ? { line, problem: fields } : { line, fields };
}

/**
 * Reads CSV lines from a byte stream, a batch per chunk, holding at most one chunk and one line in
 * memory. Blank lines are skipped silently; bad lines come back as problems and reading goes on.
 */
export async function* readCsvLines(source: AsyncIterable<Buffer | Uint8Array | string> | Iterable<Buffer | Uint8Array | string>, options: CsvLineOptions = {}): AsyncGenerator<CsvLine[]> {
  const maxLineBytes = options.maxLineBytes ?? 64 * 1024;
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let overlong = false;
  let line = 0;
  const tooLong = (n: number): CsvLine => ({ line: n, problem: `line is longer than ${maxLineBytes} bytes` });

  for await (const chunk of source) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    options.onBytes?.(buf.length);
    const out: CsvLine[] = [];
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(NEWLINE, start);
      if (nl === -1) {
        if (!overlong && start < buf.length) {
          carry.push(buf.subarray(start));
          carryBytes += buf.length - start;
          if (carryBytes > maxLineBytes) {
            overlong = true;
            carry = [];
            carryBytes = 0;
          }
        }
        break;
      }
      line++;
      if (overlong) {
        out.push(tooLong(line));
        overlong = false;
      } else {
        const bytes = carryBytes > 0 ? Buffer.concat([...carry, buf.subarray(start, nl)]) : buf.subarray(start, nl);
        carry = [];
        carryBytes = 0;
        const parsed = bytes.length > maxLineBytes ? tooLong(line) : readLine(bytes, line);
        if (parsed) out.push(parsed);
      }
      start = nl + 1;
    }
    if (out.length > 0) yield out;
  }
  // The last line may have no newline.
  if (overlong) yield [{ ...tooLong(line + 1), unterminated: true }];
  else if (carryBytes > 0) {
    const parsed = readLine(Buffer.concat(carry), line + 1);
    if (parsed) yield [{ ...parsed, unterminated: true }];
  }
}
