import { describe, expect, it } from 'vitest';
import { readCsvLines, splitCsvLine, type CsvLine } from '../../../src/import/csv-lines.ts';

async function readAll(chunks: (string | Buffer)[], maxLineBytes?: number): Promise<CsvLine[]> {
  const out: CsvLine[] = [];
  for await (const batch of readCsvLines(chunks, { maxLineBytes })) out.push(...batch);
  return out;
}

describe('splitCsvLine', () => {
  it('splits plain and quoted fields', () => {
    expect(splitCsvLine('1,Toy Story (1995),Comedy')).toEqual(['1', 'Toy Story (1995)', 'Comedy']);
    expect(splitCsvLine('2,"Godfather, The (1972)",Crime')).toEqual(['2', 'Godfather, The (1972)', 'Crime']);
    expect(splitCsvLine('3,"Say ""Hi"" (2000)",Drama')).toEqual(['3', 'Say "Hi" (2000)', 'Drama']);
  });

  it('reports a quote that is never closed', () => {
    expect(splitCsvLine('4,"unclosed,Drama')).toMatch(/quot/);
  });
});

describe('readCsvLines', () => {
  it('numbers lines from 1, across chunk boundaries, with CRLF, a BOM and no final newline (marked unterminated)', async () => {
    const lines = await readAll(['\uFEFFa,b\r\n1,', '2\r\n\r\n3', ',4']);
    expect(lines).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
      { line: 4, fields: ['3', '4'], unterminated: true },
    ]);
  });

  it('reports invalid UTF-8 and goes on', async () => {
    const lines = await readAll([Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from([0xff, 0xfe]), Buffer.from('\n2,Amélie\n')])]);
    expect(lines).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, problem: 'not valid UTF-8 text' },
      { line: 3, fields: ['2', 'Amélie'] },
    ]);
  });

  it('keeps a genuine U+FFFD character', async () => {
    expect(await readAll(['1,\uFFFD\n'])).toEqual([{ line: 1, fields: ['1', '\uFFFD'] }]);
  });

  it('reports an over-long line, spread over many chunks, without stopping', async () => {
    const chunks = ['a,b\n1,', ...Array.from({ length: 50 }, () => 'x'.repeat(100)), '\n2,3\n', 'y'.repeat(500)];
    const lines = await readAll(chunks, 1000);
    expect(lines).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, problem: 'line is longer than 1000 bytes' },
      { line: 3, fields: ['2', '3'] },
      { line: 4, fields: ['y'.repeat(500)], unterminated: true },
    ]);
  });

  it('limits an unclosed quote to its own line', async () => {
    const lines = await readAll(['a,b\n"open,1\n2,3\n']);
    expect(lines[1]).toMatchObject({ line: 2, problem: expect.stringMatching(/quot/) });
    expect(lines[2]).toEqual({ line: 3, fields: ['2', '3'] });
  });
});
