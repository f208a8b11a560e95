import type { CallOptions, ResourceContext } from '../call.js';
import { unwrap } from '../call.js';
import type { CallbackConfiguration, CallbackConfigurationUpdate } from '../schemas.js';

/**
 * The project's callback settings: `/v1/projects/{projectId}/callbackConfiguration`.
 * Its errors come in the wrapped shape `{error: {...}}`, which `NumberhostApiError` reads too.
 */
export class CallbackConfigurationResource {
  constructor(private readonly ctx: ResourceContext) {}

  /**
   * Reads the project's callback settings, the HMAC secret in clear text (`GET .../callbackConfiguration`).
   *
   * @example
   * const { hmacSecret } = await client.callbackConfiguration.get();
   */
  async get(options: CallOptions = {}): Promise<CallbackConfiguration> {
    const result = await this.ctx.api.GET('/v1/projects/{projectId}/callbackConfiguration', {
      params: { path: { projectId: this.ctx.projectId } },
      signal: options.signal,
    });
    return unwrap(result, this.ctx);
  }

  /**
   * Sets the HMAC secret that signs callbacks (`PATCH .../callbackConfiguration`);
   * an empty string removes it, after which callbacks carry no signature.
   *
   * @example
   * await client.callbackConfiguration.update({ hmacSecret: 'my-callback-secret' });
   */
  async update(body: CallbackConfigurationUpdate, options: CallOptions = {}): Promise<CallbackConfiguration> {
    const result = await this.ctx.api.PATCH('/v1/projects/{projectId}/callbackConfiguration', {
      params: { path: { projectId: this.ctx.projectId } },
      body,
      signal: options.signal,
    });
    return unwrap(result, this.ctx);
  }
}
