import type { Command } from 'commander';
import type { AppContext } from '../app/context.js';
import { loadConfig } from '../config/config.js';

async function withContext<T>(action: (ctx: AppContext) => Promise<T>): Promise<T> {
  const config = loadConfig();
  // Loaded on use, so that workflow commands do not pay for the server's modules.
  const { startService } = await import('../service.js');
  const service = await startService(config, { isServingHttp: false, isRunningWorker: false, logger: (await import('pino')).pino({ level: 'warn' }) });
  try {
    return await action(service.ctx);
  } finally {
    await service.close();
  }
}

/** `numberhost projects create` and `numberhost keys create`, run against DATABASE_URL directly. */
export function registerAdminCommands(program: Command): void {
  const projects = program.command('projects').description('Manage projects in the database named by DATABASE_URL.');
  projects
    .command('create')
    .description('Create a project and print its id.')
    .option('--id <projectId>', 'project id to use (default: a new UUID)')
    .option('--name <displayName>', 'display name')
    .addHelpText('after', '\nExample:\n  numberhost projects create --name "Acme messaging" --json')
    .action(async (options: { id?: string; name?: string }, command: Command) => {
      const isJson = command.optsWithGlobals<{ json?: boolean }>().json === true;
      const { createProject } = await import('../app/projects.js');
      const project = await withContext((ctx) =>
        createProject(ctx, { ...(options.id === undefined ? {} : { projectId: options.id }), ...(options.name === undefined ? {} : { displayName: options.name }) }),
      );
      process.stdout.write(isJson ? `${JSON.stringify({ projectId: project.id, displayName: project.display_name })}\n` : `${project.id}\n`);
    });

  const keys = program.command('keys').description('Manage access keys.');
  keys
    .command('create')
    .description('Create an access key for a project; the secret is shown once.')
    .requiredOption('--project <projectId>', 'project the key belongs to')
    .addHelpText('after', '\nExample:\n  numberhost keys create --project 0f3c... --json')
    .action(async (options: { project: string }, command: Command) => {
      const { createAccessKey } = await import('../app/projects.js');
      const key = await withContext((ctx) => createAccessKey(ctx, options.project));
      if (command.optsWithGlobals<{ json?: boolean }>().json === true) {
        process.stdout.write(`${JSON.stringify(key)}\n`);
        return;
      }
      process.stdout.write(`SINCH_PROJECT_ID=${key.projectId}\nSINCH_KEY_ID=${key.keyId}\nSINCH_KEY_SECRET=${key.keySecret}\n`);
    });
}
