import { randomBytes, randomUUID } from 'node:crypto';
import { ApiError, alreadyExists, invalidArgument, notFound } from '../domain/errors.js';
import { checkDisplayName } from '../domain/request-rules.js';
import type { ProjectRow } from '../storage/schema.js';
import type { AppContext } from './context.js';
import { newSecret } from './ids.js';
import { hashSecret, verifySecret } from './auth/secret-hash.js';

const PROJECT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const MIN_SECRET_CHARS = 16;

export interface NewAccessKey {
  projectId: string;
  keyId: string;
  /** Shown once; only its hash is stored. */
  keySecret: string;
}

export async function createProject(ctx: AppContext, input: { projectId?: string; displayName?: string }): Promise<ProjectRow> {
  const projectId = input.projectId ?? randomUUID();
  if (!PROJECT_ID_PATTERN.test(projectId)) {
    throw invalidArgument([{ field: 'projectId', description: `${JSON.stringify(projectId)} is not a valid project id: use 1 to 64 letters, digits, "_" or "-".` }]);
  }
  const nameViolations = checkDisplayName(input.displayName);
  if (nameViolations.length > 0) {
    throw invalidArgument(nameViolations);
  }
  const row: ProjectRow = {
    id: projectId,
    display_name: input.displayName ?? '',
    hmac_secret: null,
    import_order_limit: null,
    is_blanket_loa_approved: 0,
    standard_webhooks_secret: null,
    created_ms: ctx.clock.now(),
  };
  try {
    await ctx.storage.db.insertInto('projects').values(row).execute();
  } catch (error) {
    if (ctx.storage.dialect.isUniqueViolation(error)) {
      throw alreadyExists(`Project ${projectId} already exists.`);
    }
    throw error;
  }
  return row;
}

export async function getProject(ctx: AppContext, projectId: string): Promise<ProjectRow> {
  const row = await ctx.storage.db.selectFrom('projects').selectAll().where('id', '=', projectId).executeTakeFirst();
  if (row === undefined) {
    throw notFound(`Project ${projectId} was not found. List projects with GET /admin/v1/projects.`);
  }
  return row;
}

export async function listProjects(ctx: AppContext): Promise<ProjectRow[]> {
  return ctx.storage.db.selectFrom('projects').selectAll().orderBy('created_ms').orderBy('id').execute();
}

export async function createAccessKey(ctx: AppContext, projectId: string, given?: { keyId: string; keySecret: string }): Promise<NewAccessKey> {
  await getProject(ctx, projectId);
  const keyId = given?.keyId ?? randomUUID();
  const keySecret = given?.keySecret ?? newSecret(24);
  if (keySecret.length < MIN_SECRET_CHARS) {
    throw invalidArgument([{ field: 'keySecret', description: `must be at least ${MIN_SECRET_CHARS} characters long.` }]);
  }
  try {
    await ctx.storage.db
      .insertInto('access_keys')
      .values({ id: keyId, project_id: projectId, secret_hash: await hashSecret(keySecret), created_ms: ctx.clock.now(), revoked_ms: null })
      .execute();
  } catch (error) {
    if (ctx.storage.dialect.isUniqueViolation(error)) {
      throw alreadyExists(`Access key ${keyId} already exists.`);
    }
    throw error;
  }
  return { projectId, keyId, keySecret };
}

export async function listAccessKeys(ctx: AppContext, projectId: string) {
  await getProject(ctx, projectId);
  return ctx.storage.db
    .selectFrom('access_keys')
    .select(['id', 'project_id', 'created_ms', 'revoked_ms'])
    .where('project_id', '=', projectId)
    .orderBy('created_ms')
    .execute();
}

export async function revokeAccessKey(ctx: AppContext, projectId: string, keyId: string): Promise<void> {
  const result = await ctx.storage.db
    .updateTable('access_keys')
    .set({ revoked_ms: ctx.clock.now() })
    .where('id', '=', keyId)
    .where('project_id', '=', projectId)
    .where('revoked_ms', 'is', null)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) {
    throw notFound(`Access key ${keyId} was not found in project ${projectId}, or is already revoked.`);
  }
}

export interface ProjectSettings {
  importOrderLimit?: number | null;
  isBlanketLoaApproved?: boolean;
  /** true creates a new Standard Webhooks secret (replacing any old one); false removes it. */
  isStandardWebhooksEnabled?: boolean;
}

export async function updateProjectSettings(ctx: AppContext, projectId: string, settings: ProjectSettings): Promise<ProjectRow> {
  await getProject(ctx, projectId);
  const limit = settings.importOrderLimit;
  if (limit !== undefined && limit !== null && (!Number.isInteger(limit) || limit < 1 || limit > 500)) {
    throw invalidArgument([{ field: 'importOrderLimit', description: `${JSON.stringify(limit)} is invalid: use an integer from 1 to 500, or null for the server default.` }]);
  }
  const update: Partial<ProjectRow> = {};
  if (limit !== undefined) update.import_order_limit = limit;
  if (settings.isBlanketLoaApproved !== undefined) update.is_blanket_loa_approved = settings.isBlanketLoaApproved ? 1 : 0;
  if (settings.isStandardWebhooksEnabled !== undefined) {
    update.standard_webhooks_secret = settings.isStandardWebhooksEnabled ? `whsec_${randomBytes(24).toString('base64')}` : null;
  }
  if (Object.keys(update).length > 0) {
    await ctx.storage.db.updateTable('projects').set(update).where('id', '=', projectId).execute();
  }
  return getProject(ctx, projectId);
}

/**
 * Makes sure the project and access key named by SINCH_PROJECT_ID, SINCH_KEY_ID and
 * SINCH_KEY_SECRET exist, so that one `.env` serves the server and its clients. The
 * environment wins: an existing key gets the secret given there, and is un-revoked. A key
 * id that belongs to another project is an error.
 */
export async function ensureBootstrapCredentials(ctx: AppContext, input: NewAccessKey): Promise<void> {
  const project = await ctx.storage.db.selectFrom('projects').select('id').where('id', '=', input.projectId).executeTakeFirst();
  if (project === undefined) {
    await createProject(ctx, { projectId: input.projectId, displayName: 'Bootstrap project' });
  }
  const key = await ctx.storage.db.selectFrom('access_keys').selectAll().where('id', '=', input.keyId).executeTakeFirst();
  if (key === undefined) {
    await createAccessKey(ctx, input.projectId, { keyId: input.keyId, keySecret: input.keySecret });
    return;
  }
  if (key.project_id !== input.projectId) {
    throw new ApiError('FAILED_PRECONDITION', `SINCH_KEY_ID ${input.keyId} belongs to project ${key.project_id}, not SINCH_PROJECT_ID ${input.projectId}.`);
  }
  if (key.revoked_ms !== null || !(await verifySecret(input.keySecret, key.secret_hash))) {
    await ctx.storage.db
      .updateTable('access_keys')
      .set({ secret_hash: await hashSecret(input.keySecret), revoked_ms: null })
      .where('id', '=', input.keyId)
      .execute();
  }
}
