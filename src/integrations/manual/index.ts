import type { CampaignRegistryPort, CarrierRegistryPort, SmsPlatformPort } from '../../domain/ports.js';
import type { Storage } from '../../storage/storage.js';
import { ManualCampaignRegistry } from './manual-campaign-registry.js';
import { ManualCarrierRegistry } from './manual-carrier-registry.js';
import { ManualSmsPlatform } from './manual-sms-platform.js';
import { OperatorTaskPort } from './operator-task-port.js';

export interface ManualCarrierPorts {
  smsPlatform: SmsPlatformPort;
  campaignRegistry: CampaignRegistryPort;
  carrierRegistry: CarrierRegistryPort;
}

/** Builds the three manual carrier-facing adapters over one operator task store. */
export function createManualCarrierPorts(
  storage: Pick<Storage, 'db' | 'dialect'>,
  now: () => number,
  newId: () => string,
  checkAfterMs: () => number,
): ManualCarrierPorts {
  const tasks = new OperatorTaskPort({ db: storage.db, lockHostingOrder: storage.dialect.lockHostingOrder, now, newId, checkAfterMs });
  return {
    smsPlatform: new ManualSmsPlatform(tasks),
    campaignRegistry: new ManualCampaignRegistry(tasks),
    carrierRegistry: new ManualCarrierRegistry(tasks),
  };
}
