import { invalidArgument } from '../domain/errors.js';
import { describeValue } from '../domain/errors.js';
import type { AppContext } from './context.js';
import { getProject } from './projects.js';

const MAX_HMAC_SECRET_CHARS = 256;

export interface CallbackConfigurationView {
  projectId: string;
  hmacSecret: string;
}

export async function getCallbackConfiguration(ctx: AppContext, projectId: string): Promise<CallbackConfigurationView> {
  const project = await getProject(ctx, projectId);
  return { projectId, hmacSecret: project.hmac_secret ?? '' };
}

/** Sets the project's HMAC secret; an empty string removes it, after which callbacks carry no signature. */
export async function updateCallbackConfiguration(ctx: AppContext, projectId: string, body: { hmacSecret?: unknown }): Promise<CallbackConfigurationView> {
  await getProject(ctx, projectId);
  const secret = body.hmacSecret;
  if (secret === undefined) {
    return getCallbackConfiguration(ctx, projectId);
  }
  if (typeof secret !== 'string') {
    throw invalidArgument([{ field: 'hmacSecret', description: `must be a string, got ${describeValue(secret)}.` }]);
  }
  if (secret.length > MAX_HMAC_SECRET_CHARS) {
    throw invalidArgument([{ field: 'hmacSecret', description: `is ${secret.length} characters long; at most ${MAX_HMAC_SECRET_CHARS} are allowed.` }]);
  }
  await ctx.storage.db
    .updateTable('projects')
    .set({ hmac_secret: secret === '' ? null : secret })
    .where('id', '=', projectId)
    .execute();
  return { projectId, hmacSecret: secret };
}
