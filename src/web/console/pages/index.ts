import type { ConsoleModule } from '../router.js';
import { registerDashboard } from './dashboard.js';

/** Every page module of the console, in navigation order. */
export const CONSOLE_MODULES: readonly ConsoleModule[] = [registerDashboard];
