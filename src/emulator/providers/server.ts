/**
 * What every provider emulator shares: a local HTTP server on a free port of 127.0.0.1, a route table, a record
 * of every request, and faults a test (or a person in `tastebud try`) can switch on: an HTTP error with or
 * without Retry-After for the next N requests, a body that is not JSON, or a slow answer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  status: number;
}

/** A route's answer: status and JSON body (and headers). */
export interface RouteAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface Route {
  /** "/search/movie" or with parameters: "/movie/:id". */
  path: string;
  answer(params: Record<string, string>, query: URLSearchParams, request: IncomingMessage): RouteAnswer;
}

export interface Fault {
  /** Only requests whose path starts with this (default: every request). */
  pathPrefix?: string;
  /** How many requests get the fault (default 1). */
  times?: number;
  /** Answer with this status; `body` and Retry-After (seconds) optional. */
  status?: number;
  retryAfterSeconds?: number;
  body?: unknown;
  /** Answer 200 with a body that is not JSON. */
  malformed?: boolean;
  /** Hold the answer this long first. */
  delayMs?: number;
}

export interface ProviderEmulatorOptions {
  /** Checks the request's credentials; returns an error answer when they are wrong. */
  authorize?(request: IncomingMessage, query: URLSearchParams): RouteAnswer | null;
  notFound: RouteAnswer;
  /** Prefix every route lives under ("/ws/2" for MusicBrainz). */
  basePath?: string;
}

export class ProviderEmulator {
  readonly requests: RecordedRequest[] = [];
  private readonly server: Server;
  private faults: (Fault & { left: number })[] = [];
  private readonly compiled: { pattern: RegExp; names: string[]; route: Route }[];

  constructor(
    routes: Route[],
    private readonly options: ProviderEmulatorOptions,
  ) {
    this.compiled = routes.map((route) => {
      const names: string[] = [];
      const source = `${options.basePath ?? ''}${route.path}`.replace(/:(\w+)/g, (_, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
      return { pattern: new RegExp(`^${source}$`), names, route };
    });
    this.server = createServer((request, response) => void this.handle(request, response));
  }

  /** Base URL clients are pointed at (the *_API_URL setting). */
  url = '';

  async listen(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}${this.options.basePath ?? ''}`;
    return this;
  }

  /** Switches a fault on for the next `times` matching requests. */
  fail(fault: Fault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://emulator');
    const record: RecordedRequest = { method: request.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: request.headers, status: 0 };
    this.requests.push(record);
    const fault = this.takeFault(url.pathname);
    if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (response.destroyed) return;
    const answer = this.answerFor(request, url, fault);
    record.status = answer.status;
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    response.writeHead(answer.status, { 'content-type': 'application/json;charset=utf-8', ...answer.headers });
    response.end(text);
  }

  private answerFor(request: IncomingMessage, url: URL, fault: Fault | undefined): RouteAnswer {
    if (fault?.malformed) return { status: 200, body: '{"results": [ {"id": 1, "title": "cut off' };
    if (fault?.status) {
      const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
      return { status: fault.status, body: fault.body ?? { error: `emulated HTTP ${fault.status}` }, headers };
    }
    if (request.method !== 'GET') return { status: 405, body: { error: 'Only GET is emulated.' } };
    const denied = this.options.authorize?.(request, url.searchParams);
    if (denied) return denied;
    for (const { pattern, names, route } of this.compiled) {
      const match = pattern.exec(url.pathname);
      if (!match) continue;
      const params = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1]!)]));
      return route.answer(params, url.searchParams, request);
    }
    return this.options.notFound;
  }

  private takeFault(path: string): Fault | undefined {
    const basePath = this.options.basePath ?? '';
    const fault = this.faults.find((f) => f.left > 0 && (!f.pathPrefix || path.startsWith(`${basePath}${f.pathPrefix}`)));
    if (fault) fault.left--;
    this.faults = this.faults.filter((f) => f.left > 0);
    return fault;
  }
}

/** Pages a fixture list the way the provider documents (1-based page, fixed page size). */
export function pageOf<T>(items: readonly T[], page: number, size: number): T[] {
  return items.slice((page - 1) * size, page * size);
}

/** Case-, accent- and punctuation-insensitive "contains every word" match, enough for fixture searches; Lucene escapes read as the character. */
export function matches(query: string, ...names: (string | null | undefined)[]): boolean {
  // Punctuation separates words, as the providers' tokenizers do.
  const fold = (s: string) =>
    s
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, ' ');
  const words = fold(query.replace(/\\(.)/g, '$1')).split(/\s+/).filter(Boolean);
  return names.some((name) => name && words.every((w) => fold(name).includes(w)));
}
