// Verifies tokens the way a backend would: jose, with the key set fetched over HTTP from the gateway.
// Reads lines "token<TAB>audience" on stdin and answers each with one line of JSON: {"ok":true,"header":…,"payload":…}
// or {"ok":false,"code":…,"message":…}. Usage: node verify.mjs JWKS_URL ISSUER
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { createInterface } from 'node:readline';

const [jwksUrl, issuer] = process.argv.slice(2);
const keys = createRemoteJWKSet(new URL(jwksUrl), { cooldownDuration: 0, cacheMaxAge: 0 });
for await (const line of createInterface({ input: process.stdin })) {
  const [token, audience] = line.split('\t');
  try {
    const { payload, protectedHeader } = await jwtVerify(token, keys, { issuer, audience, algorithms: ['ES256'], maxTokenAge: '60s' });
    process.stdout.write(JSON.stringify({ ok: true, header: protectedHeader, payload }) + '\n');
  } catch (error) {
    process.stdout.write(JSON.stringify({ ok: false, code: error.code ?? error.name, message: error.message }) + '\n');
  }
}
