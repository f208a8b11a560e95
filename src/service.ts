/**
 * Composition root: builds the storage, ports, worker and HTTP server from a config,
 * and tears them down in order. The CLI's `serve` and `worker` commands and the tests
 * start the service through here.
 */
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import type { Logger } from 'pino';
import { Authenticator } from './app/auth/authenticator.js';
import { RateLimiter } from './app/auth/rate-limiter.js';
import { ensureCatalogEntry } from './app/catalog-admin.js';
import type { AppContext } from './app/context.js';
import { newId, newSecret } from './app/ids.js';
import { Metrics } from './app/metrics.js';
import { createAccessKey, createProject, ensureBootstrapCredentials } from './app/projects.js';
import { createPortFaultSource } from './app/fault-rules.js';
import { ServiceClock } from './app/service-clock.js';
import type { Config } from './config/config.js';
import type { CallbackSender } from './domain/callback-sender.js';
import { REDACTED_LOG_PATHS, buildServer, serializeRequest } from './http/server.js';
import { GuardedCallbackSender } from './integrations/http/guarded-callback-sender.js';
import { withPortFaults } from './integrations/faults/fault-injecting-ports.js';
import { createManualCarrierPorts } from './integrations/manual/index.js';
import { SimulatedCampaignRegistry } from './integrations/simulated/simulated-campaign-registry.js';
import { SimulatedCarrierRegistry } from './integrations/simulated/simulated-carrier-registry.js';
import { SimulatedVoiceCaller } from './integrations/simulated/simulated-voice-caller.js';
import { createSmtpMailer } from './integrations/mail/smtp-mailer.js';
import { appendSignatureCertificate, renderLoaPdf } from './integrations/loa/loa-pdf.js';
import { renderLoaEmail } from './web/loa-email.js';
import { SimulatedSmsPlatform } from './integrations/simulated/simulated-sms-platform.js';
import { JOB_DEFINITIONS } from './jobs/registry.js';
import { Worker } from './jobs/worker.js';
import type { JobType } from './app/job-payloads.js';
import { openMigratedStorage } from './storage/storage.js';
import type { Storage } from './storage/storage.js';

export interface ServiceOptions {
  isServingHttp: boolean;
  isRunningWorker: boolean;
  logger?: Logger;
  /** Replaces the HTTP callback sender, for tests. */
  callbackSender?: CallbackSender;
}

/** Credentials shown at startup; secrets only when this process generated them. */
export interface StartupCredentials {
  projectId: string | undefined;
  keyId: string | undefined;
  keySecret: string | undefined;
  adminToken: string | undefined;
}

export interface RunningService {
  ctx: AppContext;
  app: FastifyInstance | undefined;
  workers: Worker[];
  url: string | undefined;
  credentials: StartupCredentials;
  close(): Promise<void>;
}

const SANDBOX_CREDENTIALS_SETTING = 'sandbox_credentials';
const ADMIN_TOKEN_SETTING = 'admin_token';

