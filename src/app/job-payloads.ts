import type { Transaction } from 'kysely';
import type { Database } from '../storage/schema.js';
import { newId } from './ids.js';

/** One step of one number: the SMS platform step or the campaign step. */
export interface NumberStepPayload {
  projectId: string;
  phoneNumber: string;
  /** Set when the number's step belongs to a hosting order. */
  hostingOrderId: string | null;
}

/** Builds a step payload with its keys in one fixed order, so equal payloads serialise to equal text. */
export function numberStepPayload(projectId: string, phoneNumber: string, hostingOrderId: string | null): NumberStepPayload {
  return { projectId, phoneNumber, hostingOrderId };
}

/** Builds the payload of an event's delivery job, the same text for every job of that event. */
export function deliveryJobPayload(eventId: string): JobPayloads['deliver_callback'] {
  return { eventId };
}

/**
 * Payload of every job type. `enqueueJob` takes the type and its payload together,
 * so a wrong payload is a compile error; `src/jobs/registry.ts` binds each type to
 * its handler.
 */
export interface JobPayloads {
  start_hosting_order: { hostingOrderId: string };
  sms_step: NumberStepPayload;
  campaign_step: NumberStepPayload;
  deliver_callback: { eventId: string };
  check_eligibility: { projectId: string; phoneNumber: string };
  voice_call: { callId: string };
  prepare_loa: { hostingOrderId: string };
  send_email: { emailId: string };
  osr_step: { projectId: string; phoneNumber: string; hostingOrderId: string };
}

export type JobType = keyof JobPayloads;

export interface EnqueueOptions {
  /** Service-clock time at which the job becomes due. */
  runAtMs: number;
  maxAttempts?: number;
}

export const DEFAULT_MAX_ATTEMPTS = 25;

/** Writes a job in the caller's transaction, so it exists if and only if the state change that needs it commits. */
export async function enqueueJob<T extends JobType>(
  trx: Transaction<Database>,
  type: T,
  payload: JobPayloads[T],
  options: EnqueueOptions,
): Promise<string> {
  const id = newId();
  await trx
    .insertInto('jobs')
    .values({
      id,
      type,
      payload: JSON.stringify(payload),
      run_at_ms: options.runAtMs,
      attempts: 0,
      max_attempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      locked_by: null,
      locked_until_ms: null,
      last_error: null,
      created_ms: options.runAtMs,
    })
    .execute();
  return id;
}
