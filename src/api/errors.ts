import type { FastifyError, FastifyInstance } from 'fastify';
import { SearchQueryError } from '../catalog/search.ts';
import { InputError } from '../lib/input-error.ts';
import { ScoreError } from '../ratings/scale.ts';
import { NoActiveModelError } from '../recommend/prisma-sources.ts';
import { NotFoundError } from '../recommend/types.ts';

/** The body of every error answer: a code, a sentence for people, and the request field at fault when one is. */
export interface ApiErrorBody {
  error: string;
  message: string;
  field?: string;
}

export const errorSchema = {
  type: 'object',
  required: ['error', 'message'],
  properties: { error: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } },
} as const;

/** An answer a route chose: status, code and (when one is at fault) the field. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Domain input fields named as the API's query parameters. */
const FIELD_NAMES: Record<string, string> = { count: 'n' };

/** Field of the first schema violation: "/n" → "n", a missing property → its name, the whole body → "body". */
function validationField(error: FastifyError): string {
  const first = error.validation?.[0];
  const params = first?.params as { missingProperty?: string; additionalProperty?: string } | undefined;
  const path = first?.instancePath?.replace(/^\//, '').split('/')[0];
  return params?.missingProperty ?? params?.additionalProperty ?? (path || error.validationContext || 'request');
}

function toBody(error: unknown): { status: number; body: ApiErrorBody } | undefined {
  if (error instanceof ApiError) return { status: error.statusCode, body: { error: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } };
  if (error instanceof NotFoundError) return { status: 404, body: { error: 'not_found', message: error.message, field: error.entity } };
  if (error instanceof ScoreError) return { status: 400, body: { error: 'invalid', message: error.message, field: 'value' } };
  if (error instanceof SearchQueryError)
    return { status: 400, body: { error: 'invalid', message: error.message, field: /kind/i.test(error.message) ? 'kind' : /limit/i.test(error.message) ? 'n' : 'q' } };
  if (error instanceof InputError) {
    const field = error.field ? (FIELD_NAMES[error.field] ?? error.field) : undefined;
    return { status: 400, body: { error: 'invalid', message: error.message, ...(field ? { field } : {}) } };
  }
  if (error instanceof NoActiveModelError) return { status: 503, body: { error: 'no_model', message: error.message } };
  const e = error as FastifyError;
  if (e.validation) return { status: 400, body: { error: 'invalid', message: `${validationField(e)} ${e.validation[0]?.message ?? 'is invalid'}`, field: validationField(e) } };
  if (e.statusCode === 413) return { status: 413, body: { error: 'body_too_large', message: 'The request body is too large.', field: 'body' } };
  if (e.statusCode === 429) return { status: 429, body: { error: 'rate_limited', message: e.message } };
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: e.statusCode, body: { error: 'bad_request', message: e.message, ...(/body|JSON|content|media type/i.test(e.message) ? { field: 'body' } : {}) } };
  }
  return undefined;
}

/** Maps every known error to a 4xx JSON answer naming the field; anything else is a logged 500 without details. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const known = toBody(error);
    if (known) {
      if (known.status >= 500) request.log.warn({ err: error }, 'request failed');
      return reply.status(known.status).send(known.body);
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send({ error: 'internal', message: 'Something went wrong on our side; it has been logged.' });
  });
  app.setNotFoundHandler((request, reply) => reply.status(404).send({ error: 'not_found', message: `No route ${request.method} ${request.url.split('?')[0]}; see /api/docs.` }));
}
