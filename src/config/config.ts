/**
 * The only reader of `process.env`. `loadConfig` validates every setting once at
 * startup and returns a frozen object; an invalid value stops the process with a
 * message naming the variable, the value and what is accepted.
 */

export type Mode = 'sandbox' | 'production';

/** The adapters of the carrier registry, SMS platform and campaign registry ports. */
export type CarrierAdapters = 'simulated' | 'manual';

export interface Config {
  mode: Mode;
  databaseUrl: string;
  host: string;
  port: number;
  /** Settings that work but are probably not what a production operator wants; printed at startup. */
  warnings: readonly string[];
  /** Undefined means: generate one on first start and keep it in the database (sandbox only). */
  adminToken: string | undefined;
  smtpUrl: string | undefined;
  publicBaseUrl: string;
  providerNnid: string;
  providerName: string;
  /** The From address of LOA mail. */
  mailFrom: string;
  /** How long an e-mailed LOA signing link stays valid. */
  loaLinkTtlMs: number;
  /** How long a voice challenge code can be verified. */
  voiceCodeTtlMs: number;
  /** Shortest time between two challenge calls to one number. */
  voiceCallIntervalMs: number;
  /** Wrong codes in a row that block a number's verification until an operator unblocks it. */
  maxWrongCodes: number;
  /** How long the simulated eligibility check takes. */
  eligibilityDelayMs: number;
  bootstrap: { projectId: string; keyId: string; keySecret: string } | undefined;
  servicePlanId: string | undefined;
  campaignId: string | undefined;
  logLevel: string;
  /** Coloured log lines on a terminal; off when NODE_ENV is production. */
  isPrettyLogAllowed: boolean;
  /** How long a simulated carrier step stays IN_PROGRESS. */
  stepDelayMs: number;
  /** `manual` turns each carrier step into an operator task; `simulated` runs the sandbox adapters. */
  carrierAdapters: CarrierAdapters;
  /** How often a step waiting for an operator task checks the task again; resolving the task also makes it due at once. */
  manualCheckMs: number;
  /** Requests per minute that one access key may make with HTTP Basic. */
  basicAuthRequestsPerMinute: number;
  /** Default number limit of `hostingOrders:importNumbers`, raisable per project. */
  importOrderLimit: number;
  workerConcurrency: number;
  /** Callback deliveries run at once, in a worker of their own. */
  callbackConcurrency: number;
  workerPollIntervalMs: number;
  isWorkerEnabled: boolean;
  callbackTimeoutMs: number;
  callbackMaxAttempts: number;
  /** First retry delay of a failed callback; later ones double, up to one hour. */
  callbackRetryBaseMs: number;
  /** How long a claimed job stays reserved for its worker without a heartbeat. */
  jobLeaseMs: number;
  /** Record every job run in `job_runs` (worker, attempt, start, end), for audits and tests. */
  isRecordingJobRuns: boolean;
  /** Largest accepted request body. */
  bodyLimitBytes: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function readInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is invalid: expected an integer from ${min} to ${max}.`);
  }
  return value;
}

function readMode(env: Env): Mode {
  const raw = env.NUMBERHOST_MODE ?? 'sandbox';
  if (raw !== 'sandbox' && raw !== 'production') {
    throw new ConfigError(`NUMBERHOST_MODE=${JSON.stringify(raw)} is invalid: expected "sandbox" or "production".`);
  }
  return raw;
}

/** Reads NUMBERHOST_CARRIER_ADAPTERS: manual by default in production, simulated in sandbox. */
function readCarrierAdapters(env: Env, mode: Mode): CarrierAdapters {
  const raw = env.NUMBERHOST_CARRIER_ADAPTERS;
  if (raw === undefined || raw === '') {
    return mode === 'production' ? 'manual' : 'simulated';
  }
  if (raw !== 'simulated' && raw !== 'manual') {
    throw new ConfigError(`NUMBERHOST_CARRIER_ADAPTERS=${JSON.stringify(raw)} is invalid: expected "simulated" or "manual".`);
  }
  return raw;
}

function readDatabaseUrl(env: Env): string {
  const raw = env.DATABASE_URL ?? 'sqlite:./data/numberhost.db';
  if (!raw.startsWith('sqlite:') && !raw.startsWith('postgres://') && !raw.startsWith('postgresql://')) {
    throw new ConfigError(
      `DATABASE_URL=${JSON.stringify(raw.replace(/:\/\/[^@]*@/, '://***@'))} is invalid: expected "sqlite:<path>" or "postgres://user@host:port/database".`,
    );
  }
  return raw;
}

function readSmtpUrl(env: Env): string | undefined {
  const raw = env.SMTP_URL;
  if (raw === undefined || raw === '') {
    return undefined;
  }
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') || url.hostname === '') {
    throw new ConfigError('SMTP_URL is invalid: expected "smtp://[user:password@]host:port" or "smtps://...".');
  }
  return raw;
}

function readPublicBaseUrl(env: Env, port: number): string {
  const raw = env.PUBLIC_BASE_URL;
  if (raw === undefined || raw === '') {
    return `http://localhost:${port}`;
  }
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  const isPlainOrigin =
    url !== undefined &&
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    url.username === '' &&
    url.password === '' &&
    url.pathname === '/' &&
    url.search === '' &&
    url.hash === '';
  if (!isPlainOrigin || url === undefined) {
    throw new ConfigError(
      `PUBLIC_BASE_URL is invalid: expected the scheme and host the signing links use, such as "https://numbers.example.com", with no path, credentials, query or fragment.`,
    );
  }
  return url.origin;
}

