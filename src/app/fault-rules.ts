import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { ApiError, invalidArgument, notFound } from '../domain/errors.js';
import type { FailureCode } from '../domain/events.js';
import type { DeliveryFaultAction, FaultTarget, PortFaultSource } from '../domain/fault-rules.js';
import {
  checkFaultRuleInput,
  deliverySubject,
  fractionFromDigest,
  isSelectedFraction,
  matchesNumberPattern,
  reorderHoldMs,
  selectionText,
} from '../domain/fault-rules.js';
import type { Database, FaultRuleRow } from '../storage/schema.js';
import type { AppContext } from './context.js';
import { newId } from './ids.js';
import { getProject } from './projects.js';

/** Rules are read on every step and first delivery, so a project keeps few of them. */
export const MAX_FAULT_RULES_PER_PROJECT = 100;
/** The hit-count subject of a delivery rule's total, which no number or event id can equal. */
const RULE_TOTAL_SUBJECT = '*';

/** Returns the seeded fraction in [0, 1) of a subject: the first 48 bits of SHA-256 of `${seed}:${subject}`. */
export function faultFraction(seed: number, subject: string): number {
  return fractionFromDigest(createHash('sha256').update(selectionText(seed, subject), 'utf8').digest());
}

/** Returns true when a rule with this seed and percent applies to the subject. The same inputs always give the same result. */
export function isSelected(seed: number, percent: number, subject: string): boolean {
  return isSelectedFraction(percent, faultFraction(seed, subject));
}

export function faultRuleView(row: FaultRuleRow, hits: number) {
  return {
    ruleId: row.id,
    projectId: row.project_id,
    target: row.target,
    action: row.action,
    numberPattern: row.number_pattern,
    times: row.times,
    failureCode: row.failure_code,
    delayMs: row.delay_ms,
    percent: row.percent,
    seed: row.seed,
    description: row.description,
    createdTime: new Date(row.created_ms).toISOString(),
    hits,
  };
}

export type FaultRuleView = ReturnType<typeof faultRuleView>;

function requireSandbox(ctx: AppContext): void {
  if (ctx.config.mode !== 'sandbox') {
    throw new ApiError('FAILED_PRECONDITION', 'Fault injection is a sandbox feature; this instance runs in production mode. Use a sandbox instance (NUMBERHOST_MODE=sandbox) to inject faults.');
  }
}

/** Checks and stores a fault rule of a project. Sandbox only. */
export async function createFaultRule(ctx: AppContext, projectId: string, body: Record<string, unknown>): Promise<FaultRuleView> {
  requireSandbox(ctx);
  await getProject(ctx, projectId);
  const { input, violations } = checkFaultRuleInput(body);
  if (input === undefined) {
    throw invalidArgument(violations);
  }
  const row: FaultRuleRow = {
    id: newId(),
    project_id: projectId,
    target: input.target,
    action: input.action,
    number_pattern: input.numberPattern,
    times: input.times,
    failure_code: input.failureCode,
    delay_ms: input.delayMs,
    percent: input.percent,
    seed: input.seed,
    description: input.description,
    created_ms: ctx.clock.now(),
  };
  // The project's row lock makes the count and the insert one step, so parallel
  // requests cannot together pass the limit.
  await ctx.storage.db.transaction().execute(async (trx) => {
    await ctx.storage.dialect.lockProject(trx, projectId);
    const count = await trx
      .selectFrom('fault_rules')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('project_id', '=', projectId)
      .executeTakeFirstOrThrow();
    if (Number(count.count) >= MAX_FAULT_RULES_PER_PROJECT) {
      throw new ApiError(
        'FAILED_PRECONDITION',
        `Project ${projectId} already has ${MAX_FAULT_RULES_PER_PROJECT} fault rules, the maximum. Delete one with DELETE /admin/v1/projects/${projectId}/faultRules/{ruleId} first.`,
      );
    }
    await trx.insertInto('fault_rules').values(row).execute();
  });
  ctx.logger.info({ projectId, ruleId: row.id, target: row.target, action: row.action }, 'fault rule created');
  return faultRuleView(row, 0);
}

/** Lists a project's fault rules, oldest first, each with how many times it has fired. Sandbox only. */
export async function listFaultRules(ctx: AppContext, projectId: string): Promise<FaultRuleView[]> {
  requireSandbox(ctx);
  await getProject(ctx, projectId);
  const rows = await ctx.storage.db.selectFrom('fault_rules').selectAll().where('project_id', '=', projectId).orderBy('created_ms').orderBy('id').execute();
  if (rows.length === 0) {
    return [];
  }
  const sums = await ctx.storage.db
    .selectFrom('fault_rule_hits')
    .select((eb) => ['rule_id', eb.fn.sum<number>('hits').as('hits')])
    .where(
      'rule_id',
      'in',
      rows.map((row) => row.id),
    )
    .where('subject', '!=', RULE_TOTAL_SUBJECT)
    .groupBy('rule_id')
    .execute();
  const hitsByRule = new Map(sums.map((sum) => [sum.rule_id, Number(sum.hits)]));
  return rows.map((row) => faultRuleView(row, hitsByRule.get(row.id) ?? 0));
}

