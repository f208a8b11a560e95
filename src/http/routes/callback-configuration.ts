import type { FastifyInstance } from 'fastify';
import { getCallbackConfiguration, updateCallbackConfiguration } from '../../app/callback-configuration.js';
import type { AppContext } from '../../app/context.js';

interface ProjectParams {
  projectId: string;
}

export function registerCallbackConfigurationRoutes(app: FastifyInstance, ctx: AppContext): void {
  const path = '/v1/projects/:projectId/callbackConfiguration';
  const config = { isWrappedErrorShape: true };

  app.get<{ Params: ProjectParams }>(path, { config }, async (request) => getCallbackConfiguration(ctx, request.params.projectId));

  app.patch<{ Params: ProjectParams; Body: { hmacSecret?: unknown } | undefined }>(
    path,
    { config: { ...config, bodySchema: 'CallbackConfigurationUpdate', isBodyOptional: true } },
    async (request) => updateCallbackConfiguration(ctx, request.params.projectId, request.body ?? {}),
  );
}
