/**
 * The timeline of a hosting order: every recorded event of the order in time order, read
 * from the tables that record them (the order, callback events, mails, LOA documents,
 * the signing decision and operator tasks). It is read-only and rebuilt on each request.
 */
import type { AppContext } from './context.js';
import { getHostingOrder } from './get-hosting-order.js';

/** Max entries read from each source for one timeline. An order of 500 numbers sends up to 4 callbacks per number, so 2,000. */
const MAX_ENTRIES_PER_SOURCE = 5000;

export type TimelineEntry =
  | { kind: 'ORDER_CREATED'; atMs: number; orderType: string; isTollFree: boolean; numberCount: number }
  | {
      kind: 'CALLBACK';
      atMs: number;
      eventId: string;
      eventType: string;
      resourceType: string;
      resourceId: string;
      status: string;
      failureCode: string | null;
      deliveryState: string;
      attempts: number;
    }
  | { kind: 'EMAIL'; atMs: number; emailId: string; to: string; subject: string; state: string; sentMs: number | null; lastError: string | null }
  | { kind: 'LOA_DOCUMENT'; atMs: number; documentKind: string }
  | { kind: 'LOA_DECISION'; atMs: number; outcome: string; signerName: string; reason: string }
  | { kind: 'TASK_CREATED'; atMs: number; taskId: string; taskKind: string; phoneNumber: string; targetId: string }
  | { kind: 'TASK_RESOLVED'; atMs: number; taskId: string; taskKind: string; phoneNumber: string; state: string; failureCode: string; note: string }
  | { kind: 'REJECTED'; atMs: number; reason: string };

/** Order of entries that share a time: the cause before its effects. */
const KIND_RANK: Readonly<Record<TimelineEntry['kind'], number>> = {
  ORDER_CREATED: 0,
  LOA_DOCUMENT: 1,
  EMAIL: 2,
  LOA_DECISION: 3,
  REJECTED: 4,
  TASK_RESOLVED: 5,
  TASK_CREATED: 6,
  CALLBACK: 7,
};

/**
 * Loads every event of an order, oldest first. Throws NOT_FOUND when the order is not in
 * the project.
 */
export async function loadOrderTimeline(ctx: AppContext, projectId: string, hostingOrderId: string): Promise<TimelineEntry[]> {
  const order = await getHostingOrder(ctx, projectId, hostingOrderId);
  const db = ctx.storage.db;
  const entries: TimelineEntry[] = [
    { kind: 'ORDER_CREATED', atMs: order.created_ms, orderType: order.type, isTollFree: order.is_toll_free === 1, numberCount: order.number_count },
  ];

  const events = await db
    .selectFrom('callback_events')
    .select(['id', 'event_type', 'resource_type', 'resource_id', 'status', 'failure_code', 'delivery_state', 'attempts', 'created_ms'])
    .where('project_id', '=', projectId)
    .where('hosting_order_id', '=', hostingOrderId)
    .orderBy('created_ms')
    .orderBy('id')
    .limit(MAX_ENTRIES_PER_SOURCE)
    .execute();
  for (const event of events) {
    entries.push({
      kind: 'CALLBACK',
      atMs: event.created_ms,
      eventId: event.id,
      eventType: event.event_type,
      resourceType: event.resource_type,
      resourceId: event.resource_id,
      status: event.status,
      failureCode: event.failure_code,
      deliveryState: event.delivery_state,
      attempts: event.attempts,
    });
  }

  const emails = await db
    .selectFrom('emails')
    .select(['id', 'to_address', 'subject', 'state', 'sent_ms', 'last_error', 'created_ms'])
    .where('project_id', '=', projectId)
    .where('hosting_order_id', '=', hostingOrderId)
    .orderBy('created_ms')
    .limit(MAX_ENTRIES_PER_SOURCE)
    .execute();
  for (const email of emails) {
    entries.push({ kind: 'EMAIL', atMs: email.created_ms, emailId: email.id, to: email.to_address, subject: email.subject, state: email.state, sentMs: email.sent_ms, lastError: email.last_error });
  }

  const documents = await db
    .selectFrom('loa_documents')
    .select(['kind', 'created_ms'])
    .where('project_id', '=', projectId)
    .where('hosting_order_id', '=', hostingOrderId)
    .execute();
  for (const document of documents) {
    entries.push({ kind: 'LOA_DOCUMENT', atMs: document.created_ms, documentKind: document.kind });
  }

  const decision = await db
    .selectFrom('loa_decisions')
    .select(['outcome', 'signer_name', 'reason', 'decided_ms'])
    .where('project_id', '=', projectId)
    .where('hosting_order_id', '=', hostingOrderId)
    .executeTakeFirst();
  if (decision !== undefined) {
    entries.push({ kind: 'LOA_DECISION', atMs: decision.decided_ms, outcome: decision.outcome, signerName: decision.signer_name, reason: decision.reason });
  }

  entries.push(...(await taskEntries(ctx, projectId, hostingOrderId)));

  if (order.state === 'REJECTED') {
    // NOTE: no column stores the rejection time. Nothing moves a REJECTED order
    // afterwards, so its last update is the rejection.
    entries.push({ kind: 'REJECTED', atMs: order.updated_ms, reason: order.rejection_reason });
  }

  return entries.sort((a, b) => a.atMs - b.atMs || KIND_RANK[a.kind] - KIND_RANK[b.kind]);
}

/** Builds an entry for the creation of each operator task of the order and, once resolved, one for its resolution. */
async function taskEntries(ctx: AppContext, projectId: string, hostingOrderId: string): Promise<TimelineEntry[]> {
  const tasks = await ctx.storage.db
    .selectFrom('operator_tasks')
    .select(['id', 'kind', 'phone_number', 'target_id', 'state', 'failure_code', 'note', 'created_ms', 'resolved_ms'])
    .where('project_id', '=', projectId)
    .where('hosting_order_id', '=', hostingOrderId)
    .orderBy('created_ms')
    .limit(MAX_ENTRIES_PER_SOURCE)
    .execute();
  const entries: TimelineEntry[] = [];
  for (const task of tasks) {
    entries.push({ kind: 'TASK_CREATED', atMs: task.created_ms, taskId: task.id, taskKind: task.kind, phoneNumber: task.phone_number, targetId: task.target_id });
    if (task.resolved_ms !== null) {
      entries.push({
        kind: 'TASK_RESOLVED',
        atMs: task.resolved_ms,
        taskId: task.id,
        taskKind: task.kind,
        phoneNumber: task.phone_number,
        state: task.state,
        failureCode: task.failure_code,
        note: task.note,
      });
    }
  }
  return entries;
}
