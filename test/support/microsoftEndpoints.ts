/**
 * Microsoft's endpoints for the Teams path, offline: nock serves Bot Framework's OpenID metadata and
 * signing keys and the Entra token endpoint (with `.query(true)`: MSAL adds a query string), and the
 * tests sign channel tokens with their own key. The connector caches signing keys per process, so each
 * test file uses a key id of its own.
 */
import nock from 'nock';
import jwt from 'jsonwebtoken';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';

/** The access token the nocked Entra endpoint hands the bot (replies carry it as `Bearer …`). */
export const BOT_ACCESS_TOKEN = 'bot-access-token-from-entra';

export function signingKey(kid: string): { privateKey: KeyObject; jwk: Record<string, unknown> } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, kty: 'RSA', use: 'sig', endorsements: ['msteams'] } };
}

/** A Bot Connector token for an activity sent to `appId` from `serviceUrl`, signed with the test key. */
export function channelToken(privateKey: KeyObject, o: { appId: string; serviceUrl: string; kid: string }, overrides: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return jwt.sign({ iss: 'https://api.botframework.com', aud: o.appId, serviceurl: o.serviceUrl, nbf: now - 60, exp: now + 600, ...overrides }, privateKey, { algorithm: 'RS256', keyid: o.kid });
}

/** Serves Bot Framework's metadata and `jwk`, and Entra's metadata and token endpoint for `tenant`; only loopback stays reachable. */
export function nockMicrosoftAuth(o: { tenant: string; jwk: Record<string, unknown> }): void {
  const { tenant } = o;
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  nock('https://login.botframework.com')
    .persist()
    .get('/v1/.well-known/openidconfiguration')
    .reply(200, { issuer: 'https://api.botframework.com', jwks_uri: 'https://login.botframework.com/v1/.well-known/keys', id_token_signing_alg_values_supported: ['RS256'] })
    .get('/v1/.well-known/keys')
    .reply(200, { keys: [o.jwk] });
  nock('https://login.microsoftonline.com')
    .persist()
    .get(/.*openid-configuration.*/)
    .query(true)
    .reply(200, {
      token_endpoint: `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/token`,
      issuer: `https://login.microsoftonline.com/${tenant}/v2.0`,
      authorization_endpoint: `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/authorize`,
      jwks_uri: `https://login.microsoftonline.com/${tenant}/discovery/v2.0/keys`,
    })
    .get(/discovery\/instance/)
    .query(true)
    .reply(200, { tenant_discovery_endpoint: `https://login.microsoftonline.com/${tenant}/v2.0/.well-known/openid-configuration`, metadata: [] })
    .post(`/${tenant}/oauth2/v2.0/token`)
    .query(true)
    .reply(200, { token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600, access_token: BOT_ACCESS_TOKEN });
}
