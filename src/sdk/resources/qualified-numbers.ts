import type { components } from '../api-types.js';
import type { CallOptions, ResourceContext } from '../call.js';
import { unwrap } from '../call.js';
import { iteratePages } from '../pagination.js';
import type {
  BatchCreateQualifiedNumbersResponse,
  HostingOrder,
  ListQualifiedNumbersQuery,
  ListQualifiedNumbersResponse,
  QualifiedNumber,
  TextEnableNumbersRequest,
  TextEnableResponse,
  TextEnableTollFreeNumbersRequest,
} from '../schemas.js';

/** The qualified numbers of the project: `/v1/projects/{projectId}/qualifiedNumbers` and its custom verbs. */
export class QualifiedNumbersResource {
  constructor(private readonly ctx: ResourceContext) {}

  /**
   * Lists one page of qualified numbers (`GET .../qualifiedNumbers`). `states` is
   * required; `GLOBAL_PROCESS_STATE_UNSPECIFIED` means any.
   *
   * @example
   * const page = await client.qualifiedNumbers.list({ states: 'GLOBAL_PROCESS_STATE_VERIFIED', pageSize: 100 });
   */
  async list(query: ListQualifiedNumbersQuery, options: CallOptions = {}): Promise<ListQualifiedNumbersResponse> {
    const result = await this.ctx.api.GET('/v1/projects/{projectId}/qualifiedNumbers', {
      params: { path: { projectId: this.ctx.projectId }, query },
      signal: options.signal,
    });
    return unwrap(result, this.ctx);
  }

  /**
   * Yields every qualified number that matches `query`, reading page after page.
   *
   * @example
   * for await (const number of client.qualifiedNumbers.iterate({ states: 'GLOBAL_PROCESS_STATE_ELIGIBLE' })) {
   *   await client.qualifiedNumbers.sendVoiceChallenge(number.phoneNumber!);
   * }
   */
  iterate(query: Omit<ListQualifiedNumbersQuery, 'pageToken'>, options: CallOptions = {}): AsyncGenerator<QualifiedNumber, void, undefined> {
    return iteratePages(async (pageToken) => {
      const page = await this.list({ ...query, pageToken }, options);
      return { items: page.qualifiedNumbers ?? [], nextPageToken: page.nextPageToken };
    }, 'qualified numbers');
  }

  /**
   * Reads one qualified number (`GET .../qualifiedNumbers/{phoneNumber}`).
   *
   * @example
   * const number = await client.qualifiedNumbers.get('+12025550134');
   * console.log(number.globalProcessState, number.ownershipVerification?.error);
   */
  async get(phoneNumber: string, options: CallOptions = {}): Promise<QualifiedNumber> {
    const result = await this.ctx.api.GET('/v1/projects/{projectId}/qualifiedNumbers/{phoneNumber}', {
      params: { path: { projectId: this.ctx.projectId, phoneNumber } },
      signal: options.signal,
    });
    return unwrap(result, this.ctx);
  }

  /**
   * Registers numbers for qualification (`POST .../qualifiedNumbers:addNumbers`); the
   * eligibility check then runs in the background. Numbers already qualified come back
   * as they are.
   *
   * @example
   * const { qualifiedNumbers } = await client.qualifiedNumbers.add(['+12025550134', '+12025550135']);
   * await client.waitForQualifiedNumber('+12025550134', { until: ['GLOBAL_PROCESS_STATE_ELIGIBLE'] });
   */
  async add(phoneNumbers: string[], options: CallOptions = {}): Promise<BatchCreateQualifiedNumbersResponse> {
    const result = await this.ctx.api.POST('/v1/projects/{projectId}/qualifiedNumbers:addNumbers', {
      params: { path: { projectId: this.ctx.projectId } },
      body: { phoneNumbers },
      signal: options.signal,
    });
    return unwrap(result, this.ctx);
  }

  /**
   * Deletes a qualified number (`DELETE .../qualifiedNumbers/{phoneNumber}`).
   *
   * @example
   * await client.qualifiedNumbers.delete('+12025550134');
   */
  async delete(phoneNumber: string, options: CallOptions = {}): Promise<void> {
    const result = await this.ctx.api.DELETE('/v1/projects/{projectId}/qualifiedNumbers/{phoneNumber}', {
      params: { path: { projectId: this.ctx.projectId, phoneNumber } },
      signal: options.signal,
    });
    unwrap(result, this.ctx);
  }

