import { magicBehaviour } from '../../domain/magic-numbers.js';
import type { VoiceCallOutcome, VoiceCallRequest, VoiceCallerPort } from '../../domain/ports.js';

/**
 * Sandbox voice caller: no call leaves the machine. The call log (number, code, time)
 * is the `voice_calls` table, which the admin API lists. Nobody picks up calls to magic line 0181.
 */
export class SimulatedVoiceCaller implements VoiceCallerPort {
  async placeCall(request: VoiceCallRequest): Promise<VoiceCallOutcome> {
    if (magicBehaviour(request.phoneNumber) === 'VOICE_CALL_UNANSWERED') {
      return { kind: 'unanswered', reason: 'nobody answered (sandbox magic number)' };
    }
    return { kind: 'answered' };
  }
}
