/**
 * Table types for Kysely. Times are integer milliseconds since the Unix epoch on the
 * service clock (`*_ms`), booleans are 0 or 1, and JSON columns hold text, so that
 * one schema works on SQLite and PostgreSQL.
 */
import type { Insertable, Selectable, Updateable } from 'kysely';

export interface ProjectsTable {
  id: string;
  display_name: string;
  hmac_secret: string | null;
  /** Numbers allowed per `hostingOrders:importNumbers`; null means the server default. */
  import_order_limit: number | null;
  is_blanket_loa_approved: number;
  standard_webhooks_secret: string | null;
  created_ms: number;
}

export interface AccessKeysTable {
  id: string;
  project_id: string;
  /** `scrypt$<salt hex>$<hash hex>`; the secret itself is never stored. */
  secret_hash: string;
  created_ms: number;
  revoked_ms: number | null;
}

export interface ServicePlansTable {
  project_id: string;
  id: string;
  /** ACTIVE, or INACTIVE for a plan that refuses provisioning. */
  state: string;
  created_ms: number;
  updated_ms: number;
}

export interface CampaignsTable {
  project_id: string;
  id: string;
  /** ACTIVE, or the campaign failure code that linking to it produces. */
  state: string;
  created_ms: number;
  updated_ms: number;
}

export interface ImportedNumbersTable {
  project_id: string;
  phone_number: string;
  region_code: string;
  display_name: string;
  callback_url: string | null;
  /** Empty when the number is not linked to a service plan. */
  service_plan_id: string;
  /** Empty when the number is not linked to a campaign. */
  campaign_id: string;
  migrate_to_sinch_tmo: number;
  is_toll_free: number;
  /** The IMPORT order that brought the number in, if any. */
  hosting_order_id: string | null;
  sms_service_id: string;
  sms_type: string;
  sms_state: string;
  sms_error_code: string;
  sms_error_message: string;
  sms_update_ms: number | null;
  campaign_service_id: string;
  campaign_type: string;
  campaign_state: string;
  campaign_error_code: string;
  campaign_error_message: string;
  campaign_update_ms: number | null;
  /** JSON object keyed by carrier (smsAtt, smsTmo, mmsAtt, mmsTmo). */
  mno_configuration: string;
  created_ms: number;
  updated_ms: number;
}

export interface HostingOrdersTable {
  id: string;
  project_id: string;
  type: string;
  state: string;
  display_name: string;
  region_code: string;
  service_plan_id: string;
  campaign_id: string;
  callback_url: string | null;
  migrate_to_sinch_tmo: number;
  nnid: string;
  scheduled_osr_update_ms: number | null;
  /** JSON of the spec's `TextEnableInfo`, null for IMPORT orders. */
  text_enable_info: string | null;
  number_count: number;
  created_ms: number;
  updated_ms: number;
}

export interface HostingOrderNumbersTable {
  hosting_order_id: string;
  project_id: string;
  phone_number: string;
  position: number;
  osr_nnid: string;
  osr_state: string;
  platform_service_plan_id: string;
  platform_state: string;
  campaign_id: string;
  campaign_state: string;
  /** JSON object keyed by carrier, as on imported numbers but without `operation`. */
  carriers: string;
  /** The failure code of the step that failed, empty while none has. */
  failure_code: string;
  is_manual_action: number;
  created_ms: number;
  updated_ms: number;
}

export interface JobsTable {
  id: string;
  type: string;
  payload: string;
  /** When the job becomes due, on the service clock. */
  run_at_ms: number;
  attempts: number;
  max_attempts: number;
  locked_by: string | null;
  /** Lease end on the wall clock; a job whose lease has passed can be claimed again. */
  locked_until_ms: number | null;
  last_error: string | null;
  created_ms: number;
}

export interface JobRunsTable {
  id: string;
  job_id: string;
  job_type: string;
  worker_id: string;
  attempt: number;
  started_ms: number;
  ended_ms: number | null;
  outcome: string | null;
}

export interface CallbackEventsTable {
  id: string;
  project_id: string;
  hosting_order_id: string | null;
  resource_type: string;
  resource_id: string;
  event_type: string;
  status: string;
  failure_code: string | null;
  url: string | null;
  /** The exact JSON bytes sent on every attempt, so retries carry the same body. */
  body: string;
  /** PENDING, DELIVERED, FAILED (attempts used up) or NO_URL. */
  delivery_state: string;
  attempts: number;
  created_ms: number;
  delivered_ms: number | null;
  last_attempt_ms: number | null;
}

export interface CallbackAttemptsTable {
  id: string;
  event_id: string;
  project_id: string;
  attempt: number;
  started_ms: number;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  response_excerpt: string | null;
}

/** Counts kept in step with their tables, so that unfiltered lists report totalSize without scanning. */
export interface ProjectCountersTable {
  project_id: string;
  imported_numbers: number;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface Database {
  projects: ProjectsTable;
  access_keys: AccessKeysTable;
  service_plans: ServicePlansTable;
  campaigns: CampaignsTable;
  imported_numbers: ImportedNumbersTable;
  hosting_orders: HostingOrdersTable;
  hosting_order_numbers: HostingOrderNumbersTable;
  jobs: JobsTable;
  job_runs: JobRunsTable;
  callback_events: CallbackEventsTable;
  callback_attempts: CallbackAttemptsTable;
  settings: SettingsTable;
  project_counters: ProjectCountersTable;
}

export type ProjectRow = Selectable<ProjectsTable>;
export type AccessKeyRow = Selectable<AccessKeysTable>;
export type ImportedNumberRow = Selectable<ImportedNumbersTable>;
export type NewImportedNumberRow = Insertable<ImportedNumbersTable>;
export type ImportedNumberUpdate = Updateable<ImportedNumbersTable>;
export type HostingOrderRow = Selectable<HostingOrdersTable>;
export type HostingOrderNumberRow = Selectable<HostingOrderNumbersTable>;
export type JobRow = Selectable<JobsTable>;
export type CallbackEventRow = Selectable<CallbackEventsTable>;
export type CallbackAttemptRow = Selectable<CallbackAttemptsTable>;
