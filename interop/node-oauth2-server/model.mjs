// In-memory model for @node-oauth/oauth2-server, written the way the
// library's model documentation and its authorization-code example do it.
// Every secret in this file is for local testing only.

import { randomBytes } from 'node:crypto';

// Registered clients. `grants` and `redirectUris` are what the library reads.
const clients = new Map([
  ['harness-client', {
    id: 'harness-client',
    secret: 'harness-secret-TEST-ONLY-0123456789',
    grants: ['authorization_code', 'refresh_token'],
    redirectUris: ['http://127.0.0.1:9999/callback'],
  }],
  ['harness-client-2', {
    id: 'harness-client-2',
    secret: 'harness-secret-2-TEST-ONLY-0123456789',
    grants: ['authorization_code', 'refresh_token'],
    redirectUris: ['http://127.0.0.1:9999/callback-2'],
  }],
  // Public client: no secret. The library lets it redeem a code with a PKCE
  // code_verifier instead of a secret.
  ['harness-public', {
    id: 'harness-public',
    grants: ['authorization_code', 'refresh_token'],
    redirectUris: ['http://127.0.0.1:9999/public-callback'],
  }],
]);

const users = new Map([
  ['alice', { id: 'alice', username: 'alice', password: 'alice-password-TEST-ONLY', name: 'Alice Liddell' }],
]);

// The scopes this server knows; `read` is granted when none is asked for.
const SCOPES = ['read', 'write'];
const DEFAULT_SCOPE = ['read'];

const codes = new Map();
const accessTokens = new Map();
const refreshTokens = new Map();

const token = () => randomBytes(32).toString('hex');

export function findUser(username, password) {
  const user = users.get(username);
  return user && user.password === password ? user : undefined;
}

export function findClient(clientId) {
  return clients.get(clientId);
}

export const model = {
  // The authorize handler calls this with a null secret (it only needs the
  // client's grants and redirect URIs); the token handler passes the secret
  // the client sent, if any.
  async getClient(clientId, clientSecret) {
    const client = clients.get(clientId);
    if (!client) return null;
    if (clientSecret && client.secret !== clientSecret) return null;
    return client;
  },

  async validateScope(user, client, scope) {
    if (!scope || scope.length === 0) return DEFAULT_SCOPE;
    return scope.every((s) => SCOPES.includes(s)) ? scope : false;
  },

  async generateAuthorizationCode() {
    return token();
  },

  async saveAuthorizationCode(code, client, user) {
    const saved = {
      authorizationCode: code.authorizationCode,
      expiresAt: code.expiresAt,
      redirectUri: code.redirectUri,
      scope: code.scope,
      codeChallenge: code.codeChallenge,
      codeChallengeMethod: code.codeChallengeMethod,
      client,
      user,
    };
    codes.set(code.authorizationCode, saved);
    return saved;
  },

  async getAuthorizationCode(authorizationCode) {
    return codes.get(authorizationCode);
  },

  async revokeAuthorizationCode(code) {
    return codes.delete(code.authorizationCode);
  },

  async generateAccessToken() {
    return token();
  },

  async generateRefreshToken() {
    return token();
  },

  async saveToken(tokenData, client, user) {
    const saved = {
      accessToken: tokenData.accessToken,
      accessTokenExpiresAt: tokenData.accessTokenExpiresAt,
      refreshToken: tokenData.refreshToken,
      refreshTokenExpiresAt: tokenData.refreshTokenExpiresAt,
      scope: tokenData.scope,
      client,
      user,
    };
    accessTokens.set(saved.accessToken, saved);
    if (saved.refreshToken) refreshTokens.set(saved.refreshToken, saved);
    return saved;
  },

  async getAccessToken(accessToken) {
    return accessTokens.get(accessToken);
  },

  async getRefreshToken(refreshToken) {
    return refreshTokens.get(refreshToken);
  },

  // Called by the refresh_token grant to retire the refresh token it used.
  async revokeToken(tokenData) {
    return refreshTokens.delete(tokenData.refreshToken);
  },

  async verifyScope(tokenData, scope) {
    if (!tokenData.scope) return false;
    return scope.every((s) => tokenData.scope.includes(s));
  },
};
