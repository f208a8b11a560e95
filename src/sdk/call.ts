import type { Client } from 'openapi-fetch';
import type { paths } from './api-types.js';
import { apiErrorFromResponse } from './errors.js';
import { requestOf } from './transport.js';

/** Options every API method takes. */
export interface CallOptions {
  /** Aborts the request, and any wait before a retry; the method then rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** Shared state of the resource classes: the typed openapi-fetch client and the project. */
export interface ResourceContext {
  readonly api: Client<paths>;
  readonly projectId: string;
  readonly now: () => number;
}

/** Returns the body of a successful response, or throws a `NumberhostApiError` for an error response. */
export function unwrap<Result extends { data?: unknown; error?: unknown; response: Response }>(result: Result, ctx: ResourceContext): Exclude<Result['data'], undefined> {
  if (!result.response.ok) {
    const { method, url } = requestOf(result.response);
    throw apiErrorFromResponse(method, url, result.response, result.error, ctx.now());
  }
  return result.data as Exclude<Result['data'], undefined>;
}
