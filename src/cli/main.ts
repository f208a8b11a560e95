#!/usr/bin/env node
/**
 * The `numberhost` command. Thin by design: it parses flags, calls the service, app
 * code or SDK, and prints. Server commands: serve, worker, migrate, projects, keys;
 * workflow commands (over the SDK): import, qualify, verify, text-enable, orders,
 * numbers, callbacks.
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError } from '../config/config.js';
import { registerAdminCommands } from './admin-commands.js';
import { registerWorkflowCommands } from './workflow/index.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

function parsePort(value: string): string {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('expected an integer from 0 to 65535.');
  }
  return value;
}

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('numberhost')
  .description('Imported Numbers and Hosting Orders API: sandbox and back office.')
  .version(version, '--version', 'print the version')
  .showHelpAfterError()
  .exitOverride();

program
  .command('serve')
  .description('Start the HTTP API and, unless --no-worker is given, the job worker.')
  .option('--port <port>', 'TCP port to listen on (overrides PORT)', parsePort)
  .option('--no-worker', 'serve HTTP only; run `numberhost worker` elsewhere for the jobs')
  .addHelpText('after', '\nExample:\n  DATABASE_URL=sqlite:./data/numberhost.db numberhost serve --port 8080')
  .action(async (options: { port?: string; worker: boolean }) => {
    const { runServe } = await import('./server-commands.js');
    await runServe({ ...(options.port === undefined ? {} : { PORT: options.port }), ...(options.worker ? {} : { NUMBERHOST_NO_WORKER: '1' }) }, 'serve');
  });

program
  .command('worker')
  .description('Run the job worker only (callbacks, provisioning steps), without HTTP.')
  .addHelpText('after', '\nExample:\n  DATABASE_URL=postgres://postgres@127.0.0.1:5432/numberhost numberhost worker')
  .action(async () => {
    const { runServe } = await import('./server-commands.js');
    await runServe({}, 'worker');
  });

program
  .command('migrate')
  .description('Apply pending database migrations and exit.')
  .addHelpText('after', '\nExample:\n  DATABASE_URL=postgres://postgres@127.0.0.1:5432/numberhost numberhost migrate')
  .action(async () => {
    const { runMigrate } = await import('./server-commands.js');
    await runMigrate();
  });

registerAdminCommands(program);
registerWorkflowCommands(program);

// A reader that stops early (`numberhost orders list | head`) closes the pipe; that
// ends the output, not the command with a stack trace.
// A closed stderr only loses messages, so the command goes on to the end.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') {
    process.exit(process.exitCode ?? 0);
  }
  throw error;
});
process.stderr.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') {
    throw error;
  }
});

async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') {
      process.exitCode = EXIT_OK;
      return;
    }
    if (typeof code === 'string' && code.startsWith('commander.')) {
      process.exitCode = EXIT_USAGE;
      return;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`numberhost: ${error.message}\n`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    const hint = code === 'EADDRINUSE' ? ' Another process uses this port: stop it, or start with PORT set to a free port.' : '';
    process.stderr.write(`numberhost: ${error instanceof Error ? error.message : String(error)}${hint}\n`);
    process.exitCode = EXIT_FAILURE;
  }
}

await main();
