import { PARTNER_OUTAGE_CLEARS_AT_ATTEMPT, magicBehaviour } from '../../domain/magic-numbers.js';
import type { CarrierRegistryPort, OsrUpdateRequest, StepOutcome, StepPhase } from '../../domain/ports.js';

/**
 * Sandbox carrier override registry: an OSR update stays IN_PROGRESS for `stepDelayMs`,
 * then succeeds, unless the number is a magic number that forces a failure
 * (see `docs/sandbox.md`).
 */
export class SimulatedCarrierRegistry implements CarrierRegistryPort {
  constructor(private readonly stepDelayMs: () => number) {}

  async runOsrUpdate(request: OsrUpdateRequest, phase: StepPhase): Promise<StepOutcome> {
    const behaviour = magicBehaviour(request.phoneNumber);
    if (behaviour === 'OSR_PARTNER_OUTAGE_CLEARS' && request.attempt < PARTNER_OUTAGE_CLEARS_AT_ATTEMPT) {
      return { kind: 'transient', errorMessage: 'The carrier registry is unavailable (sandbox outage that clears on retry).' };
    }
    if (phase === 'submit') {
      return { kind: 'pending', checkAfterMs: this.stepDelayMs() };
    }
    if (behaviour === 'INVALID_NNID') {
      return {
        kind: 'failed',
        failureCode: 'INVALID_NNID',
        errorCode: 'INVALID_NNID',
        errorMessage: `The carrier registry does not know NNID ${request.nnid} (sandbox magic number).`,
      };
    }
    if (behaviour === 'OSR_REJECTED') {
      return { kind: 'failed', errorCode: 'OSR_REJECTED', errorMessage: 'The carrier registry rejected the override (sandbox magic number).' };
    }
    return { kind: 'done' };
  }
}
