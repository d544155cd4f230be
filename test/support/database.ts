import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createPrisma, type PrismaClient } from '../../src/db/client.ts';
import { createDatabase, dropDatabase, onServer, serverUrl } from './postgres.ts';

export interface TestDatabase {
  /** Connection string of a database no other test file sees. */
  url: string;
  prisma: PrismaClient;
  /** Disconnects and drops the database; call it in afterAll. */
  drop(): Promise<void>;
}

/** A fresh database with every migration applied, copied from the run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `${inject('runPrefix')}_${randomBytes(4).toString('hex')}`;
  const template = inject('templateDatabase');
  await onServer(async (client) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await createDatabase(client, name, template);
        return;
      } catch (error) {
        // Two files cloning at the same instant see each other as "accessing" the template.
        if (attempt >= 20 || !/being accessed by other users/.test((error as Error).message)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
      }
    }
  });
  const url = serverUrl(name);
  const prisma = createPrisma(url);
  return {
    url,
    prisma,
    async drop() {
      await prisma.$disconnect();
      await onServer((client) => dropDatabase(client, name));
    },
  };
}
