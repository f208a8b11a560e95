import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { CallbackSender } from '../domain/callback-sender.js';
import type { CampaignRegistryPort, CarrierRegistryPort, LoaDocumentPort, MailerPort, SmsPlatformPort, VoiceCallerPort } from '../domain/ports.js';
import type { Storage } from '../storage/storage.js';
import type { Metrics } from './metrics.js';
import type { ServiceClock } from './service-clock.js';

export interface Ports {
  smsPlatform: SmsPlatformPort;
  campaignRegistry: CampaignRegistryPort;
  carrierRegistry: CarrierRegistryPort;
  voiceCaller: VoiceCallerPort;
  /** Undefined without SMTP_URL: mail then stays in the outbox. */
  mailer: MailerPort | undefined;
  documents: LoaDocumentPort;
}

/** Everything a use case needs, built once at startup by `createAppContext`. */
export interface AppContext {
  config: Readonly<Config>;
  storage: Storage;
  clock: ServiceClock;
  logger: Logger;
  ports: Ports;
  metrics: Metrics;
  callbackSender: CallbackSender;
  /** Tells this process's worker that a job may be due now, to skip the poll wait. */
  wakeWorker(): void;
}
