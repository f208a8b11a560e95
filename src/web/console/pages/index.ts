import type { ConsoleModule } from '../router.js';
import { registerClockPages } from './clock.js';
import { registerDashboard } from './dashboard.js';
import { registerDeliveryPages } from './deliveries.js';
import { registerEmailPages } from './emails.js';
import { registerFaultPages } from './faults.js';
import { registerImportedNumberPages } from './imported-numbers.js';
import { registerOrderPages } from './orders.js';
import { registerProjectPages } from './projects.js';
import { registerQualifiedNumberPages } from './qualified-numbers.js';
import { registerTaskPages } from './tasks.js';
import { registerVoiceCallPages } from './voice-calls.js';

/** Every page module of the console, in navigation order. */
export const CONSOLE_MODULES: readonly ConsoleModule[] = [
  registerDashboard,
  registerOrderPages,
  registerTaskPages,
  registerQualifiedNumberPages,
  registerImportedNumberPages,
  registerDeliveryPages,
  registerEmailPages,
  registerVoiceCallPages,
  registerFaultPages,
  registerClockPages,
  registerProjectPages,
];
