import type { operations } from '../api-types.js';
import type { CallOptions, ResourceContext } from '../call.js';
import { unwrap } from '../call.js';
import { iteratePages } from '../pagination.js';
import type {
  CreateImportedNumberRequest,
  ImportedNumber,
  ImportedNumberResponse,
  ListImportedNumbersQuery,
  ListImportedNumbersResponse,
  UpdateImportedNumberRequest,
} from '../schemas.js';

type SpecListQuery = operations['ImportNumberService_ListImportedNumbers']['parameters']['query'];

/** The imported numbers of the project: `/v1/projects/{projectId}/importedNumbers`. */
export class ImportedNumbersResource {
  constructor(private readonly ctx: ResourceContext) {}

  /**
   * Lists one page of imported numbers (`GET .../importedNumbers`).
   *
   * @example
   * const page = await client.importedNumbers.list({ regionCode: 'US', pageSize: 50 });
   * console.log(page.importedNumbers, page.nextPageToken);
   */
  async list(query: ListImportedNumbersQuery = {}, options: CallOptions = {}): Promise<ListImportedNumbersResponse> {
    const result = await this.ctx.api.GET('/v1/projects/{projectId}/importedNumbers', {
      params: { path: { projectId: this.ctx.projectId }, query: query as SpecListQuery },
      signal: options.signal,
    });
    return unwrap(result, this.ctx);
  }

  /**
   * Yields every imported number that matches `query`, reading page after page.
   *
   * @example
   * for await (const number of client.importedNumbers.iterate({ 'numberPattern.pattern': '+1303', 'numberPattern.searchPattern': 'START' })) {
   *   console.log(number.phoneNumber, number.smsProvisioning?.state);
   * }
   */
  iterate(query: Omit<ListImportedNumbersQuery, 'pageToken'> = {}, options: CallOptions = {}): AsyncGenerator<ImportedNumberResponse, void, undefined> {
    return iteratePages(async (pageToken) => {
      const page = await this.list({ ...query, pageToken }, options);
      return { items: page.importedNumbers ?? [], nextPageToken: page.nextPageToken };
    }, 'imported numbers');
  }

  /**
   * Reads one imported number with its provisioning and carrier states
   * (`GET .../importedNumbers/{phoneNumber}`). The `+` is sent as `%2B`.
   *
   * @example
   * const number = await client.importedNumbers.get('+12025550134');
   * console.log(number.smsProvisioning?.state, number.campaignProvisioning?.state);
   */
  async get(phoneNumber: string, options: CallOptions = {}): Promise<ImportedNumberResponse> {
    const result = await this.ctx.api.GET('/v1/projects/{projectId}/importedNumbers/{phoneNumber}', {
      params: { path: { projectId: this.ctx.projectId, phoneNumber } },
      signal: options.signal,
    });
    return unwrap(result, this.ctx);
  }

  /**
   * Imports one number that already points to the hosting NNID (`POST .../importedNumbers`),
   * then links it to the service plan and, when given, the campaign.
   *
   * @example
   * const number = await client.importedNumbers.create({
   *   phoneNumber: '+12025550134',
   *   regionCode: 'US',
   *   smsConfiguration: { servicePlanId: 'my-service-plan', campaignId: 'CAMP123' },
   *   callbackUrl: 'https://example.com/callbacks',
   * });
   */
  async create(body: CreateImportedNumberRequest, options: CallOptions = {}): Promise<ImportedNumber> {
    const result = await this.ctx.api.POST('/v1/projects/{projectId}/importedNumbers', {
      params: { path: { projectId: this.ctx.projectId } },
      body,
      signal: options.signal,
    });
    return unwrap(result, this.ctx);
  }

  /**
   * Changes the fields given (`PATCH .../importedNumbers/{phoneNumber}`). An empty
   * `servicePlanId` or `campaignId` unlinks; link a different one only after unlinking.
   *
   * @example
   * await client.importedNumbers.update('+12025550134', { smsConfiguration: { campaignId: '' } });
   * await client.importedNumbers.update('+12025550134', { displayName: 'Support line', smsConfiguration: { campaignId: 'CAMP456' } });
   */
  async update(phoneNumber: string, body: UpdateImportedNumberRequest, options: CallOptions = {}): Promise<ImportedNumber> {
    const result = await this.ctx.api.PATCH('/v1/projects/{projectId}/importedNumbers/{phoneNumber}', {
      params: { path: { projectId: this.ctx.projectId, phoneNumber } },
      body,
      signal: options.signal,
    });
    return unwrap(result, this.ctx);
  }

  /**
   * Deletes an imported number from the project (`DELETE .../importedNumbers/{phoneNumber}`).
   *
   * @example
   * await client.importedNumbers.delete('+12025550134');
   */
  async delete(phoneNumber: string, options: CallOptions = {}): Promise<void> {
    const result = await this.ctx.api.DELETE('/v1/projects/{projectId}/importedNumbers/{phoneNumber}', {
      params: { path: { projectId: this.ctx.projectId, phoneNumber } },
      signal: options.signal,
    });
    unwrap(result, this.ctx);
  }
}
