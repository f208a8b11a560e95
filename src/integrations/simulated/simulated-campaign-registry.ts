import type { Kysely } from 'kysely';
import { isFailureCode } from '../../domain/events.js';
import type { FailureCode } from '../../domain/events.js';
import { PARTNER_OUTAGE_CLEARS_AT_ATTEMPT, TMO_MIGRATION_ERROR_CODE, magicBehaviour } from '../../domain/magic-numbers.js';
import type { CampaignRegistryPort, StepOutcome, StepPhase, StepRequest } from '../../domain/ports.js';
import type { Database } from '../../storage/schema.js';

const MAGIC_FAILURES: Partial<Record<string, FailureCode>> = {
  EXCEEDED_10DLC_LIMIT: 'EXCEEDED_10DLC_LIMIT',
  INSUFFICIENT_BALANCE: 'INSUFFICIENT_BALANCE',
  CAMPAIGN_PROVISIONING_FAILED: 'CAMPAIGN_PROVISIONING_FAILED',
};

function failed(failureCode: FailureCode, errorMessage: string): StepOutcome {
  return { kind: 'failed', failureCode, errorCode: failureCode, errorMessage };
}

/**
 * Sandbox campaign registry: a link succeeds after `stepDelayMs` when the campaign is
 * ACTIVE. A campaign whose state is a failure code (set through the admin API) fails
 * every link with that code; magic numbers force the number-level failures.
 */
export class SimulatedCampaignRegistry implements CampaignRegistryPort {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly stepDelayMs: () => number,
  ) {}

  async runStep(request: StepRequest, phase: StepPhase): Promise<StepOutcome> {
    const behaviour = magicBehaviour(request.phoneNumber);
    if (behaviour === 'CAMPAIGN_PARTNER_OUTAGE_CLEARS' && request.attempt < PARTNER_OUTAGE_CLEARS_AT_ATTEMPT) {
      return { kind: 'transient', errorMessage: 'The campaign registry is unavailable (sandbox outage that clears on retry).' };
    }
    if (phase === 'submit') {
      return { kind: 'pending', checkAfterMs: this.stepDelayMs() };
    }
    if (request.operation === 'DEPROVISIONING') {
      return { kind: 'done' };
    }
    if (request.isTollFree) {
      return failed('TFN_NOT_ALLOWED', `${request.phoneNumber} is toll-free; 10DLC campaigns apply to local numbers only.`);
    }
    const campaign = await this.db
      .selectFrom('campaigns')
      .select('state')
      .where('project_id', '=', request.projectId)
      .where('id', '=', request.serviceId)
      .executeTakeFirst();
    if (campaign === undefined) {
      return failed('CAMPAIGN_NOT_AVAILABLE', `Campaign ${request.serviceId} is not registered for this project.`);
    }
    if (campaign.state !== 'ACTIVE') {
      const code = isFailureCode(campaign.state) ? campaign.state : 'CAMPAIGN_NOT_AVAILABLE';
      return failed(code, `Campaign ${request.serviceId} is in state ${campaign.state}.`);
    }
    return this.numberOutcome(request, behaviour);
  }

  private numberOutcome(request: StepRequest, behaviour: string | undefined): StepOutcome {
    const magicFailure = behaviour === undefined ? undefined : MAGIC_FAILURES[behaviour];
    if (magicFailure !== undefined) {
      return failed(magicFailure, `The campaign link was refused with ${magicFailure} (sandbox magic number).`);
    }
    if (behaviour === 'MNO_SHARING_ERROR') {
      const tmoFailure = { state: 'FAILED' as const, errorCode: 'MNO_SHARING_ERROR', errorMessage: 'T-Mobile rejected the campaign sharing.' };
      return {
        kind: 'failed',
        failureCode: 'MNO_SHARING_ERROR',
        errorCode: 'MNO_SHARING_ERROR',
        errorMessage: 'T-Mobile rejected the campaign sharing (sandbox magic number).',
        carriers: {
          smsAtt: { state: 'DONE', errorCode: '', errorMessage: '' },
          mmsAtt: { state: 'DONE', errorCode: '', errorMessage: '' },
          smsTmo: tmoFailure,
          mmsTmo: tmoFailure,
        },
      };
    }
    if (behaviour === 'TMO_NEEDS_MIGRATION' && !request.migrateToSinchTmo) {
      const tmoFailure = {
        state: 'FAILED' as const,
        errorCode: TMO_MIGRATION_ERROR_CODE,
        errorMessage: 'The number is assigned to another aggregator at T-Mobile; import it with migrateToSinchTmo set to true.',
      };
      return {
        kind: 'failed',
        failureCode: 'MNO_SHARING_ERROR',
        errorCode: TMO_MIGRATION_ERROR_CODE,
        errorMessage: tmoFailure.errorMessage,
        carriers: {
          smsAtt: { state: 'DONE', errorCode: '', errorMessage: '' },
          mmsAtt: { state: 'DONE', errorCode: '', errorMessage: '' },
          smsTmo: tmoFailure,
          mmsTmo: tmoFailure,
        },
      };
    }
    return { kind: 'done' };
  }
}
