import type { MailAttachment } from '../domain/ports.js';
import type { AppContext } from './context.js';
import { toStorableText } from '../domain/storable-text.js';

/** Sends a queued mail through the mailer port (a job); the LOA goes with it as a PDF. */
export async function sendEmail(ctx: AppContext, emailId: string): Promise<void> {
  const email = await ctx.storage.db.selectFrom('emails').selectAll().where('id', '=', emailId).executeTakeFirst();
  const mailer = ctx.ports.mailer;
  if (email === undefined || email.state !== 'QUEUED' || mailer === undefined) {
    return;
  }
  const attachments: MailAttachment[] = [];
  if (email.attachment_kind === 'LOA' && email.hosting_order_id !== null) {
    const document = await ctx.storage.db
      .selectFrom('loa_documents')
      .select('pdf_base64')
      .where('hosting_order_id', '=', email.hosting_order_id)
      .where('kind', '=', 'ORIGINAL')
      .executeTakeFirst();
    if (document !== undefined) {
      attachments.push({
        filename: `letter-of-authorization-${email.hosting_order_id}.pdf`,
        contentType: 'application/pdf',
        content: Buffer.from(document.pdf_base64, 'base64'),
      });
    }
  }
  const outcome = await mailer.send({ to: email.to_address, subject: email.subject, text: email.text_body, html: email.html_body, attachments });
  const nowMs = ctx.clock.now();
  if (outcome.kind === 'transient') {
    await ctx.storage.db
      .updateTable('emails')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: toStorableText(outcome.errorMessage) }))
      .where('id', '=', emailId)
      .execute();
    throw new Error(`Mail ${emailId} not sent yet: ${outcome.errorMessage}`);
  }
  await ctx.storage.db
    .updateTable('emails')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      state: outcome.kind === 'sent' ? 'SENT' : 'FAILED',
      message_id: outcome.kind === 'sent' ? outcome.messageId : null,
      last_error: outcome.kind === 'sent' ? null : toStorableText(outcome.errorMessage),
      sent_ms: outcome.kind === 'sent' ? nowMs : null,
    }))
    .where('id', '=', emailId)
    .where('state', '=', 'QUEUED')
    .execute();
  ctx.logger.info({ projectId: email.project_id, emailId, hostingOrderId: email.hosting_order_id, state: outcome.kind }, 'mail handled');
}

/** Marks a mail FAILED once its job has used up every attempt. */
export async function markEmailExhausted(ctx: AppContext, emailId: string, error: string): Promise<void> {
  await ctx.storage.db.updateTable('emails').set({ state: 'FAILED', last_error: toStorableText(error) }).where('id', '=', emailId).where('state', '=', 'QUEUED').execute();
}
