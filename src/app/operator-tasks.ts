import type { Kysely, Transaction } from 'kysely';
import type { FieldViolation } from '../domain/errors.js';
import { ApiError, describeValue, failedPrecondition, invalidArgument } from '../domain/errors.js';
import type { OperatorTaskKind, OperatorTaskState } from '../domain/operator-tasks.js';
import { OPERATOR_TASK_KINDS, OPERATOR_TASK_STATES, TASK_FAILURE_CODES, isOperatorTaskKind } from '../domain/operator-tasks.js';
import { FAILURE_CODES } from '../domain/events.js';
import { toIsoTime } from '../domain/time.js';
import type { Database, OperatorTaskRow } from '../storage/schema.js';
import { clearManualActionIfIdle } from './cancel-operator-tasks.js';
import type { AppContext } from './context.js';
import type { JobPayloads, JobType } from './job-payloads.js';
import { numberStepPayload } from './job-payloads.js';
import { encodePageToken, parsePageRequest } from './pagination.js';

/**
 * Operator tasks of manual carrier mode: list them, read one, and resolve one. Resolving
 * moves the task out of OPEN and makes the step job that waits on it due at once, so the
 * order continues without waiting for the step's next scheduled check.
 */

const MAX_NOTE_CHARS = 1000;
const MAX_ERROR_MESSAGE_CHARS = 1000;
/** Maximum wait, after a resolution, for a worker to release the step job it runs. */
const HELD_JOB_WAIT_MS = 2000;
const HELD_JOB_POLL_MS = 20;

export interface OperatorTaskFilter {
  state?: unknown;
  projectId?: unknown;
  hostingOrderId?: unknown;
  kind?: unknown;
  pageSize?: unknown;
  pageToken?: unknown;
}

export interface OperatorTaskPage {
  rows: OperatorTaskRow[];
  nextPageToken: string;
  totalSize: number;
}

/** Builds the admin API's view of a task. Absent values are empty strings, as elsewhere in the API. */
export function operatorTaskView(row: OperatorTaskRow) {
  return {
    taskId: row.id,
    projectId: row.project_id,
    kind: row.kind,
    phoneNumber: row.phone_number,
    targetId: row.target_id,
    hostingOrderId: row.hosting_order_id ?? '',
    isTollFree: row.is_toll_free === 1,
    state: row.state,
    failureCode: row.failure_code,
    errorMessage: row.error_message,
    note: row.note,
    createdTime: toIsoTime(row.created_ms),
    resolvedTime: row.resolved_ms === null ? '' : toIsoTime(Number(row.resolved_ms)),
  };
}

function optionalFilter(value: unknown, field: string, violations: FieldViolation[]): string | undefined {
  if (value === undefined || value === '') {
    return undefined;
  }
  if (typeof value !== 'string') {
    violations.push({ field, description: `must be a single string, got ${describeValue(value)}.` });
    return undefined;
  }
  return value;
}

function enumFilter<T extends string>(value: unknown, field: string, allowed: readonly T[], violations: FieldViolation[]): T | undefined {
  const text = optionalFilter(value, field, violations);
  if (text === undefined) {
    return undefined;
  }
  if (!(allowed as readonly string[]).includes(text)) {
    violations.push({ field, description: `${describeValue(text)} is not one of ${allowed.join(', ')}; give one of them or leave it out.` });
    return undefined;
  }
  return text as T;
}

/**
 * Lists tasks with keyset pagination. OPEN tasks come oldest first, so the queue reads
 * in the order the work arrived; other lists come newest first, so recent resolutions
 * lead. `pageSize` defaults to 100 and is capped at 1000, as in the public API.
 */
export async function listOperatorTasks(ctx: AppContext, filter: OperatorTaskFilter): Promise<OperatorTaskPage> {
  const violations: FieldViolation[] = [];
  const state = enumFilter<OperatorTaskState>(filter.state, 'state', OPERATOR_TASK_STATES, violations);
  const kind = enumFilter<OperatorTaskKind>(filter.kind, 'kind', OPERATOR_TASK_KINDS, violations);
  const projectId = optionalFilter(filter.projectId, 'projectId', violations);
  const hostingOrderId = optionalFilter(filter.hostingOrderId, 'hostingOrderId', violations);
  const page = parsePageRequest({ pageSize: filter.pageSize, pageToken: filter.pageToken }, { state, kind, projectId, hostingOrderId }, violations);
  const isOldestFirst = state === 'OPEN';

  let base = ctx.storage.db.selectFrom('operator_tasks');
  if (state !== undefined) base = base.where('state', '=', state);
  if (kind !== undefined) base = base.where('kind', '=', kind);
  if (projectId !== undefined) base = base.where('project_id', '=', projectId);
  if (hostingOrderId !== undefined) base = base.where('hosting_order_id', '=', hostingOrderId);

  let pageQuery = base.selectAll();
  const cursor = page.cursor;
  if (cursor !== undefined) {
    const after = isOldestFirst ? '>' : '<';
    pageQuery = pageQuery.where((eb) =>
      eb.or([eb('created_ms', after, cursor.sortMs), eb.and([eb('created_ms', '=', cursor.sortMs), eb('id', after, cursor.id)])]),
    );
  }
  const direction = isOldestFirst ? 'asc' : 'desc';
  const rows = await pageQuery.orderBy('created_ms', direction).orderBy('id', direction).limit(page.pageSize + 1).execute();
  const totalSize = page.carriedTotal ?? Number((await base.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow()).count);

  const pageRows = rows.slice(0, page.pageSize);
  const last = pageRows.at(-1);
  const hasMore = rows.length > page.pageSize && last !== undefined;
  const nextPageToken = hasMore ? encodePageToken(page, { sortMs: Number(last.created_ms), id: last.id }, totalSize) : '';
  return { rows: pageRows, nextPageToken, totalSize };
}

