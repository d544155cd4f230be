import type { FastifyInstance } from 'fastify';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

interface Operation {
  summary?: string;
  description?: string;
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: { type?: unknown; enum?: unknown[] } }[];
}

/** The OpenAPI document at /api/openapi.json and a plain docs page at /api/docs generated from it (no CDN, no scripts). */
export function registerDocsRoutes(app: FastifyInstance): void {
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/api/docs', { schema: { hide: true } }, async (_request, reply) => {
    const spec = app.swagger() as { info: { title: string; description?: string }; paths: Record<string, Record<string, Operation>> };
    const rows = Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => {
        const params = (op.parameters ?? [])
          .map(
            (p) =>
              `<li><code>${escape(p.name)}</code> (${escape(p.in)}${p.required ? ', required' : ''})${p.schema?.enum ? ` one of ${escape(p.schema.enum.join(', '))}` : ''}${p.description ? ` — ${escape(p.description)}` : ''}</li>`,
          )
          .join('');
        const auth = op.security && op.security.length > 0 ? 'API key' : 'public';
        return `<section><h2><span>${escape(method.toUpperCase())}</span> <code>${escape(path)}</code> <small>${auth}</small></h2><p>${escape(op.summary ?? '')}</p>${op.description ? `<p>${escape(op.description)}</p>` : ''}${params ? `<ul>${params}</ul>` : ''}</section>`;
      }),
    );
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escape(spec.info.title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}h2{font-size:1.05rem;margin:1.5rem 0 .25rem}h2 span{display:inline-block;min-width:4.5rem;color:#06c}small{color:#777;font-weight:normal}code{background:#f3f3f3;padding:0 .2rem}</style></head>
<body><h1>${escape(spec.info.title)}</h1><p>${escape(spec.info.description ?? '')} Send a key as <code>Authorization: Bearer &lt;key&gt;</code> or <code>X-API-Key</code>. The machine-readable document is <a href="/api/openapi.json">/api/openapi.json</a>.</p>${rows.join('\n')}</body></html>`;
    return reply.type('text/html; charset=utf-8').send(html);
  });
}
