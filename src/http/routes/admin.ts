import type { FastifyInstance } from 'fastify';
import { advanceClock, clockView } from '../../app/advance-clock.js';
import type { Authenticator } from '../../app/auth/authenticator.js';
import type { CallbackDeliveryFilter } from '../../app/callback-deliveries.js';
import { listCallbackDeliveries, redeliverCallback } from '../../app/callback-deliveries.js';
import { listCatalogEntries, putCatalogEntry } from '../../app/catalog-admin.js';
import type { AppContext } from '../../app/context.js';
import type { ProjectSettings } from '../../app/projects.js';
import { createAccessKey, createProject, getProject, listAccessKeys, listProjects, revokeAccessKey, updateProjectSettings } from '../../app/projects.js';
import { describeValue, invalidArgument } from '../../domain/errors.js';
import type { ProjectRow } from '../../storage/schema.js';
import { idBeforeVerb } from '../custom-verb.js';

interface ProjectParams {
  projectId: string;
}

function projectView(row: ProjectRow) {
  return {
    projectId: row.id,
    displayName: row.display_name,
    importOrderLimit: row.import_order_limit,
    isBlanketLoaApproved: row.is_blanket_loa_approved === 1,
    standardWebhooksSecret: row.standard_webhooks_secret ?? '',
    createdTime: new Date(row.created_ms).toISOString(),
  };
}

/** Returns a request body as an object: nothing becomes `{}`, anything but an object is a 400. */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) {
    return {};
  }
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw invalidArgument([{ field: '(body)', description: 'must be a JSON object.' }]);
  }
  return body as Record<string, unknown>;
}

function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw invalidArgument([{ field, description: `must be a string, got ${describeValue(value)}.` }]);
  }
  return value;
}

function registerProjectRoutes(app: FastifyInstance, ctx: AppContext, authenticator: Authenticator): void {
  app.get('/admin/v1/projects', async () => ({ projects: (await listProjects(ctx)).map(projectView) }));

  app.post('/admin/v1/projects', async (request) => {
    const body = bodyObject(request.body);
    const projectId = optionalString(body, 'projectId');
    const displayName = optionalString(body, 'displayName');
    const project = await createProject(ctx, { ...(projectId === undefined ? {} : { projectId }), ...(displayName === undefined ? {} : { displayName }) });
    return projectView(project);
  });

  app.get<{ Params: ProjectParams }>('/admin/v1/projects/:projectId', async (request) => projectView(await getProject(ctx, request.params.projectId)));

  app.patch<{ Params: ProjectParams }>('/admin/v1/projects/:projectId', async (request) => {
    const body = bodyObject(request.body);
    const settings: ProjectSettings = {};
    if (body.importOrderLimit !== undefined) settings.importOrderLimit = body.importOrderLimit as number | null;
    if (body.isBlanketLoaApproved !== undefined) {
      if (typeof body.isBlanketLoaApproved !== 'boolean') {
        throw invalidArgument([{ field: 'isBlanketLoaApproved', description: `must be true or false, got ${describeValue(body.isBlanketLoaApproved)}.` }]);
      }
      settings.isBlanketLoaApproved = body.isBlanketLoaApproved;
    }
    if (body.isStandardWebhooksEnabled !== undefined) {
      if (typeof body.isStandardWebhooksEnabled !== 'boolean') {
        throw invalidArgument([{ field: 'isStandardWebhooksEnabled', description: `must be true or false, got ${describeValue(body.isStandardWebhooksEnabled)}.` }]);
      }
      settings.isStandardWebhooksEnabled = body.isStandardWebhooksEnabled;
    }
    return projectView(await updateProjectSettings(ctx, request.params.projectId, settings));
  });

  app.get<{ Params: ProjectParams }>('/admin/v1/projects/:projectId/accessKeys', async (request) => ({
    accessKeys: (await listAccessKeys(ctx, request.params.projectId)).map((key) => ({
      keyId: key.id,
      projectId: key.project_id,
      createdTime: new Date(key.created_ms).toISOString(),
      revokedTime: key.revoked_ms === null ? '' : new Date(key.revoked_ms).toISOString(),
    })),
  }));

  app.post<{ Params: ProjectParams }>('/admin/v1/projects/:projectId/accessKeys', async (request) => createAccessKey(ctx, request.params.projectId));

  app.post<{ Params: ProjectParams & { keyIdAndVerb: string } }>('/admin/v1/projects/:projectId/accessKeys/:keyIdAndVerb', async (request) => {
    const keyId = idBeforeVerb(request, request.params.keyIdAndVerb, 'revoke');
    await revokeAccessKey(ctx, request.params.projectId, keyId);
    authenticator.forget(keyId);
    return {};
  });
}

function registerCatalogRoutes(app: FastifyInstance, ctx: AppContext): void {
  for (const [segment, table] of [
    ['servicePlans', 'service_plans'],
    ['campaigns', 'campaigns'],
  ] as const) {
    app.get<{ Params: ProjectParams }>(`/admin/v1/projects/:projectId/${segment}`, async (request) => ({
      [segment]: await listCatalogEntries(ctx, table, request.params.projectId),
    }));
    app.put<{ Params: ProjectParams & { id: string } }>(`/admin/v1/projects/:projectId/${segment}/:id`, async (request) =>
      putCatalogEntry(ctx, table, request.params.projectId, request.params.id, bodyObject(request.body)),
    );
  }
}

function registerDeliveryRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Params: ProjectParams; Querystring: CallbackDeliveryFilter }>('/admin/v1/projects/:projectId/callbackDeliveries', async (request) => {
    await getProject(ctx, request.params.projectId);
    return { callbackDeliveries: await listCallbackDeliveries(ctx, request.params.projectId, request.query) };
  });

  app.post<{ Params: ProjectParams & { eventIdAndVerb: string } }>('/admin/v1/projects/:projectId/callbackDeliveries/:eventIdAndVerb', async (request) =>
    redeliverCallback(ctx, request.params.projectId, idBeforeVerb(request, request.params.eventIdAndVerb, 'redeliver')),
  );
}

function registerClockRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/admin/v1/clock', async () => clockView(ctx));

  app.post('/admin/v1/clock::advance', async (request) => advanceClock(ctx, bodyObject(request.body).seconds));
}

/** Registers the operator API under `/admin/v1`, authenticated with the admin token. */
export function registerAdminRoutes(app: FastifyInstance, ctx: AppContext, authenticator: Authenticator): void {
  registerProjectRoutes(app, ctx, authenticator);
  registerCatalogRoutes(app, ctx);
  registerDeliveryRoutes(app, ctx);
  registerClockRoutes(app, ctx);
}