function readNnid(env: Env): string {
  const raw = env.NUMBERHOST_NNID === undefined || env.NUMBERHOST_NNID === '' ? '999999' : env.NUMBERHOST_NNID;
  if (!/^\d{1,10}$/.test(raw)) {
    throw new ConfigError(`NUMBERHOST_NNID=${JSON.stringify(raw)} is invalid: expected the Network Number ID as 1 to 10 digits.`);
  }
  return raw;
}

function readBootstrap(env: Env): Config['bootstrap'] {
  const projectId = env.SINCH_PROJECT_ID;
  const keyId = env.SINCH_KEY_ID;
  const keySecret = env.SINCH_KEY_SECRET;
  const given = [projectId, keyId, keySecret].filter((value) => value !== undefined && value !== '');
  if (given.length === 0) {
    return undefined;
  }
  if (projectId === undefined || keyId === undefined || keySecret === undefined || given.length !== 3) {
    throw new ConfigError('SINCH_PROJECT_ID, SINCH_KEY_ID and SINCH_KEY_SECRET must be set together, or none of them.');
  }
  if (keySecret.length < 16) {
    throw new ConfigError('SINCH_KEY_SECRET is too short: use at least 16 characters.');
  }
  return { projectId, keyId, keySecret };
}

function isUnset(value: string | undefined): boolean {
  return value === undefined || value === '';
}

/** Returns warnings for the settings a production start lacks to mail LOAs. The sandbox keeps mail in the outbox on purpose. */
function productionWarnings(env: Env, mode: Mode): string[] {
  if (mode !== 'production') {
    return [];
  }
  const warnings: string[] = [];
  if (isUnset(env.SMTP_URL)) {
    warnings.push('SMTP_URL is not set: LOA mails are not sent and stay in the console\'s Outbox, so direct and reseller LOA orders wait for a signature that cannot come.');
  }
  if (isUnset(env.PUBLIC_BASE_URL)) {
    warnings.push('PUBLIC_BASE_URL is not set: signing links in LOA mails point to http://localhost:PORT; set it to the https origin customers reach.');
  }
  return warnings;
}

