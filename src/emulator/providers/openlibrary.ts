/**
 * A local Open Library (https://openlibrary.org/developers/api) serving fixtures/catalogue.ts BOOK_FIXTURES:
 * /search.json (q, including q=key:"/works/ID", page, limit, fields), /works/{id}.json, /subjects/{subject}.json
 * (limit, offset) and /trending/{period}.json. No key, as Open Library; unknown paths answer 404 JSON.
 */
import { BOOK_FIXTURES, type BookFixture } from './fixtures/catalogue.ts';
import { matches, pageOf, ProviderEmulator, type RouteAnswer } from './server.ts';

const notFound: RouteAnswer = { status: 404, body: { error: 'notfound', key: '' } };

function doc(b: BookFixture, fields: string[] | null): Record<string, unknown> {
  const all: Record<string, unknown> = {
    key: `/works/${b.id}`,
    type: 'work',
    title: b.title,
    author_name: b.authors,
    first_publish_year: b.year,
    ...(b.coverId ? { cover_i: b.coverId } : {}),
    subject: b.subjects,
    ...(b.pages ? { number_of_pages_median: b.pages } : {}),
    edition_count: 3,
  };
  return fields ? Object.fromEntries(Object.entries(all).filter(([k]) => fields.includes(k))) : all;
}

/** GET /works/{id}.json: the work record, or 404 for an id no fixture has. */
function workAnswer(books: BookFixture[], file: string | undefined): RouteAnswer {
  const book = books.find((b) => `${b.id}.json` === file);
  if (!book) return notFound;
  return {
    status: 200,
    body: {
      key: `/works/${book.id}`,
      title: book.title,
      type: { key: '/type/work' },
      ...(book.description ? { description: book.description } : {}),
      ...(book.coverId ? { covers: [book.coverId] } : {}),
      subjects: book.subjects,
      authors: book.authors.map((_, i) => ({ author: { key: `/authors/OL${i + 1}A` }, type: { key: '/type/author_role' } })),
    },
  };
}

export async function startOpenLibraryEmulator(options: { fixtures?: BookFixture[] } = {}): Promise<ProviderEmulator> {
  const books = options.fixtures ?? BOOK_FIXTURES;
  const emulator = new ProviderEmulator(
    [
      {
        path: '/search.json',
        answer: (_, query) => {
          const q = query.get('q') ?? '';
          const limit = Math.min(Number(query.get('limit') ?? '100'), 1000);
          const page = Number(query.get('page') ?? '1');
          const fields = query.get('fields')?.split(',') ?? null;
          const byKey = /^key:"?\/works\/(OL\d+W)"?$/.exec(q);
          const found = byKey ? books.filter((b) => b.id === byKey[1]) : books.filter((b) => matches(q, b.title, ...b.authors));
          return { status: 200, body: { numFound: found.length, start: (page - 1) * limit, numFoundExact: true, docs: pageOf(found, page, limit).map((b) => doc(b, fields)), q } };
        },
      },
      { path: '/works/:file', answer: ({ file }) => workAnswer(books, file) },
      {
        path: '/subjects/:file',
        answer: ({ file }, query) => {
          const name = file!.replace(/\.json$/, '');
          const works = books.filter((b) => b.subjects.some((s) => s.toLowerCase().replace(/\s+/g, '_') === name));
          const limit = Number(query.get('limit') ?? '12');
          const offset = Number(query.get('offset') ?? '0');
          return {
            status: 200,
            body: {
              key: `/subjects/${name}`,
              name: name.replace(/_/g, ' '),
              subject_type: 'subject',
              work_count: works.length,
              works: works.slice(offset, offset + limit).map((b) => ({
                key: `/works/${b.id}`,
                title: b.title,
                edition_count: 3,
                cover_id: b.coverId,
                first_publish_year: b.year,
                authors: b.authors.map((a, i) => ({ key: `/authors/OL${i + 1}A`, name: a })),
                subject: b.subjects,
              })),
            },
          };
        },
      },
      {
        path: '/trending/:file',
        answer: ({ file }, query) => {
          if (!/^(now|daily|weekly|monthly|yearly|forever)\.json$/.test(file!)) return notFound;
          const page = Number(query.get('page') ?? '1');
          const limit = Number(query.get('limit') ?? '20');
          return {
            status: 200,
            body: {
              query: `/trending/${file}`,
              works: pageOf(
                books.filter((b) => b.trending),
                page,
                limit,
              ).map((b) => doc(b, null)),
              days: 7,
              hours: 0,
            },
          };
        },
      },
    ],
    { notFound },
  );
  return emulator.listen();
}
