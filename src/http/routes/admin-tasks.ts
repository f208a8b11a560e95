import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.js';
import type { OperatorTaskFilter } from '../../app/operator-tasks.js';
import { completeOperatorTask, failOperatorTask, getOperatorTask, listOperatorTasks, operatorTaskView } from '../../app/operator-tasks.js';
import { idBeforeVerb } from '../custom-verb.js';
import { bodyObject } from './admin.js';

const TASK_VERBS = ['complete', 'fail'] as const;

/**
 * Registers the operator task queue of manual carrier mode: list and read tasks, and
 * resolve one with `:complete` or `:fail`. Retrying an order's failed steps is routed with the other
 * hosting order verbs in admin-qualification.ts.
 */
export function registerAdminTaskRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get<{ Querystring: OperatorTaskFilter }>('/admin/v1/operatorTasks', async (request) => {
    const page = await listOperatorTasks(ctx, request.query);
    return { operatorTasks: page.rows.map(operatorTaskView), nextPageToken: page.nextPageToken, totalSize: page.totalSize };
  });

  app.get<{ Params: { taskId: string } }>('/admin/v1/operatorTasks/:taskId', async (request) => operatorTaskView(await getOperatorTask(ctx, request.params.taskId)));

  app.post<{ Params: { taskAndVerb: string } }>('/admin/v1/operatorTasks/:taskAndVerb', async (request) => {
    const segment = request.params.taskAndVerb;
    const verb = TASK_VERBS.find((candidate) => segment.endsWith(`:${candidate}`)) ?? 'complete';
    const taskId = idBeforeVerb(request, segment, verb);
    const body = bodyObject(request.body);
    const row = verb === 'complete' ? await completeOperatorTask(ctx, taskId, body) : await failOperatorTask(ctx, taskId, body);
    return operatorTaskView(row);
  });
}