export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Readonly<Config> {
  const mode = readMode(env);
  const port = readInteger(env, 'PORT', 8080, 0, 65535);
  const adminToken = env.NUMBERHOST_ADMIN_TOKEN === '' ? undefined : env.NUMBERHOST_ADMIN_TOKEN;
  if (mode === 'production' && adminToken === undefined) {
    throw new ConfigError('NUMBERHOST_ADMIN_TOKEN is required in production mode.');
  }
  if (mode === 'production') {
    // Both end up on every LOA a customer signs and in every OSR update, so production
    // never falls back to the sandbox's placeholders.
    if (isUnset(env.NUMBERHOST_NNID)) {
      throw new ConfigError('NUMBERHOST_NNID is required in production mode: set it to the NNID the carrier registry routes hosted numbers\' messages to.');
    }
    if (isUnset(env.NUMBERHOST_PROVIDER_NAME) || (env.NUMBERHOST_PROVIDER_NAME ?? '').trim() === '') {
      throw new ConfigError('NUMBERHOST_PROVIDER_NAME is required in production mode: set it to the hosting provider\'s name, which every LOA names.');
    }
  }
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new ConfigError('NUMBERHOST_ADMIN_TOKEN is too short: use at least 16 characters.');
  }
  const host = env.HOST ?? '0.0.0.0';
  const config: Config = {
    mode,
    warnings: productionWarnings(env, mode),
    databaseUrl: readDatabaseUrl(env),
    host,
    port,
    adminToken,
    smtpUrl: readSmtpUrl(env),
    publicBaseUrl: readPublicBaseUrl(env, port),
    providerNnid: readNnid(env),
    providerName: env.NUMBERHOST_PROVIDER_NAME ?? 'numberhost sandbox',
    mailFrom: env.NUMBERHOST_MAIL_FROM ?? 'numberhost <no-reply@localhost>',
    loaLinkTtlMs: readInteger(env, 'NUMBERHOST_LOA_LINK_TTL_DAYS', 30, 1, 365) * 86_400_000,
    voiceCodeTtlMs: readInteger(env, 'NUMBERHOST_VOICE_CODE_TTL_S', 600, 30, 86_400) * 1000,
    voiceCallIntervalMs: readInteger(env, 'NUMBERHOST_VOICE_CALL_INTERVAL_S', 60, 0, 86_400) * 1000,
    maxWrongCodes: readInteger(env, 'NUMBERHOST_MAX_WRONG_CODES', 3, 1, 100),
    eligibilityDelayMs: readInteger(env, 'NUMBERHOST_ELIGIBILITY_DELAY_MS', 2000, 0, 86_400_000),
    bootstrap: readBootstrap(env),
    servicePlanId: env.SERVICE_PLAN_ID === '' ? undefined : env.SERVICE_PLAN_ID,
    campaignId: env.CAMPAIGN_ID === '' ? undefined : env.CAMPAIGN_ID,
    logLevel: env.LOG_LEVEL ?? 'info',
    isPrettyLogAllowed: env.NODE_ENV !== 'production',
    stepDelayMs: readInteger(env, 'NUMBERHOST_STEP_DELAY_MS', 2000, 0, 86_400_000),
    carrierAdapters: readCarrierAdapters(env, mode),
    manualCheckMs: readInteger(env, 'NUMBERHOST_MANUAL_CHECK_MS', 60_000, 100, 86_400_000),
    basicAuthRequestsPerMinute: readInteger(env, 'NUMBERHOST_BASIC_AUTH_RPM', 600, 1, 10_000_000),
    importOrderLimit: readInteger(env, 'NUMBERHOST_IMPORT_ORDER_LIMIT', 5, 1, 500),
    workerConcurrency: readInteger(env, 'NUMBERHOST_WORKER_CONCURRENCY', 8, 1, 256),
    callbackConcurrency: readInteger(env, 'NUMBERHOST_CALLBACK_CONCURRENCY', 16, 1, 1024),
    workerPollIntervalMs: readInteger(env, 'NUMBERHOST_WORKER_POLL_MS', 200, 10, 60_000),
    isWorkerEnabled: env.NUMBERHOST_NO_WORKER !== '1',
    callbackTimeoutMs: readInteger(env, 'NUMBERHOST_CALLBACK_TIMEOUT_MS', 10_000, 100, 120_000),
    callbackMaxAttempts: readInteger(env, 'NUMBERHOST_CALLBACK_MAX_ATTEMPTS', 12, 1, 100),
    callbackRetryBaseMs: readInteger(env, 'NUMBERHOST_CALLBACK_RETRY_BASE_MS', 5000, 10, 3_600_000),
    jobLeaseMs: readInteger(env, 'NUMBERHOST_JOB_LEASE_MS', 30_000, 1000, 3_600_000),
    isRecordingJobRuns: env.NUMBERHOST_RECORD_JOB_RUNS === '1',
    bodyLimitBytes: readInteger(env, 'NUMBERHOST_BODY_LIMIT_BYTES', 1_048_576, 1024, 64 * 1_048_576),
    ...overrides,
  };
  return Object.freeze(config);
}
