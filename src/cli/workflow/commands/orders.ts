import type { Command } from 'commander';

/** Placeholder until the command is written; registers nothing yet. */
export function registerOrdersCommands(program: Command): void {
  void program;
}
