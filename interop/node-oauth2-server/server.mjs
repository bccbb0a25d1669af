// @node-oauth/oauth2-server in a plain express app, as an interop target for
// oauthcheck, on loopback only.
//
//   GET  /authorize   login form (no session yet) or consent form
//   POST /authorize   login (username + password), or the consent answer,
//                     which goes to oauth.authorize()
//   POST /token       oauth.token()
//   GET  /api/me      a protected resource behind oauth.authenticate()
//
// Library options are the defaults (code lifetime 300 s, access token 1 h,
// refresh token 2 weeks with rotation, PKCE S256, state required), except
// requireClientAuthentication.refresh_token = false, so that the public
// client can refresh; PUBLIC_REFRESH=0 turns that off. See
// docs/interop-setup.md. Every secret here is for local testing only.

import express from 'express';
import session from 'express-session';
import OAuth2Server from '@node-oauth/oauth2-server';

import { findClient, findUser, model } from './model.mjs';

const { Request, Response } = OAuth2Server;

const HOST = '127.0.0.1';
const PORT = Number.parseInt(process.env.PORT ?? '9402', 10);
const PUBLIC_REFRESH = process.env.PUBLIC_REFRESH !== '0';

const oauth = new OAuth2Server({
  model,
  ...(PUBLIC_REFRESH ? { requireClientAuthentication: { refresh_token: false } } : {}),
});

const app = express();

app.use(session({
  name: 'sid',
  secret: 'oauthcheck-interop-session-secret-TEST-ONLY',
  resave: false,
  saveUninitialized: false,
  cookie: { httpOnly: true, sameSite: 'lax' },
}));
app.use(express.urlencoded({ extended: false }));

const escapeHtml = (value) => String(value ?? '').replace(/[&<>"']/g, (c) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
}[c]));

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>
`;
}

// The forms post back to the current URL, so the authorization request's
// parameters stay in the query string from the first GET to the last POST.
function loginPage(error) {
  return page('Sign in', `${error ? `<p class="error">${escapeHtml(error)}</p>` : ''}
<form method="post">
  <label>Username <input type="text" name="username" autocomplete="username" required></label>
  <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
  <button type="submit">Sign in</button>
</form>`);
}

function consentPage(user, query) {
  const client = findClient(query.client_id);
  const scope = query.scope || 'read';
  return page('Authorize access', `<p>Signed in as ${escapeHtml(user.username)}.</p>
<p>The application <strong>${escapeHtml(client ? client.id : query.client_id)}</strong>
asks for access to your account with the scope <code>${escapeHtml(scope)}</code>.</p>
<form method="post">
  <button type="submit" name="allowed" value="true">Approve</button>
  <button type="submit" name="allowed" value="false">Deny</button>
</form>`);
}

app.get('/authorize', (req, res) => {
  if (!req.session.user) {
    res.send(loginPage());
    return;
  }
  res.send(consentPage(req.session.user, req.query));
});

app.post('/authorize', async (req, res, next) => {
  // The login form.
  if (req.body.password !== undefined) {
    const user = findUser(req.body.username, req.body.password);
    if (!user) {
      res.status(401).send(loginPage('Invalid username or password.'));
      return;
    }
    req.session.regenerate((err) => {
      if (err) return next(err);
      req.session.user = { id: user.id, username: user.username };
      return res.redirect(303, req.originalUrl);
    });
    return;
  }

  // The consent form: `allowed=false` (Deny) makes oauth.authorize() answer
  // access_denied to the client.
  const { user } = req.session;
  if (!user) {
    res.send(loginPage());
    return;
  }
  const request = new Request(req);
  const response = new Response(res);
  try {
    await oauth.authorize(request, response, {
      authenticateHandler: { handle: () => user },
    });
  } catch (err) {
    // When the client and its redirect URI check out, the library has
    // already prepared the error redirect; otherwise there is nobody to
    // redirect to and the user gets an error page.
    if (!response.get('location')) {
      res.status(err.code || 500).send(page('Authorization error',
        `<p>${escapeHtml(err.name)}: ${escapeHtml(err.message)}</p>`));
      return;
    }
  }
  res.status(response.status).set(response.headers).end();
});

app.post('/token', async (req, res) => {
  const request = new Request(req);
  const response = new Response(res);
  try {
    await oauth.token(request, response);
  } catch {
    // The library has put the error in the response.
  }
  res.status(response.status).set(response.headers).json(response.body);
});

app.get('/api/me', async (req, res) => {
  const request = new Request(req);
  const response = new Response(res);
  try {
    const token = await oauth.authenticate(request, response);
    res.set(response.headers).json({ sub: token.user.id, client_id: token.client.id, scope: token.scope });
  } catch (err) {
    res.status(err.code || 500).set(response.headers);
    // No credentials at all: a bare challenge (RFC 6750 §3.1).
    if (err instanceof OAuth2Server.UnauthorizedRequestError) {
      res.end();
      return;
    }
    res.json({ error: err.name, error_description: err.message });
  }
});

app.listen(PORT, HOST, () => {
  console.log(`node-oauth2-server listening on http://${HOST}:${PORT}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}
