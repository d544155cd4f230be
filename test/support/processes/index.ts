export * from './ports.ts';
export * from './postgres-process.ts';
export * from './redis-process.ts';
export * from './child.ts';
