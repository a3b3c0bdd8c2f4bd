// The OpenID provider of the OpenID Connect tests: the certified oidc-provider package with a small configuration
// of ours. Usage: node provider.mjs <config.json>. The test fixture writes the file (port, signing key, accounts,
// clients known from the start) and waits until the discovery document answers.
//
// Test-only choices, never for a real deployment:
// - open dynamic client registration, so each test registers a client with its own gateway's port;
// - the provider's own development login page (any password), so tests and a browser can sign in;
// - grants given without a consent page;
// - `fetch` replaced so back-channel logout tokens may be sent to loopback addresses (oidc-provider refuses
//   special-use addresses otherwise);
// - POST /test/tamper: the next token responses to one client carry an ID token with claims changed or signed by
//   another key, so the gateway's validation of a real token response can be tested.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';
import { SignJWT, importJWK, decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issuer = `http://127.0.0.1:${config.port}`;
const accounts = config.accounts;
const signingJwk = config.jwks.keys[0];

const provider = new Provider(issuer, {
  clients: config.clients ?? [],
  jwks: config.jwks,
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  claims: {
    openid: ['sub'],
    profile: ['preferred_username', 'name'],
    email: ['email', 'email_verified'],
    groups: ['groups'],
  },
  scopes: ['openid', 'profile', 'email', 'groups'],
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    registration: { enabled: true },
    backchannelLogout: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = `<!doctype html><html><head><title>Sign out</title></head><body>
          <h1>Sign out from the test provider?</h1>${form}
          <button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
          </body></html>`;
      },
      postLogoutSuccessSource: async (ctx) => {
        ctx.body = '<!doctype html><html><head><title>Signed out</title></head><body><h1>Signed out</h1></body></html>';
      },
    },
  },
  async findAccount(ctx, id) {
    const account = Object.hasOwn(accounts, id) ? accounts[id] : undefined;
    if (!account) {
      return undefined;
    }
    return { accountId: id, claims: async () => ({ sub: id, ...account }) };
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      return ctx.oidc.provider.Grant.find(grantId);
    }
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile email groups');
    await grant.save();
    return grant;
  },
  fetch: (url, options) => {
    // The SSRF guard's dispatcher refuses loopback; the test gateways listen on nothing else.
    delete options.dispatcher;
    return globalThis.fetch(url, options);
  },
  ttl: { Session: 3600, Interaction: 600, Grant: 3600, IdToken: 300, AccessToken: 300, AuthorizationCode: 60 },
});

// client_id -> { claims: {...}, key: 'other' | undefined, times: n }
const tampering = new Map();
const otherKey = await generateKeyPair('RS256');

provider.use(async (ctx, next) => {
  if (ctx.method === 'POST' && ctx.path === '/test/tamper') {
    const body = JSON.parse(await readBody(ctx.req));
    tampering.set(body.client_id, { claims: body.claims ?? {}, key: body.key, times: body.times ?? 1 });
    ctx.status = 204;
    return;
  }
  await next();
  if (ctx.path === '/token' && ctx.status === 200 && ctx.body?.id_token) {
    const clientId = decodeJwt(ctx.body.id_token).aud;
    const tamper = tampering.get(clientId);
    if (tamper && tamper.times > 0) {
      tamper.times -= 1;
      ctx.body = { ...ctx.body, id_token: await resign(ctx.body.id_token, tamper) };
    }
  }
});

async function resign(token, tamper) {
  const header = decodeProtectedHeader(token);
  const payload = { ...decodeJwt(token), ...tamper.claims };
  for (const [name, value] of Object.entries(payload)) {
    if (value === null) {
      delete payload[name];
    }
  }
  const key = tamper.key === 'other' ? otherKey.privateKey : await importJWK(signingJwk, 'RS256');
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: header.kid, typ: header.typ }).sign(key);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

provider.on('server_error', (ctx, error) => console.error('server_error', error));
provider.on('backchannel.error', (ctx, error, client) => console.error('backchannel.error', client.clientId, error.message));
provider.on('backchannel.success', (ctx, client) => console.log('backchannel.success', client.clientId));

const server = provider.listen(config.port, '127.0.0.1', () => console.log(`listening ${issuer}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
