import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { CallbackConfiguration } from '../../../sdk/index.js';
import { isLoopbackAddress, normalizeListenPath, parseForwardUrl, startCallbackListener } from '../callback-listener.js';
import type { ListenerRecord } from '../callback-listener.js';
import { CliError, EXIT, usageError } from '../exit-codes.js';
import { Output, printable } from '../output.js';
import { workflowAction } from '../run.js';

/** Environment variable `callbacks listen` reads the secret from when --secret is not given. */
export const CALLBACK_SECRET_ENV = 'NUMBERHOST_CALLBACK_SECRET';

/** Random bytes in a generated secret: 32 bytes, 43 base64url characters. */
const GENERATED_SECRET_BYTES = 32;

/** Width of the event type column: the length of DEPROVISIONING_TO_SMS_PLATFORM, the longest event type. */
const EVENT_TYPE_WIDTH = 30;

interface ListenOptions {
  port: number;
  host: string;
  secret?: string;
  forward?: string;
  path: string;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('expected an integer from 0 to 65535.');
  }
  return port;
}

function printConfiguration(output: Output, configuration: CallbackConfiguration): void {
  output.line(`project id   ${configuration.projectId ?? ''}`);
  output.line(`hmacSecret   ${configuration.hmacSecret ? configuration.hmacSecret : '(none: callbacks are sent without X-Sinch-Signature)'}`);
}

/** Prints one record of the listener: events and rejections on stdout, forward results on stderr. */
export function printListenerRecord(output: Output, record: ListenerRecord): void {
  switch (record.kind) {
    case 'event': {
      const { event } = record;
      if (output.isJson) {
        output.line(JSON.stringify({ receivedAt: record.receivedAt, target: record.target, signature: record.signature, event }));
        return;
      }
      const columns = [event.timestamp, event.eventType.padEnd(EVENT_TYPE_WIDTH), event.resourceId, event.status, event.failureCode ?? ''];
      output.line(printable(columns.join('  ').trimEnd()));
      return;
    }
    case 'rejected':
      if (output.isJson) {
        const { kind: _kind, ...fields } = record;
        output.line(JSON.stringify({ rejected: fields }));
        return;
      }
      output.line(printable(`${record.receivedAt}  rejected with ${record.httpStatus}: ${record.method} ${record.target}: ${record.reason}`));
      return;
    case 'forwarded':
      output.note(`Forwarded ${record.eventId} to ${record.url}: HTTP ${record.httpStatus}`);
      return;
    case 'forward-failed':
      output.note(`numberhost: forwarding ${record.eventId} to ${record.url} failed: ${record.reason}`);
      return;
  }
}

/** Resolves with the name of the first SIGINT or SIGTERM the process receives. */
function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function describeListenError(error: unknown, options: ListenOptions): CliError | undefined {
  const code = (error as { code?: string }).code;
  if (code === 'EADDRINUSE') {
    return usageError(`Port ${options.port} on ${options.host} is in use; stop the other program or choose another --port.`);
  }
  if (code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    return usageError(`Cannot listen on ${options.host}:${options.port} (${code}); choose another --host or --port.`);
  }
  return undefined;
}

/** Runs `callbacks listen` until SIGINT or SIGTERM. It needs no API credentials, so it does not use workflowAction. */
async function listen(options: ListenOptions, output: Output): Promise<void> {
  const secret = options.secret ?? process.env[CALLBACK_SECRET_ENV];
  const forwardUrl = options.forward === undefined ? undefined : parseForwardUrl(options.forward);
  const path = normalizeListenPath(options.path);
  const listener = await startCallbackListener({
    host: options.host,
    port: options.port,
    path,
    secret: secret === '' ? undefined : secret,
    forwardUrl,
    onRecord: (record) => printListenerRecord(output, record),
  }).catch((error: unknown) => {
    throw describeListenError(error, options) ?? error;
  });

  const checks = secret ? 'X-Sinch-Signature is checked' : `signatures are not checked (no --secret or ${CALLBACK_SECRET_ENV})`;
  output.note(`Listening for callbacks on ${listener.url}; ${checks}.`);
  if (!secret && options.host !== 'localhost' && !isLoopbackAddress(options.host)) {
    output.note(`Warning: ${options.host} is not a loopback address, so other machines can send events that nothing checks. Give --secret.`);
  }
  if (forwardUrl !== undefined) {
    output.note(`Forwarding accepted callbacks to ${forwardUrl.origin}${forwardUrl.pathname.replace(/\/+$/, '')} followed by each request's path and query.`);
  }
  output.note('Stop with Ctrl+C.');

  const signal = await waitForStopSignal();
  output.note(`${signal}: stopping the listener.`);
  await listener.close();
}

