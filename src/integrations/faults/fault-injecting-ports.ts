import type { PortFaultSource, PortFaultTarget } from '../../domain/fault-rules.js';
import type {
  CampaignRegistryPort,
  CarrierRegistryPort,
  OsrUpdateRequest,
  SmsPlatformPort,
  StepOutcome,
  StepPhase,
  StepRequest,
} from '../../domain/ports.js';

/**
 * Runs one port call under the project's fault rules. A FAIL_TIMES rule returns a
 * transient fault before the port is called, so the job retries with backoff and the
 * step succeeds once the rule's hits are used up. A FAIL_WITH_CODE rule replaces the
 * result when the step ends (the check phase of the simulated adapters), so the step
 * is IN_PROGRESS first, as with a real failure.
 */
async function runWithFaults(
  faults: PortFaultSource,
  target: PortFaultTarget,
  projectId: string,
  phoneNumber: string,
  call: () => Promise<StepOutcome>,
): Promise<StepOutcome> {
  const failTimes = await faults.takePortFault(target, 'FAIL_TIMES', projectId, phoneNumber);
  if (failTimes !== undefined) {
    return { kind: 'transient', errorMessage: `Fault rule ${failTimes.ruleId} (FAIL_TIMES on ${target}) injected a temporary fault.` };
  }
  const outcome = await call();
  if (outcome.kind === 'pending' || outcome.kind === 'transient') {
    return outcome;
  }
  const failWithCode = await faults.takePortFault(target, 'FAIL_WITH_CODE', projectId, phoneNumber);
  if (failWithCode === undefined || failWithCode.failureCode === '') {
    return outcome;
  }
  return {
    kind: 'failed',
    failureCode: failWithCode.failureCode,
    errorCode: failWithCode.failureCode,
    errorMessage: `Fault rule ${failWithCode.ruleId} (FAIL_WITH_CODE on ${target}) failed the step with ${failWithCode.failureCode}.`,
  };
}

/** The SMS platform port under the project's SMS_PLATFORM fault rules. */
export class FaultInjectingSmsPlatform implements SmsPlatformPort {
  constructor(
    private readonly inner: SmsPlatformPort,
    private readonly faults: PortFaultSource,
  ) {}

  runStep(request: StepRequest, phase: StepPhase): Promise<StepOutcome> {
    return runWithFaults(this.faults, 'SMS_PLATFORM', request.projectId, request.phoneNumber, () => this.inner.runStep(request, phase));
  }
}

/** The campaign registry port under the project's CAMPAIGN_REGISTRY fault rules. */
export class FaultInjectingCampaignRegistry implements CampaignRegistryPort {
  constructor(
    private readonly inner: CampaignRegistryPort,
    private readonly faults: PortFaultSource,
  ) {}

  runStep(request: StepRequest, phase: StepPhase): Promise<StepOutcome> {
    return runWithFaults(this.faults, 'CAMPAIGN_REGISTRY', request.projectId, request.phoneNumber, () => this.inner.runStep(request, phase));
  }
}

/** The carrier registry (OSR) port under the project's CARRIER_REGISTRY fault rules. */
export class FaultInjectingCarrierRegistry implements CarrierRegistryPort {
  constructor(
    private readonly inner: CarrierRegistryPort,
    private readonly faults: PortFaultSource,
  ) {}

  runOsrUpdate(request: OsrUpdateRequest, phase: StepPhase): Promise<StepOutcome> {
    return runWithFaults(this.faults, 'CARRIER_REGISTRY', request.projectId, request.phoneNumber, () => this.inner.runOsrUpdate(request, phase));
  }
}

interface CarrierFacingPorts {
  smsPlatform: SmsPlatformPort;
  campaignRegistry: CampaignRegistryPort;
  carrierRegistry: CarrierRegistryPort;
}

/** Returns the ports with the three carrier-facing ones wrapped in fault injection; the other ports stay as they are. */
export function withPortFaults<T extends CarrierFacingPorts>(ports: T, faults: PortFaultSource): T {
  return {
    ...ports,
    smsPlatform: new FaultInjectingSmsPlatform(ports.smsPlatform, faults),
    campaignRegistry: new FaultInjectingCampaignRegistry(ports.campaignRegistry, faults),
    carrierRegistry: new FaultInjectingCarrierRegistry(ports.carrierRegistry, faults),
  };
}
