import type { FailureCode } from './events.js';
import type { StepState } from './states.js';

/**
 * Ports to the carrier-facing systems. Each step of a number's lifecycle is submitted
 * once and then checked until it ends, because real carriers respond asynchronously.
 * The simulated adapters respond after the sandbox delay, the manual adapters when an
 * operator completes the task.
 */

export const CARRIERS = ['smsAtt', 'smsTmo', 'mmsAtt', 'mmsTmo'] as const;
/** The carrier/service pairs of the spec's `mnoConfiguration`. */
export type Carrier = (typeof CARRIERS)[number];

export interface CarrierResult {
  state: StepState;
  errorCode: string;
  errorMessage: string;
}

export type StepOutcome =
  | { kind: 'done'; carriers?: Partial<Record<Carrier, CarrierResult>> }
  | {
      kind: 'failed';
      /** Omitted for SMS platform provisioning, whose result the spec defines as pass or fail. */
      failureCode?: FailureCode;
      errorCode: string;
      errorMessage: string;
      carriers?: Partial<Record<Carrier, CarrierResult>>;
    }
  /** Not finished yet; check again after `checkAfterMs`. */
  | { kind: 'pending'; checkAfterMs: number }
  /** A temporary fault of the far side; the job retries with backoff. */
  | { kind: 'transient'; errorMessage: string };

export type StepPhase = 'submit' | 'check';

export interface StepRequest {
  projectId: string;
  phoneNumber: string;
  /** The service plan or campaign the number is linked to or unlinked from. */
  serviceId: string;
  operation: 'PROVISIONING' | 'DEPROVISIONING';
  isTollFree: boolean;
  migrateToSinchTmo: boolean;
  /** The hosting order the step belongs to; null for a change made on an imported number. */
  hostingOrderId: string | null;
  /** 1 for the first run of this step's job, counting retries after transient faults. */
  attempt: number;
}

/** Provisions numbers to SMS service plans. */
export interface SmsPlatformPort {
  runStep(request: StepRequest, phase: StepPhase): Promise<StepOutcome>;
}

/** Links numbers to 10DLC campaigns. */
export interface CampaignRegistryPort {
  runStep(request: StepRequest, phase: StepPhase): Promise<StepOutcome>;
}

export interface OsrUpdateRequest {
  projectId: string;
  phoneNumber: string;
  /** The NNID the carrier override registry must route the number's messages to. */
  nnid: string;
  isTollFree: boolean;
  /** The text-enable order the update belongs to. */
  hostingOrderId: string;
  /** 1 for the first run of this step's job, counting retries after transient faults. */
  attempt: number;
}

/** Updates the carrier override registry (OSR) so that a number's messages reach the hosting NNID. */
export interface CarrierRegistryPort {
  runOsrUpdate(request: OsrUpdateRequest, phase: StepPhase): Promise<StepOutcome>;
}

export interface VoiceCallRequest {
  projectId: string;
  phoneNumber: string;
  /** The one-time code the call reads out. */
  code: string;
}

export type VoiceCallOutcome = { kind: 'answered' } | { kind: 'unanswered'; reason: string } | { kind: 'transient'; errorMessage: string };

/** Places the ownership-verification call that reads a one-time code to the number. */
export interface VoiceCallerPort {
  placeCall(request: VoiceCallRequest): Promise<VoiceCallOutcome>;
}

export interface MailAttachment {
  filename: string;
  contentType: string;
  content: Uint8Array;
}

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  attachments: MailAttachment[];
}

export type MailOutcome =
  | { kind: 'sent'; messageId: string }
  /** The server refused for now (4xx, connection trouble); the job retries. */
  | { kind: 'transient'; errorMessage: string }
  /** The server refused for good (5xx); retrying cannot help. */
  | { kind: 'rejected'; errorMessage: string };

/** Sends mail. Without SMTP in sandbox, mail stays in the outbox and no mailer is called. */
export interface MailerPort {
  send(message: MailMessage): Promise<MailOutcome>;
}

/** The content of a Letter of Authorization document. */
export interface LoaDocumentData {
  hostingOrderId: string;
  loaType: 'DIRECT' | 'RESELLER';
  /** Reseller LOAs only: the end customer's business that owns the numbers. */
  businessName?: string;
  authorisedPerson: { firstName: string; lastName: string; email: string };
  address: { buildingNumber: string; street: string; city: string; state: string; postalCode: string; country: string };
  currentVoiceCarrier: string;
  /** The hosting provider (the operator of this numberhost instance). */
  hostingProvider: string;
  /** The NNID the carrier registry will route the numbers' messages to. */
  nnid: string;
  /** E.164 numbers, up to 500. */
  phoneNumbers: readonly string[];
  isTollFree: boolean;
  /** The date printed on the LOA (the order's creation time). */
  issuedAt: Date;
  /** When the carrier registry update is scheduled, if the request set a time. */
  scheduledUpdateAt?: Date;
}

/** The facts of an electronic signature, printed on the certificate page of a signed LOA. */
export interface SignatureCertificateData {
  hostingOrderId: string;
  signerName: string;
  signedAt: Date;
  ipAddress: string;
  userAgent: string;
  /** Lowercase hex SHA-256 of the unsigned LOA PDF. */
  originalSha256: string;
}

/** The content of the mail that requests a signature. */
export interface LoaMailData {
  /** The authorised person the mail is addressed to. */
  recipientName: string;
  /** The hosting provider that requests the signature. */
  providerName: string;
  hostingOrderId: string;
  /** How many numbers the LOA covers, which may be more than `firstNumbers` contains. */
  numberCount: number;
  /** Numbers in E.164 format; the mail lists the first ten. */
  firstNumbers: readonly string[];
  isTollFree: boolean;
  /** The one-time signing link, http: or https:. */
  signingUrl: string;
  expiresAt: Date;
  /** The business that owns the numbers, when known. */
  businessName?: string;
}

/** Renders LOA documents (PDF) and the mail that carries the signing link. */
export interface LoaDocumentPort {
  renderLoa(data: LoaDocumentData): Promise<Uint8Array>;
  appendCertificate(original: Uint8Array, certificate: SignatureCertificateData): Promise<Uint8Array>;
  renderSigningMail(data: LoaMailData): { subject: string; text: string; html: string };
}
