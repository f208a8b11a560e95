/**
 * numberhost domain.
 *
 * Glossary (the API's own words, used the same way throughout the code):
 * - qualified number: a number the customer owns elsewhere, registered with
 *   `qualifiedNumbers:addNumbers` so that its eligibility and ownership can be checked.
 * - hosting order: a request that acts on several numbers at once, either an IMPORT
 *   (numbers already pointed at the hosting NNID) or a TYPE_TEXT_ENABLE (numbers that
 *   need an LOA and an OSR update first).
 * - order number: one number inside a hosting order, with a state per step
 *   (osrUpdate, platformProvisioning, campaignProvisioning).
 * - LOA: Letter of Authorization, signed by the number's owner, that allows the
 *   hosting provider to text-enable the number.
 * - OSR: the carriers' override service registry, which records which network
 *   (NNID) receives a number's text messages.
 * - NNID: Network Number ID, the registry identifier of a messaging network.
 * - service plan: an SMS account on the platform that a number is provisioned to.
 * - campaign: a 10DLC campaign registered for A2P messaging that a number is linked to.
 * - event: one callback payload, written to the outbox with the state change that causes it.
 * - delivery: the sending of one event to its callback URL, made of one or more attempts.
 * - attempt: one HTTP POST of an event, with its status code, latency and error.
 *
 * Nothing in this folder performs I/O or imports from storage, HTTP or logging code.
 */
export * from './errors.js';
export * from './phone-number.js';
export * from './states.js';
export * from './events.js';
export * from './ports.js';
export * from './magic-numbers.js';
export * from './time.js';
export * from './request-rules.js';
export * from './number-steps.js';
export * from './callback-sender.js';
