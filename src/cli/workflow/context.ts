import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { createClient } from '../../sdk/index.js';
import type { NumberhostClient } from '../../sdk/index.js';
import { usageError } from './exit-codes.js';
import { Output } from './output.js';

/** Options every workflow command takes; commander puts them on the root program. */
export interface GlobalOptions {
  url?: string;
  profile?: string;
  json?: boolean;
  auth?: string;
}

/** One entry of the profiles file. */
export interface Profile {
  url?: string;
  projectId?: string;
  keyId?: string;
  keySecret?: string;
  auth?: 'basic' | 'oauth2';
  tokenUrl?: string;
}

export interface ClientSettings {
  baseUrl: string;
  projectId: string;
  keyId: string;
  keySecret: string;
  authMethod: 'basic' | 'oauth2';
  tokenUrl: string | undefined;
}

export const DEFAULT_URL = 'http://localhost:8080';

/** Returns the path of the profiles file: NUMBERHOST_CONFIG, or ~/.config/numberhost/config.json. */
export function profilesPath(env: NodeJS.ProcessEnv): string {
  return env.NUMBERHOST_CONFIG ?? join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'numberhost', 'config.json');
}

function readProfile(name: string, env: NodeJS.ProcessEnv): Profile {
  const path = profilesPath(env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw usageError(`--profile ${name}: cannot read ${path}. Create it with {"profiles": {"${name}": {"url": ..., "projectId": ..., "keyId": ..., "keySecret": ...}}}.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw usageError(`${path} is not valid JSON.`);
  }
  const profile = (parsed as { profiles?: Record<string, unknown> }).profiles?.[name];
  if (typeof profile !== 'object' || profile === null) {
    const known = Object.keys((parsed as { profiles?: object }).profiles ?? {});
    throw usageError(`${path} has no profile "${name}". Profiles there: ${known.length === 0 ? 'none' : known.join(', ')}.`);
  }
  return profile as Profile;
}

/** Refuses a URL that is not plain http(s), naming only its origin: user info may hold a password. */
function checkHttpUrl(value: string, what: string, where: string): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw usageError(`${what} is not an http or https URL; check ${where}.`);
  }
  if (url.username !== '' || url.password !== '') {
    throw usageError(`${what} (${url.protocol}//${url.host}) contains a user name or password, which is not supported. Put the key in SINCH_KEY_ID and SINCH_KEY_SECRET. Check ${where}.`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw usageError(`${what} (${url.origin}) must have no query or fragment; check ${where}.`);
  }
}

/**
 * Resolves where to send requests and with which key. The target: --url, then the
 * profile's url when --profile is given, else NUMBERHOST_URL, then
 * http://localhost:8080. Credentials: the
 * profile when --profile is given, otherwise SINCH_PROJECT_ID, SINCH_KEY_ID and
 * SINCH_KEY_SECRET.
 */
export function resolveClientSettings(options: GlobalOptions, env: NodeJS.ProcessEnv): ClientSettings {
  const profile = options.profile === undefined ? undefined : readProfile(options.profile, env);
  // A profile names its server with its credentials, so the environment never picks
  // where a profile's key goes: not NUMBERHOST_URL, not NUMBERHOST_TOKEN_URL.
  const baseUrl = options.url ?? (profile === undefined ? env.NUMBERHOST_URL : profile.url) ?? DEFAULT_URL;
  const tokenUrl = profile === undefined ? env.NUMBERHOST_TOKEN_URL : profile.tokenUrl;
  const projectId = profile?.projectId ?? env.SINCH_PROJECT_ID;
  const keyId = profile?.keyId ?? env.SINCH_KEY_ID;
  const keySecret = profile?.keySecret ?? env.SINCH_KEY_SECRET;
  const missing = [
    ['SINCH_PROJECT_ID', projectId],
    ['SINCH_KEY_ID', keyId],
    ['SINCH_KEY_SECRET', keySecret],
  ].filter(([, value]) => value === undefined || value === '');
  if (missing.length > 0) {
    const source = profile === undefined ? 'Set them in the environment or use --profile.' : `Add them to profile "${options.profile}".`;
    throw usageError(`Missing credentials: ${missing.map(([name]) => name).join(', ')}. ${source}`);
  }
  const authMethod = options.auth ?? profile?.auth ?? 'basic';
  if (authMethod !== 'basic' && authMethod !== 'oauth2') {
    throw usageError(`--auth ${JSON.stringify(authMethod)} is not supported; use basic or oauth2.`);
  }
  checkHttpUrl(baseUrl, 'The target URL', '--url or NUMBERHOST_URL');
  if (tokenUrl !== undefined) {
    checkHttpUrl(tokenUrl, 'The token URL', 'NUMBERHOST_TOKEN_URL or the profile\'s tokenUrl');
  }
  return {
    baseUrl: baseUrl.replace(/\/+$/, ''),
    projectId: projectId as string,
    keyId: keyId as string,
    keySecret: keySecret as string,
    authMethod,
    tokenUrl,
  };
}

/** The context of a workflow command: the SDK client, the settings and the output. */
export interface CliContext {
  client: NumberhostClient;
  settings: ClientSettings;
  output: Output;
}

/** Reads the global options of `command`'s program and builds the context. */
export function createCliContext(command: Command, env: NodeJS.ProcessEnv = process.env): CliContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  const output = new Output({ isJson: options.json === true });
  const settings = resolveClientSettings(options, env);
  const client = createClient({
    projectId: settings.projectId,
    baseUrl: settings.baseUrl,
    auth:
      settings.authMethod === 'oauth2'
        ? { method: 'oauth2', keyId: settings.keyId, keySecret: settings.keySecret, ...(settings.tokenUrl === undefined ? {} : { tokenUrl: settings.tokenUrl }) }
        : { method: 'basic', keyId: settings.keyId, keySecret: settings.keySecret },
  });
  return { client, settings, output };
}