/** Reads one task; 404 when no task has this id. */
export async function getOperatorTask(ctx: AppContext, taskId: string): Promise<OperatorTaskRow> {
  const row = await ctx.storage.db.selectFrom('operator_tasks').selectAll().where('id', '=', taskId).executeTakeFirst();
  if (row === undefined) {
    throw new ApiError('NOT_FOUND', `Operator task ${describeValue(taskId)} not found. List the tasks with GET /admin/v1/operatorTasks.`);
  }
  return row;
}

function optionalText(body: Record<string, unknown>, field: string, maxChars: number, violations: FieldViolation[]): string {
  const value = body[field];
  if (value === undefined) {
    return '';
  }
  if (typeof value !== 'string') {
    violations.push({ field, description: `must be a string, got ${describeValue(value)}.` });
    return '';
  }
  if (value.length > maxChars) {
    violations.push({ field, description: `has ${value.length} characters; at most ${maxChars} are allowed.` });
    return '';
  }
  return value.trim();
}

function rejectUnknownFields(body: Record<string, unknown>, allowed: readonly string[], violations: FieldViolation[]): void {
  for (const field of Object.keys(body)) {
    if (!allowed.includes(field)) {
      violations.push({ field, description: `is not a field of this request; the fields are ${allowed.join(', ')}.` });
    }
  }
}

interface Resolution {
  state: Extract<OperatorTaskState, 'COMPLETED' | 'FAILED'>;
  failureCode: string;
  errorMessage: string;
  note: string;
}

/** Completes a task whose step an operator did: the step ends DONE at its next check, which this makes due now. */
export async function completeOperatorTask(ctx: AppContext, taskId: string, body: Record<string, unknown>): Promise<OperatorTaskRow> {
  const violations: FieldViolation[] = [];
  rejectUnknownFields(body, ['note'], violations);
  const note = optionalText(body, 'note', MAX_NOTE_CHARS, violations);
  if (violations.length > 0) {
    throw invalidArgument(violations);
  }
  return resolveOperatorTask(ctx, taskId, { state: 'COMPLETED', failureCode: '', errorMessage: '', note });
}

/**
 * Fails a task whose step cannot be done: the step ends FAILED with `failureCode`, which
 * must be one of the codes listed for the task's kind in TASK_FAILURE_CODES.
 */
export async function failOperatorTask(ctx: AppContext, taskId: string, body: Record<string, unknown>): Promise<OperatorTaskRow> {
  const violations: FieldViolation[] = [];
  rejectUnknownFields(body, ['failureCode', 'errorMessage', 'note'], violations);
  const errorMessage = optionalText(body, 'errorMessage', MAX_ERROR_MESSAGE_CHARS, violations);
  const note = optionalText(body, 'note', MAX_NOTE_CHARS, violations);
  const failureCode = body.failureCode;
  if (typeof failureCode !== 'string' || failureCode === '') {
    violations.push({ field: 'failureCode', description: `is required: give the spec failure code the step failed with, got ${describeValue(failureCode)}.` });
  }
  if (violations.length > 0) {
    throw invalidArgument(violations);
  }
  const task = await getOperatorTask(ctx, taskId);
  const allowed: readonly string[] = isOperatorTaskKind(task.kind) ? TASK_FAILURE_CODES[task.kind] : FAILURE_CODES;
  if (!allowed.includes(failureCode as string)) {
    throw invalidArgument([
      { field: 'failureCode', description: `${describeValue(failureCode)} does not fit a ${task.kind} task; give one of ${allowed.join(', ')}.` },
    ]);
  }
  return resolveOperatorTask(ctx, taskId, { state: 'FAILED', failureCode: failureCode as string, errorMessage, note });
}

/**
 * Moves a task from OPEN to its resolution, clears the order number's manual-action flag
 * when no other task of that number is open, and makes the waiting step job due now,
 * all in one transaction. When a worker holds that job at this moment, the job is made
 * due once the worker releases it. A task that is no longer OPEN is a 400 naming its state.
 */
