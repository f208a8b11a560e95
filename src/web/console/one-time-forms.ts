/**
 * One-time form ids, for console forms whose post must take effect once even when the
 * browser posts it again (reload, back button, double click). The page puts a random id
 * in a hidden field, and the action claims it before it acts.
 */
import { randomBytes } from 'node:crypto';

/** The hidden field that carries the id. */
export const FORM_ID_FIELD = 'formId';

/** Used ids kept per process; the oldest are forgotten first. */
const MAX_USED_FORM_IDS = 500;
const FORM_ID_BYTES = 16;
const FORM_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export function newFormId(): string {
  return randomBytes(FORM_ID_BYTES).toString('base64url');
}

export function isFormIdValid(formId: string | undefined): formId is string {
  return formId !== undefined && FORM_ID_PATTERN.test(formId);
}

/**
 * The form ids already posted, per console session (by the session id hash), in this
 * process's memory.
 *
 * NOTE: the memory is lost on restart, not shared between instances, and holds only the
 * last MAX_USED_FORM_IDS ids. A form posted again after a restart, on another instance
 * or after many other forms acts a second time.
 */
export class UsedFormIds {
  private readonly used = new Set<string>();

  /** Records the id for the session. Returns false when the session has posted it before. */
  claim(sessionIdHash: string, formId: string): boolean {
    const key = `${sessionIdHash} ${formId}`;
    if (this.used.has(key)) {
      return false;
    }
    this.used.add(key);
    if (this.used.size > MAX_USED_FORM_IDS) {
      const oldest = this.used.values().next().value;
      if (oldest !== undefined) {
        this.used.delete(oldest);
      }
    }
    return true;
  }

  /** Forgets a claimed id, so that the form can be posted again after its action failed. */
  release(sessionIdHash: string, formId: string): void {
    this.used.delete(`${sessionIdHash} ${formId}`);
  }
}