function registerListenCommand(callbacks: Command): void {
  callbacks
    .command('listen')
    .description('Run a local callback receiver: check signatures, print each event, optionally forward it to another local URL.')
    .option('--port <port>', 'TCP port to listen on; 0 picks a free one', parsePort, 9000)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--secret <secret>', `the project's hmacSecret, to check X-Sinch-Signature (default: ${CALLBACK_SECRET_ENV})`)
    .option('--forward <url>', 'send each accepted callback on to this loopback URL, with its path and query appended')
    .option('--path <path>', 'accept callbacks at this path and below it', '/callbacks')
    .addHelpText(
      'after',
      [
        '',
        'Events go to stdout, one line each (one JSON object per line with --json). Requests',
        'with a bad signature are rejected with 401 and printed too. A callback received as',
        'POST /callbacks?a=1 with --forward http://127.0.0.1:3000/hooks is forwarded to',
        'http://127.0.0.1:3000/hooks/callbacks?a=1 with the same body and X-Sinch-Signature.',
        '',
        'Example:',
        `  ${CALLBACK_SECRET_ENV}=my-callback-secret numberhost callbacks listen --port 9000 --forward http://127.0.0.1:3000`,
        '',
        'Exit codes:',
        '  0  stopped by Ctrl-C (SIGINT) or SIGTERM',
        '  2  bad flags, a --forward URL that is not loopback, or a port that is in use',
      ].join('\n'),
    )
    .action(async (options: ListenOptions, command: Command) => {
      const output = new Output({ isJson: command.optsWithGlobals<{ json?: boolean }>().json === true });
      try {
        await listen(options, output);
        process.exitCode = EXIT.OK;
      } catch (error) {
        if (!(error instanceof CliError)) {
          throw error;
        }
        output.note(`numberhost: ${error.message}`);
        if (output.isJson) {
          output.line(JSON.stringify({ error: { message: error.message, exitCode: error.exitCode } }));
        }
        process.exitCode = error.exitCode;
      }
    });
}

/** `numberhost callbacks get|set-secret|listen`: the callback secret of the project and a local receiver. */
export function registerCallbackCommands(program: Command): void {
  const callbacks = program.command('callbacks').description('Callback signing secret, and a local receiver for callbacks.');

  callbacks
    .command('get')
    .description("Show the project's callback configuration, hmacSecret included.")
    .addHelpText('after', '\nExample:\n  numberhost callbacks get --json')
    .action(
      workflowAction(async ({ client, output }) => {
        const configuration = await client.callbackConfiguration.get();
        output.result(configuration, () => printConfiguration(output, configuration));
      }),
    );

  callbacks
    .command('set-secret')
    .description('Set the hmacSecret that signs callbacks; without an argument, generate a random one and print it.')
    .argument('[secret]', 'the new secret; omit it to generate one')
    .option('--clear', 'remove the secret, so callbacks are sent without X-Sinch-Signature')
    .addHelpText('after', '\nExamples:\n  numberhost callbacks set-secret\n  numberhost callbacks set-secret --clear')
    .action(
      workflowAction(async ({ client, output }, given: string | undefined, options: { clear?: boolean }) => {
        if (options.clear === true && given !== undefined) {
          throw usageError('Give either a secret or --clear, not both.');
        }
        if (given === '') {
          throw usageError('The secret is empty; to remove the secret, use --clear.');
        }
        const isGenerated = options.clear !== true && given === undefined;
        const secret = options.clear === true ? '' : (given ?? randomBytes(GENERATED_SECRET_BYTES).toString('base64url'));
        const configuration = await client.callbackConfiguration.update({ hmacSecret: secret });
        output.result({ ...configuration, isGenerated }, () => {
          if (options.clear === true) {
            output.line('Removed the callback secret; callbacks are now sent without X-Sinch-Signature.');
          } else if (isGenerated) {
            output.line(secret);
            output.note(`Callbacks are now signed with the secret above. Give it to your receiver, for example as ${CALLBACK_SECRET_ENV} for \`numberhost callbacks listen\`.`);
          } else {
            output.line('Callbacks are now signed with the given secret.');
          }
        });
      }),
    );

  registerListenCommand(callbacks);
}
