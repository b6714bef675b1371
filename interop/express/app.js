// A minimal Express app on Okta's own OIDC middleware (@okta/oidc-middleware,
// the library of the guide's okta-hosted-login sample), used to prove that
// local-okta works with Okta's SDKs: sign in with the Authorization Code
// flow, read the token inline hook's claim from the ID token, sign out.
//
// Configuration, from the environment as the guide's sample reads its testenv:
//   ISSUER         the custom authorization server, e.g. http://localhost:8081/oauth2/default
//   CLIENT_ID      the app integration's client id
//   CLIENT_SECRET  its client secret
//   APP_BASE_URL   this app's own URL, e.g. http://127.0.0.1:3000
//   PORT           the port to listen on (on 127.0.0.1)
//
// It prints "listening on <APP_BASE_URL>" once the middleware has read the
// issuer's discovery document, so a test can wait for that line.
'use strict';

const express = require('express');
const session = require('express-session');
const crypto = require('crypto');
const { ExpressOIDC } = require('@okta/oidc-middleware');

const required = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set`);
    process.exit(2);
  }
  return value;
};

const issuer = required('ISSUER');
const appBaseUrl = required('APP_BASE_URL');
const port = Number(required('PORT'));

const oidc = new ExpressOIDC({
  issuer,
  client_id: required('CLIENT_ID'),
  client_secret: required('CLIENT_SECRET'),
  appBaseUrl,
  scope: 'openid profile email',
  routes: { loginCallback: { path: '/authorization-code/callback' } },
  // local-okta speaks plain http on loopback; a real Okta org is https.
  testing: { disableHttpsCheck: issuer.startsWith('http://') },
});

const app = express();
app.use(session({
  name: 'express_interop_sid',
  secret: crypto.randomBytes(32).toString('hex'),
  resave: false,
  saveUninitialized: false,
}));
app.use(oidc.router);

app.get('/', (req, res) => {
  res.json({ signedIn: Boolean(req.userContext) });
});

// The guide's My Profile extension: the claims of the ID token itself,
// where the hook's claim is (userinfo never carries it).
app.get('/profile', oidc.ensureAuthenticated(), (req, res) => {
  const payload = req.userContext.tokens.id_token.split('.')[1];
  res.json(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
});

oidc.on('ready', () => {
  app.listen(port, '127.0.0.1', () => console.log(`listening on ${appBaseUrl}`));
});
oidc.on('error', (error) => {
  console.error(`oidc error: ${error.message}`);
  process.exit(1);
});
