// `npm run token -- --role operator --desk PO-NORD`: mints a development token signed with
// the local token-signing key (created if missing), for the embedded default only.
import { isAbsolute } from 'node:path';
import { parseArgs } from 'node:util';
import { DEV_TOKEN_AUDIENCE, DEV_TOKEN_ISSUER } from '../gateway/config.js';
import { mintDevToken } from '../lib/auth/dev-tokens.js';
import { ensureKeyPair, loadPrivateKey } from '../lib/auth/keys.js';
import { isRole } from '../lib/auth/principal.js';
import { isValidFiscalCode } from '../lib/fiscal-code.js';
import { projectPath } from '../lib/project-files.js';

const usage = `usage: npm run token -- --role citizen|operator|analyst|partner [options]
  --subject ID       who the token is for (default: a name derived from the role)
  --desk CODE        operator: the registry code of their desk (for example PO-NORD)
  --org CODE         partner: their organisation (for example CNA)
  --worker ID        citizen: their IDOL worker id (the subject)
  --fiscal-code CF   citizen: their fiscal code
  --expires 8h       lifetime (s, m, h, d)`;

const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    subject: { type: 'string' },
    desk: { type: 'string' },
    org: { type: 'string' },
    worker: { type: 'string' },
    'fiscal-code': { type: 'string' },
    expires: { type: 'string', default: '8h' },
    help: { type: 'boolean' },
  },
});

function fail(message: string): never {
  console.error(`${message}\n\n${usage}`);
  process.exit(2);
}

const role = values.role;
if (values.help || !isRole(role) || role === 'public')
  fail('--role is required (the public role needs no token)');
if (role === 'operator' && !values.desk) fail('an operator token needs --desk');
if (role === 'partner' && !values.org) fail('a partner token needs --org');
if (
  role === 'citizen' &&
  !(values.worker && values['fiscal-code'] && isValidFiscalCode(values['fiscal-code']))
) {
  fail('a citizen token needs --worker and a valid --fiscal-code');
}
if (!/^\d+[smhd]$/.test(values.expires)) fail('--expires takes a number and s, m, h or d');

const keysDir = process.env.KEYS_DIR ?? 'data/keys';
const root = isAbsolute(keysDir) ? keysDir : projectPath(keysDir);
const files = await ensureKeyPair(root, 'token-signing');
const token = await mintDevToken(
  await loadPrivateKey(files.privateFile),
  {
    role,
    subject: values.worker ?? values.subject ?? `${role}-dev`,
    desk: values.desk,
    organization: values.org,
    fiscalCode: values['fiscal-code'],
    expiresIn: values.expires,
  },
  {
    issuer: process.env.AUTH_ISSUER ?? DEV_TOKEN_ISSUER,
    audience: process.env.AUTH_AUDIENCE ?? DEV_TOKEN_AUDIENCE,
  },
);
console.log(token);
