// panva/oidc-provider as an interop target for oauthcheck, on loopback only.
//
// The provider runs with the library's defaults and its stock development
// login/consent pages (devInteractions) and in-memory adapter. What is set
// here, and why (see docs/interop-setup.md):
//   * three static clients and one test user (registration);
//   * claims for the `email` and `profile` scopes, so the harness has a
//     second, ungranted scope to ask for in escalation tests;
//   * features.revocation and features.introspection switched on (RFC 7009,
//     RFC 7662; off by default);
//   * issueRefreshToken: refresh tokens for every client allowed the
//     refresh_token grant. The default needs `offline_access`, which the
//     library keeps only with `prompt=consent`; oauthcheck sends neither;
//   * a password check in front of the dev login form, which by itself
//     accepts any login and password;
//   * fixed cookie signing keys (the library asks for them in production).
// Every secret in this file is for local testing only.

import * as querystring from 'node:querystring';

import Provider from 'oidc-provider';

const HOST = '127.0.0.1';
const PORT = Number.parseInt(process.env.PORT ?? '9401', 10);
const ISSUER = `http://${HOST}:${PORT}`;

const USERS = new Map([
  ['alice', {
    password: 'alice-password-TEST-ONLY',
    claims: { email: 'alice@example.test', email_verified: true, name: 'Alice Liddell' },
  }],
]);

const configuration = {
  clients: [
    {
      // Confidential; token_endpoint_auth_method left at its default,
      // client_secret_basic.
      client_id: 'harness-client',
      client_secret: 'harness-secret-TEST-ONLY-0123456789',
      redirect_uris: ['http://127.0.0.1:9999/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    },
    {
      client_id: 'harness-client-2',
      client_secret: 'harness-secret-2-TEST-ONLY-0123456789',
      redirect_uris: ['http://127.0.0.1:9999/callback-2'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
    {
      // Public: no secret; the library requires PKCE for it.
      client_id: 'harness-public',
      redirect_uris: ['http://127.0.0.1:9999/public-callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
  ],

  async findAccount(ctx, sub) {
    const user = USERS.get(sub);
    if (!user) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, ...user.claims };
      },
    };
  },

  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },

  features: {
    revocation: { enabled: true },
    introspection: { enabled: true },
  },

  async issueRefreshToken(ctx, client) {
    return client.grantTypeAllowed('refresh_token');
  },

  cookies: { keys: ['oauthcheck-interop-cookie-key-TEST-ONLY'] },
};

const provider = new Provider(ISSUER, configuration);

// The dev login form posts `prompt=login&login=…&password=…` to
// /interaction/:uid and devInteractions log in whoever is named. Check the
// password first; a wrong one gets a 401 page and the interaction stays open.
// The body read here is handed on as req.body, which oidc-provider's own
// body parser accepts (it logs a one-time notice about it).
provider.use(async (ctx, next) => {
  const isLoginSubmit = ctx.method === 'POST'
    && /^\/interaction\/[^/]+$/.test(ctx.path)
    && ctx.is('application/x-www-form-urlencoded');
  if (!isLoginSubmit) return next();

  const chunks = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += chunk.length;
    if (size > 56 * 1024) ctx.throw(413, 'request entity too large');
    chunks.push(chunk);
  }
  const body = querystring.parse(Buffer.concat(chunks).toString('utf8'));
  ctx.req.body = body;

  if (body.prompt === 'login') {
    const user = typeof body.login === 'string' ? USERS.get(body.login) : undefined;
    if (!user || body.password !== user.password) {
      ctx.status = 401;
      ctx.type = 'html';
      ctx.set('cache-control', 'no-store');
      ctx.body = `<!DOCTYPE html>
<html><head><title>Sign-in failed</title></head>
<body><p class="error">Invalid username or password.</p>
<p>Go back and try again.</p></body></html>`;
      return undefined;
    }
  }
  return next();
});

provider.listen(PORT, HOST, () => {
  console.log(`oidc-provider listening on ${ISSUER}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}
