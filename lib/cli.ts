#!/usr/bin/env node
/**
 * `npx @authflow/node-red-api-auth hash-password [--bcrypt] [--cost N]`: prints a
 * password hash for a user list. Reads the password from stdin (piped) or asks
 * for it without echo, so it never lands in shell history.
 *
 * The bin is named like the package (node-red-api-auth), so npx resolves the
 * scoped name to this package wherever it is typed: installed (the Node-RED user
 * directory) it runs that copy, elsewhere npx fetches this package by its full
 * name. A short unscoped name (the old `authflow`) made npx look up an unrelated
 * registry package outside an install directory.
 *
 * `client-secret <client_id>`: a new OAuth client secret and its hash (below).
 */
import { hashPasswordScrypt } from './passwords/scrypt';
import bcrypt from 'bcryptjs';
import { ClientSecretHasher } from './oauth2/client-secrets';

function readPassword(): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    return new Promise((resolve) => {
      let data = '';
      stdin.setEncoding('utf8');
      stdin.on('data', (d) => (data += d));
      stdin.on('end', () => resolve(data.replace(/\r?\n$/, '')));
    });
  }
  process.stderr.write('Password: ');
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  return new Promise((resolve) => {
    let data = '';
    stdin.on('data', function onData(ch: string) {
      if (ch === '\r' || ch === '\n' || ch === '\u0004') {
        stdin.setRawMode(false);
        stdin.pause();
        stdin.off('data', onData);
        process.stderr.write('\n');
        resolve(data);
      } else if (ch === '\u0003') {
        process.exit(130);
      } else if (ch === '\u007f') {
        data = data.slice(0, -1);
      } else {
        data += ch;
      }
    });
  });
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'client-secret') return clientSecret(rest);
  if (command !== 'hash-password') {
    process.stderr.write(
      'usage: npx @authflow/node-red-api-auth hash-password [--bcrypt] [--cost N]\n' +
      '  Prints a hash for a user list; the password comes from stdin or a prompt without echo.\n' +
      '  Run it in your Node-RED user directory (e.g. ~/.node-red) to use the installed copy.\n' +
      'usage: AUTHFLOW_CLIENT_SECRET_KEY=… npx @authflow/node-red-api-auth client-secret <client_id>\n' +
      '  Prints a new OAuth client secret (shown once) and its hash for the oauth2 server\'s client list.\n',
    );
    return 2;
  }
  const costAt = rest.indexOf('--cost');
  const cost = costAt >= 0 ? Number(rest[costAt + 1]) : undefined;
  const password = await readPassword();
  if (!password) {
    process.stderr.write('empty password refused\n');
    return 1;
  }
  const hash = rest.includes('--bcrypt')
    ? await bcrypt.hash(password.normalize('NFC'), cost ?? 10)
    : await hashPasswordScrypt(password, cost ? { ln: cost } : {});
  process.stdout.write(hash + '\n');
  return 0;
}

/**
 * `client-secret <client_id>`: a new OAuth client secret (256 bits, shown
 * once) and its hash under the oauth2 server's secret key, read from the
 * environment (never an argument: it would land in shell history).
 */
function clientSecret(args: string[]): number {
  const clientId = args[0];
  const key = process.env.AUTHFLOW_CLIENT_SECRET_KEY;
  if (!clientId || !key) {
    process.stderr.write('usage: AUTHFLOW_CLIENT_SECRET_KEY=<the oauth2 server\'s secret key> npx @authflow/node-red-api-auth client-secret <client_id>\n');
    return 2;
  }
  try {
    const { secret, hash } = new ClientSecretHasher(key).generate(clientId);
    process.stdout.write(JSON.stringify({ client_id: clientId, client_secret: secret, hash }, null, 2) + '\n');
    process.stderr.write('Give client_secret to the client now (it is not stored anywhere); put hash into its client_secrets.\n');
    return 0;
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
