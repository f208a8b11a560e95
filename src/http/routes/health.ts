import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { isMigrated } from '../../storage/migrations.js';
import { specYaml } from '../spec.js';

export function registerHealthRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    try {
      if (!(await isMigrated(ctx.storage.db))) {
        return reply.code(503).send({ status: 'unavailable', reason: 'migrations pending; run numberhost migrate' });
      }
    } catch {
      return reply.code(503).send({ status: 'unavailable', reason: 'database unreachable' });
    }
    return { status: 'ok' };
  });

  app.get('/metrics', async (_request, reply) => {
    const body = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(body);
  });

  app.get('/openapi.yaml', async (_request, reply) => reply.type('application/yaml').send(specYaml()));
}
