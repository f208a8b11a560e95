/**
 * numberhost SDK: a typed client for the Imported Numbers and Hosting Orders API, for
 * numberhost and for the hosted API, plus callback signature checks. It runs on Node 20
 * or later and imports no server code. `docs/sdk.md` is the reference.
 *
 * @example
 * import { createClient } from 'numberhost/sdk';
 *
 * const client = createClient({ projectId, auth: { method: 'basic', keyId, keySecret } });
 * for await (const number of client.importedNumbers.iterate()) {
 *   console.log(number.phoneNumber);
 * }
 */
export { createClient, DEFAULT_BASE_URL, NumberhostClient } from './client.js';
export type { NumberhostClientOptions } from './client.js';
export { HOSTED_API_BASE_URL, HOSTED_TOKEN_URL } from './auth.js';
export type { AuthOptions, BasicAuthOptions, FetchFunction, OAuth2AuthOptions } from './auth.js';
export type { CallOptions } from './call.js';
export { NumberhostApiError, NumberhostWaitTimeoutError } from './errors.js';
export type { FieldViolation } from './errors.js';
export type { RetryEvent, RetryOptions } from './retry.js';
export type {
  HostingOrderProgress,
  QualifiedNumberProgress,
  WaitForHostingOrderOptions,
  WaitForQualifiedNumberOptions,
  WaitOptions,
} from './wait.js';
export { FINAL_HOSTING_ORDER_STATES, FINAL_QUALIFIED_NUMBER_STATES, SETTLED_QUALIFIED_NUMBER_STATES } from './wait.js';
export { SIGNATURE_HEADER, verifyCallbackSignature } from './callback-signature.js';
export { CallbackPayloadError, parseCallbackPayload } from './callback-payload.js';
export type { CallbackEventType, CallbackFailureCode, CallbackPayload, CallbackResourceType, CallbackStatus } from './callback-payload.js';
export type { CallbackConfigurationResource } from './resources/callback-configuration.js';
export type { HostingOrdersResource } from './resources/hosting-orders.js';
export type { ImportedNumbersResource } from './resources/imported-numbers.js';
export type { QualifiedNumbersResource } from './resources/qualified-numbers.js';
export type * from './schemas.js';
export type { components, operations, paths } from './api-types.js';
