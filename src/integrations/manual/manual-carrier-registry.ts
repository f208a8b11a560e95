import type { CarrierRegistryPort, OsrUpdateRequest, StepOutcome, StepPhase } from '../../domain/ports.js';
import type { OperatorTaskPort } from './operator-task-port.js';

/** Manual carrier override registry: each OSR update is an OSR_UPDATE task for an operator, whose target is the NNID. */
export class ManualCarrierRegistry implements CarrierRegistryPort {
  constructor(private readonly tasks: OperatorTaskPort) {}

  runOsrUpdate(request: OsrUpdateRequest, phase: StepPhase): Promise<StepOutcome> {
    return this.tasks.runStep(
      {
        projectId: request.projectId,
        phoneNumber: request.phoneNumber,
        kind: 'OSR_UPDATE',
        targetId: request.nnid,
        hostingOrderId: request.hostingOrderId,
        isTollFree: request.isTollFree,
      },
      phase,
    );
  }
}
