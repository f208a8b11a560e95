import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { Migrator, sql } from 'kysely';

/**
 * Schema migrations, shared by SQLite and PostgreSQL: times are `bigint`
 * milliseconds, booleans `integer` 0/1 and JSON `text`, which both accept.
 * Append new migrations; never edit one that has shipped.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001_core': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('projects')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('hmac_secret', 'text')
        .addColumn('import_order_limit', 'integer')
        .addColumn('is_blanket_loa_approved', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('standard_webhooks_secret', 'text')
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('access_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .addColumn('revoked_ms', 'bigint')
        .execute();
      await db.schema.createIndex('access_keys_project').on('access_keys').column('project_id').execute();

      for (const table of ['service_plans', 'campaigns']) {
        await db.schema
          .createTable(table)
          .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
          .addColumn('id', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('created_ms', 'bigint', (c) => c.notNull())
          .addColumn('updated_ms', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pk`, ['project_id', 'id'])
          .execute();
      }

      await db.schema
        .createTable('hosting_orders')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('region_code', 'text', (c) => c.notNull())
        .addColumn('service_plan_id', 'text', (c) => c.notNull())
        .addColumn('campaign_id', 'text', (c) => c.notNull())
        .addColumn('callback_url', 'text')
        .addColumn('migrate_to_sinch_tmo', 'integer', (c) => c.notNull())
        .addColumn('nnid', 'text', (c) => c.notNull())
        .addColumn('scheduled_osr_update_ms', 'bigint')
        .addColumn('text_enable_info', 'text')
        .addColumn('number_count', 'integer', (c) => c.notNull())
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .addColumn('updated_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('hosting_orders_project_created')
        .on('hosting_orders')
        .columns(['project_id', 'created_ms', 'id'])
        .execute();
      await db.schema
        .createIndex('hosting_orders_project_updated')
        .on('hosting_orders')
        .columns(['project_id', 'updated_ms', 'id'])
        .execute();

      await db.schema
        .createTable('hosting_order_numbers')
        .addColumn('hosting_order_id', 'text', (c) => c.notNull().references('hosting_orders.id'))
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('phone_number', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('osr_nnid', 'text', (c) => c.notNull())
        .addColumn('osr_state', 'text', (c) => c.notNull())
        .addColumn('platform_service_plan_id', 'text', (c) => c.notNull())
        .addColumn('platform_state', 'text', (c) => c.notNull())
        .addColumn('campaign_id', 'text', (c) => c.notNull())
        .addColumn('campaign_state', 'text', (c) => c.notNull())
        .addColumn('carriers', 'text', (c) => c.notNull())
        .addColumn('failure_code', 'text', (c) => c.notNull())
        .addColumn('is_manual_action', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .addColumn('updated_ms', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('hosting_order_numbers_pk', ['hosting_order_id', 'phone_number'])
        .execute();

      await db.schema
        .createTable('imported_numbers')
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('phone_number', 'text', (c) => c.notNull())
        .addColumn('region_code', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('callback_url', 'text')
        .addColumn('service_plan_id', 'text', (c) => c.notNull())
        .addColumn('campaign_id', 'text', (c) => c.notNull())
        .addColumn('migrate_to_sinch_tmo', 'integer', (c) => c.notNull())
        .addColumn('is_toll_free', 'integer', (c) => c.notNull())
        .addColumn('hosting_order_id', 'text')
        .addColumn('sms_service_id', 'text', (c) => c.notNull())
        .addColumn('sms_type', 'text', (c) => c.notNull())
        .addColumn('sms_state', 'text', (c) => c.notNull())
        .addColumn('sms_error_code', 'text', (c) => c.notNull())
        .addColumn('sms_error_message', 'text', (c) => c.notNull())
        .addColumn('sms_update_ms', 'bigint')
        .addColumn('campaign_service_id', 'text', (c) => c.notNull())
        .addColumn('campaign_type', 'text', (c) => c.notNull())
        .addColumn('campaign_state', 'text', (c) => c.notNull())
        .addColumn('campaign_error_code', 'text', (c) => c.notNull())
        .addColumn('campaign_error_message', 'text', (c) => c.notNull())
        .addColumn('campaign_update_ms', 'bigint')
        .addColumn('mno_configuration', 'text', (c) => c.notNull())
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .addColumn('updated_ms', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('imported_numbers_pk', ['project_id', 'phone_number'])
        .execute();
      await db.schema
        .createIndex('imported_numbers_project_created')
        .on('imported_numbers')
        .columns(['project_id', 'created_ms', 'phone_number'])
        .execute();
      await db.schema
        .createIndex('imported_numbers_project_updated')
        .on('imported_numbers')
        .columns(['project_id', 'updated_ms', 'phone_number'])
        .execute();

      await db.schema
        .createTable('jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('run_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('locked_by', 'text')
        .addColumn('locked_until_ms', 'bigint')
        .addColumn('last_error', 'text')
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('jobs_due').on('jobs').columns(['run_at_ms', 'id']).execute();

      await db.schema
        .createTable('job_runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('job_type', 'text', (c) => c.notNull())
        .addColumn('worker_id', 'text', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('started_ms', 'bigint', (c) => c.notNull())
        .addColumn('ended_ms', 'bigint')
        .addColumn('outcome', 'text')
        .execute();
      await db.schema.createIndex('job_runs_job').on('job_runs').column('job_id').execute();

      await db.schema
        .createTable('callback_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('hosting_order_id', 'text')
        .addColumn('resource_type', 'text', (c) => c.notNull())
        .addColumn('resource_id', 'text', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('failure_code', 'text')
        .addColumn('url', 'text')
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('delivery_state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .addColumn('delivered_ms', 'bigint')
        .addColumn('last_attempt_ms', 'bigint')
        .execute();
      await db.schema
        .createIndex('callback_events_project')
        .on('callback_events')
        .columns(['project_id', 'created_ms', 'id'])
        .execute();
      await db.schema.createIndex('callback_events_order').on('callback_events').column('hosting_order_id').execute();

      await db.schema
        .createTable('callback_attempts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('event_id', 'text', (c) => c.notNull().references('callback_events.id'))
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('started_ms', 'bigint', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('error', 'text')
        .addColumn('response_excerpt', 'text')
        .execute();
      await db.schema.createIndex('callback_attempts_event').on('callback_attempts').column('event_id').execute();

      await db.schema
        .createTable('settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0002_project_counters': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('project_counters')
        .addColumn('project_id', 'text', (c) => c.primaryKey().references('projects.id'))
        .addColumn('imported_numbers', 'bigint', (c) => c.notNull())
        .execute();
      // Seed from the rows that exist, so the counter is exact from the start.
      await sql`insert into project_counters (project_id, imported_numbers)
                select id, (select count(*) from imported_numbers n where n.project_id = p.id) from projects p`.execute(db);
    },
  },
  '0003_jobs_by_type': {
    async up(db: Kysely<unknown>) {
      // Each worker claims only some job types, so its claim seeks by type instead of
      // walking past the other worker's jobs.
      await db.schema.createIndex('jobs_type_due').on('jobs').columns(['type', 'run_at_ms', 'id']).execute();
    },
  },
  '0004_qualification': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('qualified_numbers')
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('phone_number', 'text', (c) => c.notNull())
        .addColumn('region_code', 'text', (c) => c.notNull())
        .addColumn('is_toll_free', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('osr_eligibility_status', 'text', (c) => c.notNull())
        .addColumn('osr_eligibility_error', 'text', (c) => c.notNull())
        .addColumn('ownership_status', 'text', (c) => c.notNull())
        .addColumn('ownership_error', 'text', (c) => c.notNull())
        .addColumn('hosted_status', 'integer', (c) => c.notNull())
        .addColumn('hosted_error', 'text', (c) => c.notNull())
        .addColumn('hosting_order_id', 'text')
        .addColumn('wrong_code_count', 'integer', (c) => c.notNull())
        .addColumn('challenge_code_hash', 'text')
        .addColumn('challenge_expires_ms', 'bigint')
        .addColumn('last_call_ms', 'bigint')
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .addColumn('updated_ms', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('qualified_numbers_pk', ['project_id', 'phone_number'])
        .execute();
      await db.schema
        .createIndex('qualified_numbers_created')
        .on('qualified_numbers')
        .columns(['project_id', 'created_ms', 'phone_number'])
        .execute();
      await db.schema
        .createIndex('qualified_numbers_updated')
        .on('qualified_numbers')
        .columns(['project_id', 'updated_ms', 'phone_number'])
        .execute();
      await db.schema.createIndex('qualified_numbers_number').on('qualified_numbers').column('phone_number').execute();
      await db.schema.createIndex('imported_numbers_number').on('imported_numbers').column('phone_number').execute();

      await db.schema
        .createTable('voice_calls')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('phone_number', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .addColumn('placed_ms', 'bigint')
        .execute();
      await db.schema.createIndex('voice_calls_project').on('voice_calls').columns(['project_id', 'created_ms', 'id']).execute();

      await db.schema
        .createTable('loa_documents')
        .addColumn('hosting_order_id', 'text', (c) => c.notNull().references('hosting_orders.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('pdf_base64', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('loa_documents_pk', ['hosting_order_id', 'kind'])
        .execute();

      await db.schema
        .createTable('signing_links')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('hosting_order_id', 'text', (c) => c.notNull().references('hosting_orders.id'))
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('expires_ms', 'bigint', (c) => c.notNull())
        .addColumn('used_ms', 'bigint')
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('signing_links_order').on('signing_links').column('hosting_order_id').execute();

      await db.schema
        .createTable('loa_decisions')
        .addColumn('hosting_order_id', 'text', (c) => c.primaryKey().references('hosting_orders.id'))
        .addColumn('project_id', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('signer_name', 'text', (c) => c.notNull())
        .addColumn('ip_address', 'text', (c) => c.notNull())
        .addColumn('user_agent', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('decided_ms', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('emails')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('hosting_order_id', 'text')
        .addColumn('to_address', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('text_body', 'text', (c) => c.notNull())
        .addColumn('html_body', 'text', (c) => c.notNull())
        .addColumn('links', 'text', (c) => c.notNull())
        .addColumn('attachment_kind', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('message_id', 'text')
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .addColumn('sent_ms', 'bigint')
        .execute();
      await db.schema.createIndex('emails_project').on('emails').columns(['project_id', 'created_ms', 'id']).execute();

      await db.schema.alterTable('hosting_orders').addColumn('is_toll_free', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('hosting_orders').addColumn('rejection_reason', 'text', (c) => c.notNull().defaultTo('')).execute();
    },
  },
  '0005_verification_memory': {
    async up(db: Kysely<unknown>) {
      // Wrong codes and the last challenge call outlive a deleted qualified number, so
      // deleting and adding it again cannot reset the block or the call spacing.
      await db.schema
        .createTable('verification_memory')
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('phone_number', 'text', (c) => c.notNull())
        .addColumn('wrong_code_count', 'integer', (c) => c.notNull())
        .addColumn('last_call_ms', 'bigint')
        .addPrimaryKeyConstraint('verification_memory_pk', ['project_id', 'phone_number'])
        .execute();
    },
  },
  '0006_operator_console': {
    async up(db: Kysely<unknown>) {
      // One carrier-facing step that an operator does by hand (manual carrier mode).
      await db.schema
        .createTable('operator_tasks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('phone_number', 'text', (c) => c.notNull())
        .addColumn('target_id', 'text', (c) => c.notNull())
        .addColumn('hosting_order_id', 'text')
        .addColumn('is_toll_free', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('failure_code', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('error_message', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .addColumn('resolved_ms', 'bigint')
        .execute();
      await db.schema.createIndex('operator_tasks_state').on('operator_tasks').columns(['state', 'created_ms', 'id']).execute();
      await db.schema.createIndex('operator_tasks_number').on('operator_tasks').columns(['project_id', 'phone_number', 'kind']).execute();

      // Sandbox fault injection: rules per project, and how often each rule has fired per subject.
      await db.schema
        .createTable('fault_rules')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('number_pattern', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('times', 'integer')
        .addColumn('failure_code', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('delay_ms', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('percent', 'integer', (c) => c.notNull().defaultTo(100))
        .addColumn('seed', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('fault_rules_project').on('fault_rules').columns(['project_id', 'target']).execute();
      await db.schema
        .createTable('fault_rule_hits')
        .addColumn('rule_id', 'text', (c) => c.notNull().references('fault_rules.id').onDelete('cascade'))
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('hits', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('fault_rule_hits_pk', ['rule_id', 'subject'])
        .execute();

      // Console sessions: only the SHA-256 of the cookie value is stored.
      await db.schema
        .createTable('console_sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('admin_token_digest', 'text', (c) => c.notNull())
        .addColumn('flash', 'text')
        .addColumn('created_ms', 'bigint', (c) => c.notNull())
        .addColumn('expires_ms', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_ms', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
};

class InCodeMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS;
  }
}

export const LATEST_MIGRATION = Object.keys(MIGRATIONS).sort().at(-1) as string;

/** Applies every pending migration; throws with the failing migration's name and error. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new InCodeMigrationProvider() });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error');
    const reason = error instanceof Error ? error.message : String(error);
    // No failed migration means none started: the database could not be reached or read.
    const summary = failed === undefined ? 'Migrations could not run' : `Migration ${failed.migrationName} failed`;
    throw new Error(`${summary}: ${reason}`, { cause: error });
  }
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}

/** Returns true when every known migration has been applied. */
export async function isMigrated(db: Kysely<any>): Promise<boolean> {
  const migrator = new Migrator({ db, provider: new InCodeMigrationProvider() });
  const migrations = await migrator.getMigrations();
  return migrations.every((migration) => migration.executedAt !== undefined);
}
