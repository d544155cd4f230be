export * from '../../../src/emulator/index.ts';