export function createLogger(config: Readonly<Config>, destination?: pino.DestinationStream): Logger {
  const isPretty = destination === undefined && process.stdout.isTTY === true && config.isPrettyLogAllowed;
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    redact: { paths: REDACTED_LOG_PATHS, censor: '[redacted]' },
    serializers: { req: serializeRequest },
    ...(isPretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

async function readSetting(storage: Storage, key: string): Promise<string | undefined> {
  const row = await storage.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value;
}

async function writeSettingOnce(storage: Storage, key: string, value: string): Promise<string> {
  await storage.db
    .insertInto('settings')
    .values({ key, value })
    .onConflict((conflict) => conflict.column('key').doNothing())
    .execute();
  return (await readSetting(storage, key)) as string;
}

/** Returns the admin token from the environment, or in sandbox mode one generated on first start and kept in the database. */
async function resolveAdminToken(ctx: AppContext): Promise<{ token: string; isGenerated: boolean }> {
  if (ctx.config.adminToken !== undefined) {
    return { token: ctx.config.adminToken, isGenerated: false };
  }
  return { token: await writeSettingOnce(ctx.storage, ADMIN_TOKEN_SETTING, `nh_admin_${newSecret(24)}`), isGenerated: true };
}

/**
 * Ensures the credentials clients use: the SINCH_* bootstrap when set, otherwise (sandbox
 * only) a project and key generated on first start, whose secret is kept so that every
 * start can print it.
 */
async function ensureClientCredentials(ctx: AppContext): Promise<Omit<StartupCredentials, 'adminToken'>> {
  const bootstrap = ctx.config.bootstrap;
  if (bootstrap !== undefined) {
    await ensureBootstrapCredentials(ctx, bootstrap);
    return { projectId: bootstrap.projectId, keyId: bootstrap.keyId, keySecret: undefined };
  }
  if (ctx.config.mode !== 'sandbox') {
    return { projectId: undefined, keyId: undefined, keySecret: undefined };
  }
  const stored = await readSetting(ctx.storage, SANDBOX_CREDENTIALS_SETTING);
  if (stored !== undefined) {
    return JSON.parse(stored) as Omit<StartupCredentials, 'adminToken'>;
  }
  const project = await createProject(ctx, { displayName: 'Sandbox project' });
  const key = await createAccessKey(ctx, project.id);
  const credentials = { projectId: key.projectId, keyId: key.keyId, keySecret: key.keySecret };
  return JSON.parse(await writeSettingOnce(ctx.storage, SANDBOX_CREDENTIALS_SETTING, JSON.stringify(credentials))) as typeof credentials;
}

async function registerConfiguredCatalog(ctx: AppContext, projectId: string | undefined): Promise<void> {
  if (projectId === undefined) {
    return;
  }
  if (ctx.config.servicePlanId !== undefined) {
    await ensureCatalogEntry(ctx, 'service_plans', projectId, ctx.config.servicePlanId);
  }
  if (ctx.config.campaignId !== undefined) {
    await ensureCatalogEntry(ctx, 'campaigns', projectId, ctx.config.campaignId);
  }
}

/**
 * Starts storage, the worker and the HTTP server. When a later step fails (a port in
 * use, say), the parts already started are closed before the error is rethrown, so a
 * failed start leaves no worker, timer or pool that would keep the process alive.
 */
export async function startService(config: Readonly<Config>, options: ServiceOptions): Promise<RunningService> {
  const logger = options.logger ?? createLogger(config);
  const storage = await openMigratedStorage(config.databaseUrl);
  const ownSender =
    options.callbackSender === undefined
      ? new GuardedCallbackSender({
          policy: config.mode === 'production' ? 'public' : 'public-or-loopback',
          isHttpsRequired: config.mode === 'production',
        })
      : undefined;
  const mailer = config.smtpUrl === undefined ? undefined : createSmtpMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom });
  const workers: Worker[] = [];
  let app: FastifyInstance | undefined;
  const close = async () => {
    await app?.close();
    await Promise.all(workers.map((worker) => worker.stop()));
    mailer?.close();
    await ownSender?.close();
    await storage.close();
  };

  try {
    const clock = new ServiceClock(storage.db);
    await clock.refresh();
    const stepDelayMs = () => config.stepDelayMs;
    const ctx: AppContext = {
      config,
      storage,
      clock,
      logger,
      metrics: new Metrics(),
      ports: {
        smsPlatform: new SimulatedSmsPlatform(storage.db, stepDelayMs),
        campaignRegistry: new SimulatedCampaignRegistry(storage.db, stepDelayMs),
        carrierRegistry: new SimulatedCarrierRegistry(stepDelayMs),
        // Manual mode replaces the three carrier-facing adapters above with operator tasks.
        ...(config.carrierAdapters === 'manual' ? createManualCarrierPorts(storage, () => clock.now(), newId, () => config.manualCheckMs) : {}),
        voiceCaller: new SimulatedVoiceCaller(),
        mailer,
        documents: {
          renderLoa: renderLoaPdf,
          appendCertificate: appendSignatureCertificate,
          renderSigningMail: renderLoaEmail,
        },
      },
      callbackSender: options.callbackSender ?? (ownSender as CallbackSender),
      wakeWorker: () => {
        for (const worker of workers) {
          worker.wake();
        }
      },
    };

    if (config.mode === 'sandbox') {
      // Sandbox fault rules wrap whichever carrier-facing adapters were chosen above.
      ctx.ports = withPortFaults(ctx.ports, createPortFaultSource(storage.db));
    }

    for (const warning of config.warnings) {
      logger.warn(warning);
    }
    const admin = await resolveAdminToken(ctx);
    const clientCredentials = await ensureClientCredentials(ctx);
    await registerConfiguredCatalog(ctx, clientCredentials.projectId);

    const authenticator = new Authenticator(storage.db);
    await authenticator.init();

    if (options.isRunningWorker) {
      // Callback deliveries get their own worker, so slow or dead receivers (up to the
      // callback timeout per attempt) cannot hold up the provisioning steps of any project.
      const common = { pollIntervalMs: config.workerPollIntervalMs, leaseMs: config.jobLeaseMs, isRecordingRuns: config.isRecordingJobRuns };
      const deliveryTypes: JobType[] = ['deliver_callback'];
      const stepTypes = (Object.keys(JOB_DEFINITIONS) as JobType[]).filter((type) => !deliveryTypes.includes(type));
      workers.push(
        new Worker(ctx, { ...common, name: 'steps', concurrency: config.workerConcurrency, typeFilter: { kind: 'only', types: stepTypes } }),
        new Worker(ctx, { ...common, name: 'callbacks', concurrency: config.callbackConcurrency, typeFilter: { kind: 'only', types: deliveryTypes } }),
      );
      for (const worker of workers) {
        await worker.start();
      }
    }

    let url: string | undefined;
    if (options.isServingHttp) {
      app = await buildServer({ ctx, authenticator, rateLimiter: new RateLimiter(config.basicAuthRequestsPerMinute), adminToken: admin.token });
      url = await app.listen({ host: config.host, port: config.port });
    }

    return {
      ctx,
      app,
      workers,
      url,
      credentials: { ...clientCredentials, adminToken: admin.isGenerated ? admin.token : undefined },
      close,
    };
  } catch (error) {
    await close().catch((closeError: unknown) => logger.error({ err: closeError }, 'cleanup after a failed start failed'));
    throw error;
  }
}
