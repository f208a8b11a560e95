import type { components } from '../api-types.js';
import type { CallOptions, ResourceContext } from '../call.js';
import { unwrap } from '../call.js';
import { iteratePages } from '../pagination.js';
import type {
  HostingOrder,
  HostingOrderNumber,
  HostingOrderReport,
  ImportHostingOrder,
  ImportNumbersRequest,
  ListHostingOrderNumbersQuery,
  ListHostingOrderNumbersResponse,
  ListHostingOrdersQuery,
  ListHostingOrdersResponse,
  TextEnableNumbersRequest,
  TextEnableTollFreeNumbersRequest,
} from '../schemas.js';

/** The hosting orders of the project: `/v1/projects/{projectId}/hostingOrders` and its custom verbs. */
export class HostingOrdersResource {
  constructor(private readonly ctx: ResourceContext) {}

  /**
   * Lists one page of hosting orders (`GET .../hostingOrders`). The four filters are
   * required; `HOSTING_ORDER_STATE_UNSPECIFIED`, `HOSTING_ORDER_TYPE_UNSPECIFIED` and `''` mean any.
   *
   * @example
   * const page = await client.hostingOrders.list({
   *   states: 'IN_PROGRESS',
   *   type: 'HOSTING_ORDER_TYPE_UNSPECIFIED',
   *   servicePlanId: '',
   *   campaignId: '',
   * });
   */
  async list(query: ListHostingOrdersQuery, options: CallOptions = {}): Promise<ListHostingOrdersResponse> {
    const result = await this.ctx.api.GET('/v1/projects/{projectId}/hostingOrders', {
      params: { path: { projectId: this.ctx.projectId }, query },
      signal: options.signal,
    });
    return unwrap(result, this.ctx);
  }

  /**
   * Yields every hosting order that matches `query`, reading page after page.
   *
   * @example
   * const any = { states: 'HOSTING_ORDER_STATE_UNSPECIFIED', type: 'HOSTING_ORDER_TYPE_UNSPECIFIED', servicePlanId: '', campaignId: '' } as const;
   * for await (const order of client.hostingOrders.iterate(any)) {
   *   console.log(order.hostingOrderId, order.state);
   * }
   */
  iterate(query: Omit<ListHostingOrdersQuery, 'pageToken'>, options: CallOptions = {}): AsyncGenerator<HostingOrder, void, undefined> {
    return iteratePages(async (pageToken) => {
      const page = await this.list({ ...query, pageToken }, options);
      return { items: page.hostingOrders ?? [], nextPageToken: page.nextPageToken };
    }, 'hosting orders');
  }

  /**
   * Reads one hosting order (`GET .../hostingOrders/{hostingOrderId}`).
   *
   * @example
   * const order = await client.hostingOrders.get('01jbz3r0h7k5q2m8w6x4y9t1va');
   * console.log(order.state);
   */
  async get(hostingOrderId: string, options: CallOptions = {}): Promise<HostingOrder> {
    const result = await this.ctx.api.GET('/v1/projects/{projectId}/hostingOrders/{hostingOrderId}', {
      params: { path: { projectId: this.ctx.projectId, hostingOrderId } },
      signal: options.signal,
    });
    return unwrap(result, this.ctx);
  }

  /**
   * Reads the counters of a hosting order: numbers in total, with the OSR updated,
   * provisioned to SMS, added to the campaign, and waiting for manual work
   * (`GET .../hostingOrders/{hostingOrderId}/report`).
   *
   * @example
   * const report = await client.hostingOrders.report(hostingOrderId);
   * console.log(`${report.smsProvisioned ?? 0} of ${report.total ?? 0} provisioned`);
   */
  async report(hostingOrderId: string, options: CallOptions = {}): Promise<HostingOrderReport> {
    const result = await this.ctx.api.GET('/v1/projects/{projectId}/hostingOrders/{hostingOrderId}/report', {
      params: { path: { projectId: this.ctx.projectId, hostingOrderId } },
      signal: options.signal,
    });
    return unwrap(result, this.ctx);
  }

  /**
   * Lists one page of the numbers of a hosting order with the state of each step
   * (`GET .../hostingOrders/{hostingOrderId}/numbers`).
   *
   * @example
   * const page = await client.hostingOrders.numbers(hostingOrderId, { platformProvisioningState: 'FAILED' });
   * for (const number of page.numbers ?? []) console.log(number.phoneNumber);
   */
  async numbers(hostingOrderId: string, query: ListHostingOrderNumbersQuery = {}, options: CallOptions = {}): Promise<ListHostingOrderNumbersResponse> {
    const result = await this.ctx.api.GET('/v1/projects/{projectId}/hostingOrders/{hostingOrderId}/numbers', {
      params: { path: { projectId: this.ctx.projectId, hostingOrderId }, query },
      signal: options.signal,
    });
    return unwrap(result, this.ctx);
  }

