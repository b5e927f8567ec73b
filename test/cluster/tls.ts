/**
 * Certificates for the mutual-TLS cluster: a throw-away CA, a server certificate for the frontend
 * (SAN 127.0.0.1 and localhost, so clients can dial the IP with no server-name override) and a
 * client certificate. Made with `openssl` in the suite's temp folder; valid for two days.
 *
 * The extensions are spelled out because the Rust core of the TypeScript SDK's worker (rustls /
 * webpki) rejects what Go and Node would let through: a CA without CA:TRUE, or a leaf without SAN.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run } from './run';

export interface TlsFiles {
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  /** The name the server certificate is issued to (also valid: 127.0.0.1). */
  serverName: string;
}

async function ensureOpenssl(log: (msg: string) => void): Promise<void> {
  if ((await run('sh', ['-c', 'command -v openssl || true'])).trim()) return;
  log('openssl: not installed, installing it with apt-get...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update'], { env });
  await run('apt-get', ['install', '-y', 'openssl'], { env });
}

// P-256 keys: quick to make, and accepted by Go (server), grpc-js (client) and rustls (worker).
const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export async function makeTlsFiles(dir: string, log: (msg: string) => void): Promise<TlsFiles> {
  await ensureOpenssl(log);
  mkdirSync(dir, { recursive: true });
  const f = (name: string) => path.join(dir, name);
  const files: TlsFiles = {
    caFile: f('ca.pem'),
    serverCertFile: f('server.pem'),
    serverKeyFile: f('server.key'),
    clientCertFile: f('client.pem'),
    clientKeyFile: f('client.key'),
    serverName: 'localhost',
  };

  await run('openssl', [
    'req', '-x509', ...newKey, '-keyout', f('ca.key'), '-out', files.caFile, '-days', '2',
    '-subj', '/CN=rebound cluster test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);

  const leaf = async (name: string, cn: string, ext: string[]) => {
    writeFileSync(f(`${name}.ext`), ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', ...ext, ''].join('\n'));
    await run('openssl', ['req', ...newKey, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`]);
    await run('openssl', [
      'x509', '-req', '-in', f(`${name}.csr`), '-CA', files.caFile, '-CAkey', f('ca.key'), '-CAcreateserial',
      '-days', '2', '-out', f(`${name}.pem`), '-extfile', f(`${name}.ext`),
    ]);
  };
  await leaf('server', 'localhost', ['extendedKeyUsage=serverAuth', 'subjectAltName=DNS:localhost,IP:127.0.0.1']);
  await leaf('client', 'rebound-test-client', ['extendedKeyUsage=clientAuth', 'subjectAltName=DNS:rebound-test-client']);
  return files;
}
