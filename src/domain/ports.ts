import type { FailureCode } from './events.js';
import type { StepState } from './states.js';

/**
 * Ports to the carrier-facing systems. Each step of a number's lifecycle is submitted
 * once and then checked until it ends, because real carriers respond asynchronously.
 * The simulated adapters respond after the sandbox delay, the manual adapters when an
 * operator completes the task.
 */

export const CARRIERS = ['smsAtt', 'smsTmo', 'mmsAtt', 'mmsTmo'] as const;
/** The carrier/service pairs of the spec's `mnoConfiguration`. */
export type Carrier = (typeof CARRIERS)[number];

export interface CarrierResult {
  state: StepState;
  errorCode: string;
  errorMessage: string;
}

export type StepOutcome =
  | { kind: 'done'; carriers?: Partial<Record<Carrier, CarrierResult>> }
  | {
      kind: 'failed';
      /** Omitted for SMS platform provisioning, whose result the spec defines as pass or fail. */
      failureCode?: FailureCode;
      errorCode: string;
      errorMessage: string;
      carriers?: Partial<Record<Carrier, CarrierResult>>;
    }
  /** Not finished yet; check again after `checkAfterMs`. */
  | { kind: 'pending'; checkAfterMs: number }
  /** A temporary fault of the far side; the job retries with backoff. */
  | { kind: 'transient'; errorMessage: string };

export type StepPhase = 'submit' | 'check';

export interface StepRequest {
  projectId: string;
  phoneNumber: string;
  /** The service plan or campaign the number is linked to or unlinked from. */
  serviceId: string;
  operation: 'PROVISIONING' | 'DEPROVISIONING';
  isTollFree: boolean;
  migrateToSinchTmo: boolean;
  /** 1 for the first run of this step's job, counting retries after transient faults. */
  attempt: number;
}

/** Provisions numbers to SMS service plans. */
export interface SmsPlatformPort {
  runStep(request: StepRequest, phase: StepPhase): Promise<StepOutcome>;
}

/** Links numbers to 10DLC campaigns. */
export interface CampaignRegistryPort {
  runStep(request: StepRequest, phase: StepPhase): Promise<StepOutcome>;
}
