import type { Command } from 'commander';

/** `tastebud export user <id|discord:<snowflake>>`: everything stored about one user, as JSON on stdout. */
export function register(program: Command): void {
  const exportCommand = program.command('export').description('Export stored data as JSON (e.g. for a member who asks for their data)');
  exportCommand
    .command('user <ref>')
    .description("Print one user's data as JSON: the database id (42) or discord:<snowflake>")
    .action(async (ref: string) => {
      const { UserError } = await import('../../lib/user-error.ts');
      const { parseUserRef, exportUser, UserRefError } = await import('../../privacy/export.ts');
      let parsed;
      try {
        parsed = parseUserRef(ref);
      } catch (error) {
        if (error instanceof UserRefError) throw new UserError(error.message);
        throw error;
      }
      const { loadConfig, requireDatabaseUrl } = await import('../../config.ts');
      const { createPrisma, describeConnectionError } = await import('../../db/client.ts');
      const url = requireDatabaseUrl(loadConfig());
      const prisma = createPrisma(url);
      try {
        const data = await exportUser(prisma, parsed).catch((error: unknown) => {
          throw describeConnectionError(error, url);
        });
        if (!data) throw new UserError(`No user ${ref}: nothing is stored about them.`);
        process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
      } finally {
        await prisma.$disconnect();
      }
    });
}
