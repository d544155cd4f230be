// Prisma's schema engine compiled to WebAssembly, driven through @prisma/adapter-pg. Prisma 7.10's CLI cannot use
// it and the native engine cannot be downloaded offline, so development tools (migration authoring, the
// schema-matches-migrations test) call it directly. Only diffs that need no live database are used: its
// introspection panics reading Postgres catalogs through adapter-pg ("char" columns). Undocumented API: the package version is pinned exactly.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import type { DiffTarget } from '@prisma/schema-engine-wasm';

const require = createRequire(import.meta.url);

export interface SchemaEngineHandle {
  /** SQL that turns the empty database into what schema.prisma describes. */
  sqlFromEmpty(schema: string): Promise<string>;
}

const noFilters = { externalTables: [], externalEnums: [] };

/** Node has WebAssembly at run time; the project's type libraries (ES2023, no DOM) only declare its namespace. */
const { instantiate } = (
  globalThis as unknown as {
    WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }> };
  }
).WebAssembly;

export async function openSchemaEngine(databaseUrl: string): Promise<SchemaEngineHandle> {
  const glue = await import('@prisma/schema-engine-wasm/schema_engine_bg');
  // The package imports its .wasm the way bundlers do; plain Node instantiates it by hand.
  const wasmFile = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg').replace(/\.js$/, '.wasm');
  const { instance } = await instantiate(await readFile(wasmFile), { './schema_engine_bg.js': glue });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg({ connectionString: databaseUrl }));
  const diff = async (schema: string, from: DiffTarget): Promise<string> => {
    const engine = await glue.SchemaEngine.new({ datamodels: [['schema.prisma', schema]] }, () => {}, adapter);
    try {
      const files = [{ path: 'schema.prisma', content: schema }];
      const result = await engine.diff({ from, to: { tag: 'schemaDatamodel', files }, script: true, exitCode: null, filters: noFilters });
      return String(result.stdout ?? '');
    } finally {
      engine.free();
    }
  };
  return {
    sqlFromEmpty: (schema) => diff(schema, { tag: 'empty' }),
  };
}
