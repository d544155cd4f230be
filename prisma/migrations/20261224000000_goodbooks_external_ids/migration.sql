-- Goodbooks-10k books (src/import/goodbooks.ts) keep their dataset book_id, Goodreads book id and ISBN-10 as external ids.
ALTER TYPE "external_source" ADD VALUE 'goodbooks';
ALTER TYPE "external_source" ADD VALUE 'goodreads';
ALTER TYPE "external_source" ADD VALUE 'isbn';