/** Deletes a fault rule and its hit counts; steps and deliveries after this no longer see it. Sandbox only. */
export async function deleteFaultRule(ctx: AppContext, projectId: string, ruleId: string): Promise<void> {
  requireSandbox(ctx);
  await getProject(ctx, projectId);
  const deleted = await ctx.storage.db.transaction().execute(async (trx) => {
    const rule = await trx.selectFrom('fault_rules').select('id').where('id', '=', ruleId).where('project_id', '=', projectId).executeTakeFirst();
    if (rule === undefined) {
      return false;
    }
    await trx.deleteFrom('fault_rule_hits').where('rule_id', '=', ruleId).execute();
    await trx.deleteFrom('fault_rules').where('id', '=', ruleId).execute();
    return true;
  });
  if (!deleted) {
    throw notFound(`Fault rule ${ruleId} was not found in project ${projectId}. List the project's rules with GET /admin/v1/projects/${projectId}/faultRules.`);
  }
  ctx.logger.info({ projectId, ruleId }, 'fault rule deleted');
}

/**
 * Counts one hit of a rule for a subject unless it already has `limit` hits, in one
 * statement (INSERT ... ON CONFLICT DO UPDATE ... WHERE hits < limit), so retries,
 * restarts and several instances share one count. Returns true when the hit was counted.
 * `limit` null means no limit.
 */
export async function takeFaultHit(db: Kysely<Database>, ruleId: string, subject: string, limit: number | null): Promise<boolean> {
  try {
    const row = await db
      .insertInto('fault_rule_hits')
      .values({ rule_id: ruleId, subject, hits: 1 })
      .onConflict((conflict) => {
        const update = conflict.columns(['rule_id', 'subject']).doUpdateSet((eb) => ({ hits: eb('fault_rule_hits.hits', '+', 1) }));
        return limit === null ? update : update.where('fault_rule_hits.hits', '<', limit);
      })
      .returning('hits')
      .executeTakeFirst();
    return row !== undefined;
  } catch (error) {
    // The rule was deleted after it was read, so its foreign key is gone: it no longer fires.
    const rule = await db.selectFrom('fault_rules').select('id').where('id', '=', ruleId).executeTakeFirst();
    if (rule === undefined) {
      return false;
    }
    throw error;
  }
}

async function loadRules(db: Kysely<Database>, projectId: string, target: FaultTarget, action?: string): Promise<FaultRuleRow[]> {
  let query = db.selectFrom('fault_rules').selectAll().where('project_id', '=', projectId).where('target', '=', target);
  if (action !== undefined) {
    query = query.where('action', '=', action);
  }
  return query.orderBy('created_ms').orderBy('id').execute();
}

/** Builds the rule source of the fault-injecting port decorators. Each hit counts per rule and number. */
export function createPortFaultSource(db: Kysely<Database>): PortFaultSource {
  return {
    async takePortFault(target, action, projectId, phoneNumber) {
      for (const rule of await loadRules(db, projectId, target, action)) {
        if (!matchesNumberPattern(rule.number_pattern, phoneNumber) || !isSelected(rule.seed, rule.percent, phoneNumber)) {
          continue;
        }
        if (await takeFaultHit(db, rule.id, phoneNumber, rule.times)) {
          return { ruleId: rule.id, action, failureCode: rule.failure_code as FailureCode | '' };
        }
      }
      return undefined;
    },
  };
}

/** A delivery fault that a rule has fired for one event. */
export interface DeliveryFault {
  ruleId: string;
  action: DeliveryFaultAction;
  /** How long the delivery waits: DELAY's `delayMs`, or REORDER's seeded share of it; 0 otherwise. */
  holdMs: number;
}

/**
 * Counts a delivery rule's hit for one event. A per-event hit with a limit of 1 lets the
 * rule fire once per event, so retries and redeliveries of a faulted event go out
 * normally. For a rule with `times`, a second count limits the events it faults in total.
 */
async function takeDeliveryHit(db: Kysely<Database>, rule: FaultRuleRow, eventId: string): Promise<boolean> {
  const eventSubject = `event:${eventId}`;
  if (!(await takeFaultHit(db, rule.id, eventSubject, 1))) {
    return false;
  }
  if (rule.times === null || (await takeFaultHit(db, rule.id, RULE_TOTAL_SUBJECT, rule.times))) {
    return true;
  }
  await db.deleteFrom('fault_rule_hits').where('rule_id', '=', rule.id).where('subject', '=', eventSubject).execute();
  return false;
}

/**
 * Returns the delivery fault of the oldest CALLBACK_DELIVERY rule of the event's project
 * that matches its number (`resourceId`) and has not yet fired for this event, after
 * counting the hit. Returns undefined when no rule fires.
 */
export async function takeDeliveryFault(
  db: Kysely<Database>,
  event: { id: string; project_id: string; event_type: string; resource_id: string },
): Promise<DeliveryFault | undefined> {
  const subject = deliverySubject(event.event_type, event.resource_id);
  for (const rule of await loadRules(db, event.project_id, 'CALLBACK_DELIVERY')) {
    if (!matchesNumberPattern(rule.number_pattern, event.resource_id) || !isSelected(rule.seed, rule.percent, subject)) {
      continue;
    }
    if (!(await takeDeliveryHit(db, rule, event.id))) {
      continue;
    }
    const action = rule.action as DeliveryFaultAction;
    let holdMs = 0;
    if (action === 'DELAY') {
      holdMs = rule.delay_ms;
    } else if (action === 'REORDER') {
      holdMs = reorderHoldMs(faultFraction(rule.seed, `hold:${subject}`), rule.delay_ms);
    }
    return { ruleId: rule.id, action, holdMs };
  }
  return undefined;
}
