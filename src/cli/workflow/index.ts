import type { Command } from 'commander';
import { registerCallbackCommands } from './commands/callbacks.js';
import { registerImportCommand } from './commands/import.js';
import { registerNumbersCommands } from './commands/numbers.js';
import { registerOrdersCommands } from './commands/orders.js';
import { registerQualifyCommands } from './commands/qualify.js';
import { registerTextEnableCommand } from './commands/text-enable.js';
import { registerVerifyCommands } from './commands/verify.js';

/**
 * The user workflows: import, qualify, verify, text-enable, orders, numbers and
 * callbacks, each a thin layer over the SDK. `--url`, `--profile`, `--auth` and
 * `--json` are options of the root program, so they may come before or after the
 * command name.
 */
export function registerWorkflowCommands(program: Command): void {
  program
    .option('--url <url>', 'API to talk to (default NUMBERHOST_URL, else http://localhost:8080)')
    .option('--profile <name>', 'credentials and URL from the profiles file (NUMBERHOST_CONFIG or ~/.config/numberhost/config.json)')
    .option('--auth <method>', 'basic (default) or oauth2')
    .option('--json', 'print one JSON document on stdout, for scripts');
  registerImportCommand(program);
  registerQualifyCommands(program);
  registerVerifyCommands(program);
  registerTextEnableCommand(program);
  registerOrdersCommands(program);
  registerNumbersCommands(program);
  registerCallbackCommands(program);
}
