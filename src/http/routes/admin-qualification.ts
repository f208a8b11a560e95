import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { getLoaDecision, getLoaDocument, listEmails, listVoiceCalls } from '../../app/operator-records.js';
import type { LoaDocumentKind } from '../../app/operator-records.js';
import { approveOwnership, rejectOwnership, unblockVerification } from '../../app/ownership-review.js';
import { getProject } from '../../app/projects.js';
import { rejectHostingOrder } from '../../app/reject-hosting-order.js';
import { resendLoa } from '../../app/prepare-loa.js';
import { retryFailedSteps } from '../../app/retry-failed-steps.js';
import { hostingOrderView, qualifiedNumberView } from '../../app/views.js';
import { ApiError } from '../../domain/errors.js';
import { idBeforeVerb } from '../custom-verb.js';
import { phoneNumberFromPath } from '../phone-path.js';
import { bodyObject } from './admin.js';

interface ProjectParams {
  projectId: string;
}

function optionalQuery(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown>)[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

const OWNERSHIP_VERBS = ['approveOwnership', 'rejectOwnership', 'unblock'] as const;

/**
 * Operator actions of qualification and text-enablement: the call log and outbox of
 * the sandbox, ownership review, the LOA documents, and rejecting an order.
 */
export function registerAdminQualificationRoutes(app: FastifyInstance, ctx: AppContext): void {
  const base = '/admin/v1/projects/:projectId';

  app.get<{ Params: ProjectParams }>(`${base}/voiceCalls`, async (request) => {
    await getProject(ctx, request.params.projectId);
    const phoneNumber = optionalQuery(request, 'phoneNumber');
    return { voiceCalls: await listVoiceCalls(ctx, request.params.projectId, phoneNumber === undefined ? undefined : phoneNumberFromPath(phoneNumber)) };
  });

  app.get<{ Params: ProjectParams }>(`${base}/emails`, async (request) => {
    await getProject(ctx, request.params.projectId);
    return { emails: await listEmails(ctx, request.params.projectId, optionalQuery(request, 'hostingOrderId')) };
  });

  app.post<{ Params: ProjectParams & { numberAndVerb: string } }>(`${base}/qualifiedNumbers/:numberAndVerb`, async (request) => {
    const segment = request.params.numberAndVerb;
    const verb = OWNERSHIP_VERBS.find((candidate) => segment.endsWith(`:${candidate}`)) ?? 'approveOwnership';
    const phoneNumber = phoneNumberFromPath(idBeforeVerb(request, segment, verb));
    const { projectId } = request.params;
    switch (verb) {
      case 'approveOwnership':
        return qualifiedNumberView(await approveOwnership(ctx, projectId, phoneNumber));
      case 'rejectOwnership':
        return qualifiedNumberView(await rejectOwnership(ctx, projectId, phoneNumber, bodyObject(request.body)));
      default:
        return qualifiedNumberView(await unblockVerification(ctx, projectId, phoneNumber));
    }
  });

  app.post<{ Params: ProjectParams & { orderAndVerb: string } }>(`${base}/hostingOrders/:orderAndVerb`, async (request) => {
    const segment = request.params.orderAndVerb;
    const { projectId } = request.params;
    if (segment.endsWith(':retryFailedSteps')) {
      const retry = await retryFailedSteps(ctx, projectId, idBeforeVerb(request, segment, 'retryFailedSteps'));
      return { hostingOrder: hostingOrderView(retry.order), retriedSteps: retry.retried };
    }
    if (segment.endsWith(':resendLoa')) {
      const hostingOrderId = idBeforeVerb(request, segment, 'resendLoa');
      await resendLoa(ctx, projectId, hostingOrderId);
      return { emails: await listEmails(ctx, projectId, hostingOrderId) };
    }
    const hostingOrderId = idBeforeVerb(request, segment, 'reject');
    return hostingOrderView(await rejectHostingOrder(ctx, projectId, hostingOrderId, bodyObject(request.body)));
  });

  for (const [segment, kind] of [
    ['loa', 'ORIGINAL'],
    ['signedLoa', 'SIGNED'],
  ] as const satisfies readonly (readonly [string, LoaDocumentKind])[]) {
    app.get<{ Params: ProjectParams & { hostingOrderId: string } }>(`${base}/hostingOrders/:hostingOrderId/${segment}`, async (request, reply) => {
      const pdf = await getLoaDocument(ctx, request.params.projectId, request.params.hostingOrderId, kind);
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="${segment}-${request.params.hostingOrderId}.pdf"`)
        .header('cache-control', 'no-store')
        .send(Buffer.from(pdf));
    });
  }

  app.get<{ Params: ProjectParams & { hostingOrderId: string } }>(`${base}/hostingOrders/:hostingOrderId/loaDecision`, async (request) => {
    const decision = await getLoaDecision(ctx, request.params.projectId, request.params.hostingOrderId);
    if (decision === undefined) {
      throw new ApiError('NOT_FOUND', `Order ${request.params.hostingOrderId} has no signing decision yet.`);
    }
    return decision;
  });
}
