// Lint rules that guard the architecture: the domain stays free of I/O, and only the
// dialect folders talk SQL-dialect specifics.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'dist/**', 'src/sdk/api-types.ts'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {},
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'path', 'http', 'https', 'net', 'dns', 'child_process', 'crypto'], message: 'src/domain performs no I/O; move this to src/app or src/integrations.' },
            { group: ['kysely', 'pg', 'better-sqlite3', 'fastify', 'pino', 'undici', 'nodemailer'], message: 'src/domain must not depend on storage, HTTP or logging libraries.' },
            { group: ['**/storage/**', '**/http/**', '**/app/**', '**/jobs/**', '**/integrations/**', '**/web/**', '**/cli/**', '**/config/**'], message: 'src/domain imports nothing of ours but itself.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/sdk/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['kysely', 'pg', 'better-sqlite3', 'fastify', '@fastify/*'], message: 'The SDK must not depend on server libraries.' },
            { group: ['**/app/**', '**/storage/**', '**/http/**', '**/jobs/**', '**/integrations/**', '**/domain/**', '**/config/**', '**/service.js'], message: 'The SDK imports no server code.' },
          ],
        },
      ],
    },
  },
);
