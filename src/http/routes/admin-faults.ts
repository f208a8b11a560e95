import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { createFaultRule, deleteFaultRule, listFaultRules } from '../../app/fault-rules.js';
import { bodyObject } from './admin.js';

interface ProjectParams {
  projectId: string;
}

/** Registers the sandbox fault injection rules of a project under `/admin/v1`. */
export function registerAdminFaultRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Params: ProjectParams }>('/admin/v1/projects/:projectId/faultRules', async (request) => ({
    faultRules: await listFaultRules(ctx, request.params.projectId),
  }));

  app.post<{ Params: ProjectParams }>('/admin/v1/projects/:projectId/faultRules', async (request) =>
    createFaultRule(ctx, request.params.projectId, bodyObject(request.body)),
  );

  app.delete<{ Params: ProjectParams & { ruleId: string } }>('/admin/v1/projects/:projectId/faultRules/:ruleId', async (request) => {
    await deleteFaultRule(ctx, request.params.projectId, request.params.ruleId);
    return {};
  });
}