  /**
   * Yields every number of a hosting order that matches `query`, reading page after page.
   *
   * @example
   * for await (const number of client.hostingOrders.iterateNumbers(hostingOrderId)) {
   *   console.log(number.phoneNumber, number.osrUpdate?.state, number.platformProvisioning?.state);
   * }
   */
  iterateNumbers(
    hostingOrderId: string,
    query: Omit<ListHostingOrderNumbersQuery, 'pageToken'> = {},
    options: CallOptions = {},
  ): AsyncGenerator<HostingOrderNumber, void, undefined> {
    return iteratePages(async (pageToken) => {
      const page = await this.numbers(hostingOrderId, { ...query, pageToken }, options);
      return { items: page.numbers ?? [], nextPageToken: page.nextPageToken };
    }, `the numbers of hosting order ${hostingOrderId}`);
  }

  /**
   * Reads one number of a hosting order (`GET .../hostingOrders/{hostingOrderId}/numbers/{phoneNumber}`).
   *
   * @example
   * const number = await client.hostingOrders.number(hostingOrderId, '+12025550134');
   * console.log(number.campaignProvisioning?.state);
   */
  async number(hostingOrderId: string, phoneNumber: string, options: CallOptions = {}): Promise<HostingOrderNumber> {
    const result = await this.ctx.api.GET('/v1/projects/{projectId}/hostingOrders/{hostingOrderId}/numbers/{phoneNumber}', {
      params: { path: { projectId: this.ctx.projectId, hostingOrderId, phoneNumber } },
      signal: options.signal,
    });
    return unwrap(result, this.ctx);
  }

  /**
   * Creates an import order for numbers that already point to the hosting NNID
   * (`POST .../hostingOrders:importNumbers`). At most 5 numbers per order unless the
   * operator raised the project's limit.
   *
   * @example
   * const order = await client.hostingOrders.importNumbers({
   *   regionCode: 'US',
   *   numbers: ['+12025550134', '+12025550135'],
   *   servicePlanId: 'my-service-plan',
   *   campaignId: 'CAMP123',
   * });
   * await client.waitForHostingOrder(order.hostingOrderId!);
   */
  async importNumbers(body: ImportNumbersRequest, options: CallOptions = {}): Promise<ImportHostingOrder> {
    const result = await this.ctx.api.POST('/v1/projects/{projectId}/hostingOrders:importNumbers', {
      params: { path: { projectId: this.ctx.projectId } },
      body,
      signal: options.signal,
    });
    return unwrap(result, this.ctx);
  }

  /**
   * Creates a text-enable order for verified qualified numbers
   * (`POST .../hostingOrders:textEnableNumbers`) and returns the whole order. Give
   * exactly one of `directLoaInfo`, `resellerLoaInfo` and `blanketLoaInfo`; at most 500 numbers.
   *
   * @example
   * const order = await client.hostingOrders.textEnableNumbers({
   *   regionCode: 'US',
   *   numbers: ['+12025550134'],
   *   servicePlanId: 'my-service-plan',
   *   directLoaInfo: {
   *     authorisedPerson: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' },
   *     address: { buildingNumber: '1', street: 'Main St', city: 'Denver', state: 'CO', postalCode: '80202', country: 'US' },
   *     currentVoiceCarrier: 'TMO',
   *   },
   * });
   */
  async textEnableNumbers(body: TextEnableNumbersRequest, options: CallOptions = {}): Promise<HostingOrder> {
    const result = await this.ctx.api.POST('/v1/projects/{projectId}/hostingOrders:textEnableNumbers', {
      params: { path: { projectId: this.ctx.projectId } },
      body,
      signal: options.signal,
    });
    return unwrap(result, this.ctx);
  }

  /**
   * Creates a text-enable order for verified toll-free numbers
   * (`POST .../hostingOrders:textEnableTollFreeNumbers`). Takes no campaign, NNID or
   * blanket LOA; give exactly one of `directLoaInfo` and `resellerLoaInfo`.
   *
   * @example
   * const order = await client.hostingOrders.textEnableTollFreeNumbers({
   *   regionCode: 'US',
   *   numbers: ['+18885550100'],
   *   servicePlanId: 'my-service-plan',
   *   scheduledZipwhipProvisioningTime: '2030-01-15T15:00:00Z',
   *   resellerLoaInfo: { businessName: 'Acme, Inc.', authorisedPerson, address, currentVoiceCarrier: 'TMO' },
   * });
   */
  async textEnableTollFreeNumbers(body: TextEnableTollFreeNumbersRequest, options: CallOptions = {}): Promise<HostingOrder> {
    const result = await this.ctx.api.POST('/v1/projects/{projectId}/hostingOrders:textEnableTollFreeNumbers', {
      params: { path: { projectId: this.ctx.projectId } },
      // The spec's own type for this body is broken (see TextEnableTollFreeNumbersRequest).
      body: body as unknown as components['schemas']['TextEnableTollFreeNumbersRequest'],
      signal: options.signal,
    });
    return unwrap(result, this.ctx);
  }
}
