/**
 * Named types for the resources, requests and query strings of the API, taken from the
 * types that openapi-typescript generates from the spec (`api-types.ts`). Two of them
 * differ from the spec on purpose, and their comments explain how.
 */
import type { components, operations } from './api-types.js';

type Schemas = components['schemas'];

/** Query parameters of an operation, without the `projectId` that the client fills in. */
type QueryOf<Operation extends keyof operations> = NonNullable<operations[Operation]['parameters']['query']>;

export type ImportedNumber = Schemas['ImportedNumber'];
/** An imported number as `GET` returns it, with its provisioning and carrier states. */
export type ImportedNumberResponse = Schemas['ImportedNumberResponse'];
export type CreateImportedNumberRequest = Schemas['CreateImportedNumberRequest'];
/** Body of `PATCH .../importedNumbers/{phoneNumber}`: the fields to change. An empty `servicePlanId` or `campaignId` unlinks. */
export type UpdateImportedNumberRequest = Schemas['ImportedNumber'];
export type ListImportedNumbersResponse = Schemas['ListImportedNumbersResponse'];
export type SmsConfiguration = Schemas['SmsConfiguration'];

export type HostingOrder = Schemas['HostingOrder'];
export type ImportHostingOrder = Schemas['ImportHostingOrder'];
export type HostingOrderNumber = Schemas['HostingOrderNumber'];
export type HostingOrderReport = Schemas['HostingOrderReport'];
export type ListHostingOrdersResponse = Schemas['ListHostingOrdersResponse'];
export type ListHostingOrderNumbersResponse = Schemas['ListHostingOrderNumbersResponse'];
export type HostingOrderState = NonNullable<HostingOrder['state']>;
export type HostingOrderType = NonNullable<HostingOrder['type']>;
export type ImportNumbersRequest = Schemas['ImportNumbersRequest'];
export type TextEnableNumbersRequest = Schemas['TextEnableNumbersRequest'];

export type DirectLoaInfo = Schemas['DirectLoaInfo'];
export type ResellerLoaInfo = Schemas['ResellerLoaInfo'];
export type BlanketLoaInfo = Schemas['BlanketLoaInfo'];
export type Address = Schemas['Address'];
export type AuthorizedPerson = Schemas['AuthorizedPerson'];

/**
 * Body of the two toll-free text-enable operations, as the spec means it. The spec puts
 * the shared fields under a property named `allOf` instead of inside a real `allOf`, so
 * its generated type would accept a body without `numbers`. Here the shared fields sit
 * at the top level, and exactly one of `directLoaInfo` and `resellerLoaInfo` is given.
 * `projectId` is optional because the path already names the project.
 */
export type TextEnableTollFreeNumbersRequest = Omit<Schemas['TextEnableTollFreeNumbersLoaInfoCommon'], 'projectId'> & {
  projectId?: string;
} & ({ directLoaInfo: DirectLoaInfo; resellerLoaInfo?: never } | { resellerLoaInfo: ResellerLoaInfo; directLoaInfo?: never });

export type QualifiedNumber = Schemas['QualifiedNumber'];
/** The `globalProcessState` of a qualified number, such as `GLOBAL_PROCESS_STATE_VERIFIED`. */
export type QualifiedNumberState = NonNullable<QualifiedNumber['globalProcessState']>;
/** Response of list qualified numbers (the spec's `ListQualifiedNumber`). */
export type ListQualifiedNumbersResponse = Schemas['ListQualifiedNumber'];
export type BatchCreateQualifiedNumbersResponse = Schemas['BatchCreateQualifiedNumbersResponse'];
export type TextEnableResponse = Schemas['TextEnableResponse'];

/** The state of one provisioning step: `WAITING`, `IN_PROGRESS`, `DONE`, `FAILED` or `STATE_UNSPECIFIED`. */
export type StepState = Schemas['State'];

export type CallbackConfiguration = Schemas['CallbackConfiguration'];
export type CallbackConfigurationUpdate = Schemas['CallbackConfigurationUpdate'];

/**
 * Query of list imported numbers. The spec marks `servicePlanId` and `campaignId`
 * required, but numberhost treats both as optional filters, so they are optional here.
 * NOTE: the hosted API may still reject a request without them; pass `''` for "any".
 */
export type ListImportedNumbersQuery = Omit<QueryOf<'ImportNumberService_ListImportedNumbers'>, 'servicePlanId' | 'campaignId'> & {
  servicePlanId?: string;
  campaignId?: string;
};
/** Query of list hosting orders. `states`, `type`, `servicePlanId` and `campaignId` are required; the `*_UNSPECIFIED` values and `''` mean any. */
export type ListHostingOrdersQuery = QueryOf<'HostingOrderService_ListHostingOrders'>;
export type ListHostingOrderNumbersQuery = QueryOf<'HostingOrderService_ListHostingOrderNumbers'>;
/** Query of list qualified numbers. `states` is required; `GLOBAL_PROCESS_STATE_UNSPECIFIED` means any. */
export type ListQualifiedNumbersQuery = QueryOf<'QualifiedNumberService_ListQualifiedNumbers'>;
