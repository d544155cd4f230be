import { Command, InvalidArgumentError } from 'commander';
// Constants only: encoder.ts loads transformers.js lazily, so this keeps `--help` fast.
import { DEFAULT_BATCH_SIZE } from '../../embeddings/encoder.ts';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of 1 or more.');
  return n;
}

/** `tastebud embeddings update|make-model`: title text embeddings and the project's own small model. */
export function register(program: Command): void {
  const embeddings = program.command('embeddings').description('Title text embeddings');

  embeddings
    .command('update')
    .description('Embed every title whose text or model changed since it was last embedded')
    .option('--model <name|dir>', 'hub model id (under MODELS_DIR) or model directory; default EMBEDDING_MODEL')
    .option('--batch-size <n>', 'titles per inference batch', positiveInt, DEFAULT_BATCH_SIZE)
    .action(async (opts: { model?: string; batchSize: number }) => {
      const { loadConfig, requireDatabaseUrl } = await import('../../config.ts');
      const { createPrisma, describeConnectionError } = await import('../../db/client.ts');
      const { createLogger } = await import('../../log.ts');
      const { createTitleEncoder, updateTitleEmbeddings } = await import('../../embeddings/index.ts');
      const config = loadConfig();
      const databaseUrl = requireDatabaseUrl(config);
      const log = createLogger(config, 'embeddings');
      const encoder = await createTitleEncoder({
        model: opts.model ?? config.embeddings.model,
        modelsDir: config.embeddings.modelsDir,
        allowRemoteModels: config.embeddings.allowRemoteModels,
        batchSize: opts.batchSize,
      });
      const prisma = createPrisma(databaseUrl);
      const started = Date.now();
      let lastLog = 0;
      try {
        const result = await updateTitleEmbeddings(prisma, encoder, {
          batchSize: Math.max(opts.batchSize, 256),
          onProgress: (p) => {
            if (Date.now() - lastLog < 2000 && p.done < p.total) return;
            lastLog = Date.now();
            log.info(p, 'embedding titles');
          },
        });
        const seconds = (Date.now() - started) / 1000;
        process.stdout.write(`Embedded ${result.embedded} titles, skipped ${result.skipped} unchanged, with ${encoder.modelName} (dimension ${encoder.dimension}) in ${seconds.toFixed(1)} s.\n`);
      } catch (error) {
        throw describeConnectionError(error, databaseUrl);
      } finally {
        await prisma.$disconnect();
        await encoder.dispose();
      }
    });

  embeddings
    .command('make-model')
    .description("Learn the project's own small text model from the catalogue's words and tags (no download needed)")
    .requiredOption('--movies <movies.csv>', 'MovieLens movies.csv (movieId,title,genres)')
    .option('--tags <tags.csv>', 'MovieLens tags.csv (userId,movieId,tag,timestamp)')
    .option('--dim <n>', 'vector size', positiveInt, 64)
    .option('--min-count <n>', 'leave out words found in fewer titles', positiveInt, 2)
    .requiredOption('--out <dir>', 'directory to write the model into (transformers.js layout)')
    .action(async (opts: { movies: string; tags?: string; dim: number; minCount: number; out: string }) => {
      const { UserError } = await import('../../lib/user-error.ts');
      const { makeModelFromMovieLens } = await import('../../embeddings/make-model.ts');
      if (opts.dim > 4096) throw new UserError('--dim must be at most 4096.');
      const started = Date.now();
      const made = await makeModelFromMovieLens({
        moviesPath: opts.movies,
        ...(opts.tags === undefined ? {} : { tagsPath: opts.tags }),
        outDir: opts.out,
        dimension: opts.dim,
        minCount: opts.minCount,
      }).catch((error: Error) => {
        throw new UserError(error.message);
      });
      const seconds = (Date.now() - started) / 1000;
      process.stdout.write(
        `Wrote a ${made.dimension}-dimensional model of ${made.vocabularySize} words, learned from ${made.documents} titles, to ${made.dir} in ${seconds.toFixed(1)} s.\n` +
          `Use it with EMBEDDING_MODEL=${made.dir} (or --model ${made.dir}).\n`,
      );
    });
}
