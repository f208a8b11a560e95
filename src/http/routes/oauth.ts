import formBody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Authenticator } from '../../app/auth/authenticator.js';
import { TOKEN_LIFETIME_SECONDS } from '../../app/auth/authenticator.js';
import { ApiError } from '../../domain/errors.js';
import { parseBasicAuthorization } from '../auth.js';

function oauthError(reply: FastifyReply, httpStatus: number, error: string, description: string): FastifyReply {
  if (httpStatus === 401) {
    void reply.header('www-authenticate', 'Basic realm="numberhost"');
  }
  return reply.code(httpStatus).header('cache-control', 'no-store').send({ error, error_description: description });
}

/**
 * `POST /oauth2/token`: the OAuth2 client-credentials grant. The client authenticates
 * with HTTP Basic (key id and secret); errors use the OAuth2 shape of RFC 6749.
 */
export async function registerOAuthRoutes(app: FastifyInstance, authenticator: Authenticator): Promise<void> {
  await app.register(async (scope) => {
    await scope.register(formBody, { bodyLimit: 8192 });
    scope.post<{ Body: Record<string, string> | undefined }>('/oauth2/token', async (request, reply) => {
      const grantType = request.body?.grant_type;
      if (grantType !== 'client_credentials') {
        return oauthError(reply, 400, 'unsupported_grant_type', 'Send grant_type=client_credentials as application/x-www-form-urlencoded.');
      }
      const credentials = parseBasicAuthorization(request.headers.authorization);
      if (credentials === undefined) {
        return oauthError(reply, 401, 'invalid_client', 'Authenticate with HTTP Basic: the access key id as user name, the key secret as password.');
      }
      try {
        const principal = await authenticator.verifyBasic(credentials.keyId, credentials.keySecret);
        const accessToken = await authenticator.issueToken(principal);
        return reply
          .header('cache-control', 'no-store')
          .send({ access_token: accessToken, token_type: 'Bearer', expires_in: TOKEN_LIFETIME_SECONDS, scope: '' });
      } catch (error) {
        if (error instanceof ApiError && error.code === 'UNAUTHENTICATED') {
          return oauthError(reply, 401, 'invalid_client', 'The access key id or secret is wrong, or the key was revoked.');
        }
        throw error;
      }
    });
  });
}
