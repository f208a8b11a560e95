import type { Command } from 'commander';

/** Placeholder until the command is written; registers nothing yet. */
export function registerNumbersCommands(program: Command): void {
  void program;
}
