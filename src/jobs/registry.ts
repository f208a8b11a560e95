import type { AppContext } from '../app/context.js';
import type { JobPayloads, JobType, NumberStepPayload } from '../app/job-payloads.js';
import { runNumberStep } from '../app/run-number-step.js';
import { startHostingOrder } from '../app/start-hosting-order.js';
import { SECOND_MS, MINUTE_MS } from '../domain/time.js';
import { deliverCallback, markDeliveryExhausted } from '../app/deliver-callback.js';
import { checkEligibility } from '../app/check-eligibility.js';
import { placeVoiceCall } from '../app/voice-challenge.js';
import { prepareLoa } from '../app/prepare-loa.js';
import { markEmailExhausted, sendEmail } from '../app/send-email.js';
import { runOsrStep } from '../app/run-osr-step.js';

export type JobResult = { kind: 'done' } | { kind: 'reschedule'; runAtMs: number };

export interface JobRun {
  jobId: string;
  /** 1 on the first run; counts every claim since the job was queued or last rescheduled. */
  attempt: number;
  maxAttempts: number;
}

export interface JobDefinition<T extends JobType> {
  /** Returns the payload when it has the shape of this job type, or undefined. */
  parsePayload(value: unknown): JobPayloads[T] | undefined;
  run(ctx: AppContext, payload: JobPayloads[T], run: JobRun): Promise<JobResult>;
  /** Called once when the last attempt has failed. */
  onExhausted?(ctx: AppContext, payload: JobPayloads[T], error: string): Promise<void>;
  retryBaseMs(ctx: AppContext): number;
  retryCapMs: number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function parseNumberStepPayload(value: unknown): NumberStepPayload | undefined {
  if (!isObject(value) || typeof value.projectId !== 'string' || typeof value.phoneNumber !== 'string') {
    return undefined;
  }
  if (value.hostingOrderId !== null && typeof value.hostingOrderId !== 'string') {
    return undefined;
  }
  return { projectId: value.projectId, phoneNumber: value.phoneNumber, hostingOrderId: value.hostingOrderId };
}

/** A definition for every job type; the mapped type makes a missing or mistyped entry a compile error. */
export type JobDefinitions = { [T in JobType]: JobDefinition<T> };

export const JOB_DEFINITIONS: JobDefinitions = {
  start_hosting_order: {
    parsePayload: (value) => (isObject(value) && typeof value.hostingOrderId === 'string' ? { hostingOrderId: value.hostingOrderId } : undefined),
    run: async (ctx, payload) => {
      await startHostingOrder(ctx, payload.hostingOrderId);
      return { kind: 'done' };
    },
    retryBaseMs: () => SECOND_MS,
    retryCapMs: 5 * MINUTE_MS,
  },
  sms_step: {
    parsePayload: parseNumberStepPayload,
    run: (ctx, payload, run) => runNumberStep(ctx, 'sms', payload, run.attempt),
    retryBaseMs: () => SECOND_MS,
    retryCapMs: 5 * MINUTE_MS,
  },
  campaign_step: {
    parsePayload: parseNumberStepPayload,
    run: (ctx, payload, run) => runNumberStep(ctx, 'campaign', payload, run.attempt),
    retryBaseMs: () => SECOND_MS,
    retryCapMs: 5 * MINUTE_MS,
  },
  deliver_callback: {
    parsePayload: (value) => (isObject(value) && typeof value.eventId === 'string' ? { eventId: value.eventId } : undefined),
    run: (ctx, payload, run) => deliverCallback(ctx, payload.eventId, run.jobId),
    onExhausted: (ctx, payload) => markDeliveryExhausted(ctx, payload.eventId),
    retryBaseMs: (ctx) => ctx.config.callbackRetryBaseMs,
    retryCapMs: 60 * MINUTE_MS,
  },
  check_eligibility: {
    parsePayload: (value) =>
      isObject(value) && typeof value.projectId === 'string' && typeof value.phoneNumber === 'string'
        ? { projectId: value.projectId, phoneNumber: value.phoneNumber }
        : undefined,
    run: async (ctx, payload) => {
      await checkEligibility(ctx, payload.projectId, payload.phoneNumber);
      return { kind: 'done' };
    },
    retryBaseMs: () => SECOND_MS,
    retryCapMs: 5 * MINUTE_MS,
  },
  voice_call: {
    parsePayload: (value) => (isObject(value) && typeof value.callId === 'string' ? { callId: value.callId } : undefined),
    run: async (ctx, payload) => {
      await placeVoiceCall(ctx, payload.callId);
      return { kind: 'done' };
    },
    retryBaseMs: () => SECOND_MS,
    retryCapMs: MINUTE_MS,
  },
  prepare_loa: {
    parsePayload: (value) => (isObject(value) && typeof value.hostingOrderId === 'string' ? { hostingOrderId: value.hostingOrderId } : undefined),
    run: async (ctx, payload) => {
      await prepareLoa(ctx, payload.hostingOrderId);
      return { kind: 'done' };
    },
    retryBaseMs: () => SECOND_MS,
    retryCapMs: 5 * MINUTE_MS,
  },
  send_email: {
    parsePayload: (value) => (isObject(value) && typeof value.emailId === 'string' ? { emailId: value.emailId } : undefined),
    run: async (ctx, payload) => {
      await sendEmail(ctx, payload.emailId);
      return { kind: 'done' };
    },
    onExhausted: (ctx, payload, error) => markEmailExhausted(ctx, payload.emailId, error),
    retryBaseMs: () => 5 * SECOND_MS,
    retryCapMs: 30 * MINUTE_MS,
  },
  osr_step: {
    parsePayload: (value) =>
      isObject(value) && typeof value.projectId === 'string' && typeof value.phoneNumber === 'string' && typeof value.hostingOrderId === 'string'
        ? { projectId: value.projectId, phoneNumber: value.phoneNumber, hostingOrderId: value.hostingOrderId }
        : undefined,
    run: (ctx, payload, run) => runOsrStep(ctx, payload, run.attempt),
    retryBaseMs: () => SECOND_MS,
    retryCapMs: 5 * MINUTE_MS,
  },
};
