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
  is_toll_free: number;
  /** Why the order was rejected: the signer's or the operator's reason; empty otherwise. */
  rejection_reason: string;
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

export interface QualifiedNumbersTable {
  project_id: string;
  phone_number: string;
  /** The region the numbering plan assigns, empty for an area code in use nowhere. */
  region_code: string;
  is_toll_free: number;
  /** The spec's `GLOBAL_PROCESS_STATE_*` value. */
  state: string;
  osr_eligibility_status: string;
  osr_eligibility_error: string;
  ownership_status: string;
  ownership_error: string;
  /** 0 unspecified, 1 hosted, 2 failed, as the spec's `hostedNumber.status`. */
  hosted_status: number;
  hosted_error: string;
  /** The text-enable order the number is in, or was last in. */
  hosting_order_id: string | null;
  /** Wrong voice codes in a row since the last success or unblock. */
  wrong_code_count: number;
  /** SHA-256 of the project, number and code of the current challenge; null when none is open. */
  challenge_code_hash: string | null;
  challenge_expires_ms: number | null;
  last_call_ms: number | null;
  created_ms: number;
  updated_ms: number;
}

export interface VoiceCallsTable {
  id: string;
  project_id: string;
  phone_number: string;
  code: string;
  /** QUEUED, ANSWERED, UNANSWERED or FAILED. */
  state: string;
  detail: string;
  created_ms: number;
  placed_ms: number | null;
}

export interface LoaDocumentsTable {
  hosting_order_id: string;
  /** ORIGINAL (as mailed) or SIGNED (the original plus the certificate page). */
  kind: string;
  project_id: string;
  pdf_base64: string;
  sha256: string;
  created_ms: number;
}

export interface SigningLinksTable {
  /** SHA-256 hex of the token; the token itself exists only in the mail. */
  token_hash: string;
  hosting_order_id: string;
  project_id: string;
  expires_ms: number;
  used_ms: number | null;
  created_ms: number;
}

export interface LoaDecisionsTable {
  hosting_order_id: string;
  project_id: string;
  /** SIGNED or DECLINED. */
  outcome: string;
  signer_name: string;
  ip_address: string;
  user_agent: string;
  reason: string;
  decided_ms: number;
}

export interface EmailsTable {
  id: string;
  project_id: string;
  hosting_order_id: string | null;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  /** JSON array of the links the mail carries. */
  links: string;
  /** LOA when the order's LOA PDF goes with the mail. */
  attachment_kind: string | null;
  /** OUTBOX (kept, no SMTP), QUEUED, SENT or FAILED. */
  state: string;
  attempts: number;
  last_error: string | null;
  message_id: string | null;
  created_ms: number;
  sent_ms: number | null;
}

/** The verification history of a deleted qualified number, taken over when it is added again. */
export interface VerificationMemoryTable {
  project_id: string;
  phone_number: string;
  wrong_code_count: number;
  last_call_ms: number | null;
}

/** One carrier-facing step an operator does by hand, in manual carrier mode. */
export interface OperatorTasksTable {
  id: string;
  project_id: string;
  /** OSR_UPDATE, SMS_PROVISIONING, SMS_DEPROVISIONING, CAMPAIGN_LINK or CAMPAIGN_UNLINK. */
  kind: string;
  phone_number: string;
  /** The NNID, service plan or campaign the step is about. */
  target_id: string;
  hosting_order_id: string | null;
  is_toll_free: number;
  /** OPEN, COMPLETED, FAILED or CANCELLED. */
  state: string;
  /** The spec failure code a failed task gives its step; empty otherwise. */
  failure_code: string;
  error_message: string;
  /** The operator's note when resolving the task, or why the service cancelled it. */
  note: string;
  created_ms: number;
  resolved_ms: number | null;
}

/** A sandbox fault injection rule of one project. */
export interface FaultRulesTable {
  id: string;
  project_id: string;
  /** CARRIER_REGISTRY, SMS_PLATFORM, CAMPAIGN_REGISTRY or CALLBACK_DELIVERY. */
  target: string;
  /** FAIL_TIMES, FAIL_WITH_CODE, DROP, DELAY, DUPLICATE or REORDER. */
  action: string;
  /** E.164 prefix the phone number must start with; empty matches every number. */
  number_pattern: string;
  /** How many times the rule fires per subject; null for every time. */
  times: number | null;
  failure_code: string;
  delay_ms: number;
  /** Share of subjects the rule applies to, 0 to 100, picked by a hash of the seed and the subject. */
  percent: number;
  seed: number;
  description: string;
  created_ms: number;
}

/** How many times a fault rule has fired for one subject (a phone number, or an event). */
export interface FaultRuleHitsTable {
  rule_id: string;
  subject: string;
  hits: number;
}

/** A console login; the cookie carries the id, the table only its SHA-256. */
export interface ConsoleSessionsTable {
  id_hash: string;
  csrf_token: string;
  /** Which admin token logged in (a digest); a session ends when the admin token changes. */
  admin_token_digest: string;
  /** JSON `{kind, text}` shown once on the next page, after an action redirects. */
  flash: string | null;
  created_ms: number;
  expires_ms: number;
  last_seen_ms: number;
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
  qualified_numbers: QualifiedNumbersTable;
  voice_calls: VoiceCallsTable;
  loa_documents: LoaDocumentsTable;
  signing_links: SigningLinksTable;
  loa_decisions: LoaDecisionsTable;
  emails: EmailsTable;
  verification_memory: VerificationMemoryTable;
  operator_tasks: OperatorTasksTable;
  fault_rules: FaultRulesTable;
  fault_rule_hits: FaultRuleHitsTable;
  console_sessions: ConsoleSessionsTable;
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
export type QualifiedNumberRow = Selectable<QualifiedNumbersTable>;
export type EmailRow = Selectable<EmailsTable>;
export type VoiceCallRow = Selectable<VoiceCallsTable>;
export type OperatorTaskRow = Selectable<OperatorTasksTable>;
export type FaultRuleRow = Selectable<FaultRulesTable>;
export type ConsoleSessionRow = Selectable<ConsoleSessionsTable>;
