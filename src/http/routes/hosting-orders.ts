import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.js';
import type { ImportNumbersRequest } from '../../app/create-import-order.js';
import { createImportOrder } from '../../app/create-import-order.js';
import { getHostingOrder, getHostingOrderNumber, getHostingOrderNumbers } from '../../app/get-hosting-order.js';
import type { ListHostingOrderNumbersQuery } from '../../app/list-hosting-order-numbers.js';
import { listHostingOrderNumbers } from '../../app/list-hosting-order-numbers.js';
import type { ListHostingOrdersQuery } from '../../app/list-hosting-orders.js';
import { listHostingOrders } from '../../app/list-hosting-orders.js';
import { hostingOrderNumberView, hostingOrderReportView, hostingOrderView } from '../../app/views.js';
import { phoneNumberFromPath } from '../phone-path.js';
import { TOLL_FREE_REQUEST_SCHEMA } from '../spec.js';
import { textEnableNumbers } from '../../app/text-enable-numbers.js';

interface ProjectParams {
  projectId: string;
}

interface OrderParams extends ProjectParams {
  hostingOrderId: string;
}

interface OrderNumberParams extends OrderParams {
  phoneNumber: string;
}

export function registerHostingOrderRoutes(app: FastifyInstance, ctx: AppContext): void {
  const base = '/v1/projects/:projectId/hostingOrders';

  app.get<{ Params: ProjectParams; Querystring: ListHostingOrdersQuery }>(base, async (request) => {
    const page = await listHostingOrders(ctx, request.params.projectId, request.query);
    return { hostingOrders: page.rows.map(hostingOrderView), nextPageToken: page.nextPageToken, totalSize: page.totalSize };
  });

  // "::" is Fastify's escape for a literal colon: the custom verb of the spec.
  app.post<{ Params: ProjectParams; Body: ImportNumbersRequest }>(
    `${base}::importNumbers`,
    { config: { bodySchema: 'ImportNumbersRequest' } },
    async (request) => hostingOrderView(await createImportOrder(ctx, request.params.projectId, request.body)),
  );

  app.post<{ Params: ProjectParams; Body: Record<string, unknown> }>(
    `${base}::textEnableNumbers`,
    { config: { bodySchema: 'TextEnableNumbersRequest' } },
    async (request) => hostingOrderView(await textEnableNumbers(ctx, request.params.projectId, request.body, 'standard')),
  );

  app.post<{ Params: ProjectParams; Body: Record<string, unknown> }>(
    `${base}::textEnableTollFreeNumbers`,
    { config: { bodySchema: TOLL_FREE_REQUEST_SCHEMA } },
    async (request) => hostingOrderView(await textEnableNumbers(ctx, request.params.projectId, request.body, 'tollFree')),
  );

  app.get<{ Params: OrderParams }>(`${base}/:hostingOrderId`, async (request) =>
    hostingOrderView(await getHostingOrder(ctx, request.params.projectId, request.params.hostingOrderId)),
  );

  app.get<{ Params: OrderParams }>(`${base}/:hostingOrderId/report`, async (request) =>
    hostingOrderReportView(await getHostingOrderNumbers(ctx, request.params.projectId, request.params.hostingOrderId)),
  );

  app.get<{ Params: OrderParams; Querystring: ListHostingOrderNumbersQuery }>(`${base}/:hostingOrderId/numbers`, async (request) => {
    const page = await listHostingOrderNumbers(ctx, request.params.projectId, request.params.hostingOrderId, request.query);
    return { numbers: page.rows.map(hostingOrderNumberView), nextPageToken: page.nextPageToken, totalSize: page.totalSize };
  });

  app.get<{ Params: OrderNumberParams }>(`${base}/:hostingOrderId/numbers/:phoneNumber`, async (request) => {
    const phoneNumber = phoneNumberFromPath(request.params.phoneNumber);
    return hostingOrderNumberView(await getHostingOrderNumber(ctx, request.params.projectId, request.params.hostingOrderId, phoneNumber));
  });
}