async function resolveOperatorTask(ctx: AppContext, taskId: string, resolution: Resolution): Promise<OperatorTaskRow> {
  const task = await getOperatorTask(ctx, taskId);
  const nowMs = ctx.clock.now();
  const madeDue = await ctx.storage.db.transaction().execute(async (trx) => {
    const moved = await trx
      .updateTable('operator_tasks')
      .set({ state: resolution.state, failure_code: resolution.failureCode, error_message: resolution.errorMessage, note: resolution.note, resolved_ms: nowMs })
      .where('id', '=', taskId)
      .where('state', '=', 'OPEN')
      .executeTakeFirst();
    if (moved.numUpdatedRows === 0n) {
      const current = await trx.selectFrom('operator_tasks').select(['state', 'note']).where('id', '=', taskId).executeTakeFirstOrThrow();
      throw alreadyResolved(taskId, current.state, current.note);
    }
    if (task.hosting_order_id !== null) {
      await clearManualActionIfIdle(trx, task.hosting_order_id, task.phone_number, nowMs);
    }
    return makeStepJobDue(trx, stepJobOf(task), nowMs);
  });
  const jobStatus = madeDue === 'HELD' ? await makeHeldStepJobDue(ctx, stepJobOf(task)) : madeDue;
  ctx.logger.info(
    { taskId, projectId: task.project_id, hostingOrderId: task.hosting_order_id, phoneNumber: task.phone_number, kind: task.kind, state: resolution.state, stepJob: jobStatus },
    'operator task resolved',
  );
  ctx.wakeWorker();
  return getOperatorTask(ctx, taskId);
}

function alreadyResolved(taskId: string, state: string, note: string): ApiError {
  let hint = 'Nothing is left to do for this task.';
  if (state === 'FAILED') {
    hint = "To run the step again, retry the order's failed steps with POST /admin/v1/projects/{projectId}/hostingOrders/{hostingOrderId}:retryFailedSteps, which opens a new task.";
  } else if (state === 'CANCELLED') {
    // The note of a cancelled task gives the reason: its order was rejected or its number deleted.
    hint = `${note} Nothing is left to do for this task.`;
  }
  return failedPrecondition('taskId', `Operator task ${taskId} is ${state}; only OPEN tasks can be completed or failed. ${hint}`);
}

/** Returns the job type and exact payload text of the step job that waits on a task. */
function stepJobOf(task: OperatorTaskRow): StepJob | undefined {
  if (task.kind === 'OSR_UPDATE') {
    if (task.hosting_order_id === null) {
      return undefined;
    }
    // Keys in the order schedule-osr-updates.ts writes them, so the text matches the stored payload.
    const payload: JobPayloads['osr_step'] = { projectId: task.project_id, phoneNumber: task.phone_number, hostingOrderId: task.hosting_order_id };
    return { type: 'osr_step', payload: JSON.stringify(payload) };
  }
  const type: JobType = task.kind === 'CAMPAIGN_LINK' || task.kind === 'CAMPAIGN_UNLINK' ? 'campaign_step' : 'sms_step';
  return { type, payload: JSON.stringify(numberStepPayload(task.project_id, task.phone_number, task.hosting_order_id)) };
}

interface StepJob {
  type: JobType;
  payload: string;
}

/** DUE: the job now runs at once. HELD: a worker runs it right now. ABSENT: no job waits on the task. */
type StepJobStatus = 'DUE' | 'HELD' | 'ABSENT';

/** Makes the step job due now, unless a worker runs it at this moment. */
async function makeStepJobDue(db: Kysely<Database> | Transaction<Database>, job: StepJob | undefined, nowMs: number): Promise<StepJobStatus> {
  if (job === undefined) {
    return 'ABSENT';
  }
  const result = await db
    .updateTable('jobs')
    .set({ run_at_ms: nowMs })
    .where('type', '=', job.type)
    .where('payload', '=', job.payload)
    .where('locked_by', 'is', null)
    .executeTakeFirst();
  if (result.numUpdatedRows > 0n) {
    return 'DUE';
  }
  const held = await db.selectFrom('jobs').select('id').where('type', '=', job.type).where('payload', '=', job.payload).executeTakeFirst();
  return held === undefined ? 'ABSENT' : 'HELD';
}

/**
 * Waits for a worker to release a step job it ran while the task was resolved, then
 * makes the job due. That run read the task before the resolution, so it reschedules
 * itself NUMBERHOST_MANUAL_CHECK_MS ahead. A manual step's run only reads and writes a
 * few rows, so the release comes within milliseconds. After HELD_JOB_WAIT_MS the
 * scheduled check is left to pick the resolution up.
 */
async function makeHeldStepJobDue(ctx: AppContext, job: StepJob | undefined): Promise<StepJobStatus> {
  const deadline = Date.now() + HELD_JOB_WAIT_MS;
  let status: StepJobStatus = 'HELD';
  while (status === 'HELD' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, HELD_JOB_POLL_MS));
    status = await makeStepJobDue(ctx.storage.db, job, ctx.clock.now());
  }
  return status;
}
