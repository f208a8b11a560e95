import type { Kysely } from 'kysely';
import { PARTNER_OUTAGE_CLEARS_AT_ATTEMPT, magicBehaviour } from '../../domain/magic-numbers.js';
import type { SmsPlatformPort, StepOutcome, StepPhase, StepRequest } from '../../domain/ports.js';
import type { Database } from '../../storage/schema.js';

/**
 * Sandbox SMS platform: a step stays IN_PROGRESS for `stepDelayMs`, then succeeds,
 * unless the service plan is INACTIVE or the number is a magic number that forces a
 * failure (see `docs/sandbox.md`).
 */
export class SimulatedSmsPlatform implements SmsPlatformPort {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly stepDelayMs: () => number,
  ) {}

  async runStep(request: StepRequest, phase: StepPhase): Promise<StepOutcome> {
    const behaviour = magicBehaviour(request.phoneNumber);
    if (behaviour === 'SMS_PARTNER_OUTAGE_CLEARS' && request.attempt < PARTNER_OUTAGE_CLEARS_AT_ATTEMPT) {
      return { kind: 'transient', errorMessage: 'The SMS platform partner is unavailable (sandbox outage that clears on retry).' };
    }
    if (phase === 'submit') {
      return { kind: 'pending', checkAfterMs: this.stepDelayMs() };
    }
    if (request.operation === 'DEPROVISIONING') {
      if (behaviour === 'SMS_DEPROVISIONING_FAILED') {
        return { kind: 'failed', errorCode: 'DEPROVISIONING_FAILED', errorMessage: 'The SMS platform refused to remove the number (sandbox magic number).' };
      }
      return { kind: 'done' };
    }
    if (behaviour === 'SMS_PROVISIONING_FAILED') {
      return { kind: 'failed', errorCode: 'PROVISIONING_FAILED', errorMessage: 'The SMS platform refused the number (sandbox magic number).' };
    }
    const plan = await this.db
      .selectFrom('service_plans')
      .select('state')
      .where('project_id', '=', request.projectId)
      .where('id', '=', request.serviceId)
      .executeTakeFirst();
    if (plan === undefined || plan.state !== 'ACTIVE') {
      const reason = plan === undefined ? 'does not exist' : `is ${plan.state}`;
      return { kind: 'failed', errorCode: 'SERVICE_PLAN_NOT_ACTIVE', errorMessage: `Service plan ${request.serviceId} ${reason}.` };
    }
    return { kind: 'done' };
  }
}
