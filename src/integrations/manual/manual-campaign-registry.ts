import type { CampaignRegistryPort, StepOutcome, StepPhase, StepRequest } from '../../domain/ports.js';
import type { OperatorTaskPort } from './operator-task-port.js';

/**
 * Manual campaign registry: each campaign link or unlink is a task for an operator, whose
 * target is the campaign. Unlike the simulated registry it checks nothing itself (not
 * the campaign's catalog state, not toll-free numbers): the operator fails the task with
 * the fitting code, such as CAMPAIGN_NOT_AVAILABLE or TFN_NOT_ALLOWED.
 */
export class ManualCampaignRegistry implements CampaignRegistryPort {
  constructor(private readonly tasks: OperatorTaskPort) {}

  runStep(request: StepRequest, phase: StepPhase): Promise<StepOutcome> {
    return this.tasks.runStep(
      {
        projectId: request.projectId,
        phoneNumber: request.phoneNumber,
        kind: request.operation === 'DEPROVISIONING' ? 'CAMPAIGN_UNLINK' : 'CAMPAIGN_LINK',
        targetId: request.serviceId,
        hostingOrderId: request.hostingOrderId,
        isTollFree: request.isTollFree,
      },
      phase,
    );
  }
}
