import type { SmsPlatformPort, StepOutcome, StepPhase, StepRequest } from '../../domain/ports.js';
import type { OperatorTaskPort } from './operator-task-port.js';

/** Manual SMS platform: each provisioning or deprovisioning is a task for an operator, whose target is the service plan. */
export class ManualSmsPlatform implements SmsPlatformPort {
  constructor(private readonly tasks: OperatorTaskPort) {}

  runStep(request: StepRequest, phase: StepPhase): Promise<StepOutcome> {
    return this.tasks.runStep(
      {
        projectId: request.projectId,
        phoneNumber: request.phoneNumber,
        kind: request.operation === 'DEPROVISIONING' ? 'SMS_DEPROVISIONING' : 'SMS_PROVISIONING',
        targetId: request.serviceId,
        hostingOrderId: request.hostingOrderId,
        isTollFree: request.isTollFree,
      },
      phase,
    );
  }
}
