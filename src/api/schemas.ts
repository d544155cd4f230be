import type { PrismaClient } from '../db/client.ts';
import { InputError } from '../lib/input-error.ts';
import { resolveUserRef } from '../recommend/prisma-sources.ts';
import { ApiError, errorSchema } from './errors.ts';

/** JSON schemas shared by the route modules; Fastify validates with them and @fastify/swagger documents them. */

export const KINDS = ['movie', 'show', 'game', 'book', 'music'] as const;
export const MAX_DB_ID = 2_147_483_647;

export const titleId = { type: 'integer', minimum: 1, maximum: MAX_DB_ID } as const;
export const kind = { type: 'string', enum: KINDS } as const;
export const modelVersion = { type: ['integer', 'null'], description: 'The model version that produced the answer; null before any model is active.' } as const;

export const titleSummary = {
  type: 'object',
  required: ['titleId', 'name', 'year', 'genres', 'kind'],
  properties: {
    titleId: { type: 'integer' },
    name: { type: 'string' },
    year: { type: ['integer', 'null'] },
    genres: { type: 'array', items: { type: 'string' } },
    kind: { type: 'string' },
  },
} as const;

export const recommendationItem = {
  type: 'object',
  required: [...titleSummary.required, 'score', 'reason'],
  properties: { ...titleSummary.properties, score: { type: 'number' }, reason: { type: 'string' }, becauseTitleId: { type: 'integer' } },
} as const;

/** Error answers every route may give. */
export const errorResponses = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 429: errorSchema } as const;

export const userParam = {
  type: 'object',
  required: ['user'],
  properties: { user: { type: 'string', minLength: 1, maxLength: 64, description: 'discord:<id>, movielens:<id>, goodbooks:<id> or a database id' } },
} as const;

/** A user reference of a path, resolved to a row id; a malformed or unknown one names the field "user". */
export async function resolveUser(prisma: PrismaClient, ref: string): Promise<number> {
  if (/^\d+$/.test(ref.trim()) && Number(ref) > MAX_DB_ID) throw new ApiError(404, 'not_found', `No user with id ${ref}.`, 'user');
  try {
    return await resolveUserRef(prisma, ref);
  } catch (error) {
    if (error instanceof InputError) throw new ApiError(400, 'invalid', error.message, 'user');
    throw error;
  }
}