  /**
   * Creates a text-enable order for verified numbers
   * (`POST .../qualifiedNumbers:textEnableNumbers`). Unlike
   * `hostingOrders.textEnableNumbers`, it returns only the order id.
   *
   * @example
   * const { hostingOrderId } = await client.qualifiedNumbers.textEnableNumbers({
   *   regionCode: 'US',
   *   numbers: ['+12025550134'],
   *   servicePlanId: 'my-service-plan',
   *   campaignId: 'CAMP123',
   *   blanketLoaInfo: {},
   * });
   */
  async textEnableNumbers(body: TextEnableNumbersRequest, options: CallOptions = {}): Promise<TextEnableResponse> {
    const result = await this.ctx.api.POST('/v1/projects/{projectId}/qualifiedNumbers:textEnableNumbers', {
      params: { path: { projectId: this.ctx.projectId } },
      body,
      signal: options.signal,
    });
    return unwrap(result, this.ctx);
  }

  /**
   * Creates a text-enable order for verified toll-free numbers
   * (`POST .../qualifiedNumbers:textEnableTollFreeNumbers`) and returns the order.
   *
   * @example
   * const order = await client.qualifiedNumbers.textEnableTollFreeNumbers({
   *   regionCode: 'US',
   *   numbers: ['+18885550100'],
   *   servicePlanId: 'my-service-plan',
   *   directLoaInfo: { authorisedPerson, address, currentVoiceCarrier: 'TMO' },
   * });
   */
  async textEnableTollFreeNumbers(body: TextEnableTollFreeNumbersRequest, options: CallOptions = {}): Promise<HostingOrder> {
    const result = await this.ctx.api.POST('/v1/projects/{projectId}/qualifiedNumbers:textEnableTollFreeNumbers', {
      params: { path: { projectId: this.ctx.projectId } },
      // The spec's own type for this body is broken (see TextEnableTollFreeNumbersRequest).
      body: body as unknown as components['schemas']['TextEnableTollFreeNumbersRequest'],
      signal: options.signal,
    });
    return unwrap(result, this.ctx);
  }

  /**
   * Places a call to the number that reads out a one-time code
   * (`POST .../qualifiedNumbers/{phoneNumber}:sendVoiceChallenge`, the `+` sent as `%2B`).
   * Not retried: a second call too soon is a 429, and its `retryAfterSeconds` is the wait before the next one.
   *
   * @example
   * const number = await client.qualifiedNumbers.sendVoiceChallenge('+12025550134');
   * console.log(number.globalProcessState); // GLOBAL_PROCESS_STATE_VERIFICATION_PENDING
   */
  async sendVoiceChallenge(phoneNumber: string, options: CallOptions = {}): Promise<QualifiedNumber> {
    const result = await this.ctx.api.POST('/v1/projects/{projectId}/qualifiedNumbers/{phoneNumber}:sendVoiceChallenge', {
      params: { path: { projectId: this.ctx.projectId, phoneNumber } },
      signal: options.signal,
    });
    return unwrap(result, this.ctx);
  }

  /**
   * Checks the code from the voice call (`POST .../qualifiedNumbers/{phoneNumber}:verifyVoiceChallenge`).
   * A right code makes the number VERIFIED; a wrong one VERIFICATION_FAILED, with the
   * reason in `ownershipVerification.error`.
   *
   * @example
   * const number = await client.qualifiedNumbers.verifyVoiceChallenge('+12025550134', '123456');
   * if (number.globalProcessState !== 'GLOBAL_PROCESS_STATE_VERIFIED') console.log(number.ownershipVerification?.error);
   */
  async verifyVoiceChallenge(phoneNumber: string, code: string, options: CallOptions = {}): Promise<QualifiedNumber> {
    const result = await this.ctx.api.POST('/v1/projects/{projectId}/qualifiedNumbers/{phoneNumber}:verifyVoiceChallenge', {
      params: { path: { projectId: this.ctx.projectId, phoneNumber } },
      body: { code },
      signal: options.signal,
    });
    return unwrap(result, this.ctx);
  }
}
