// HTTPS for the emulator: a throw-away CA (basicConstraints CA:TRUE) and a server certificate it signs
// for 127.0.0.1, ::1 and localhost, made at start with node-forge (RSA keys from Node's own crypto), or a
// certificate and key the caller brings. The CA goes to a file so clients can trust it
// (NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE, SSL_CERT_FILE).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';

/** What `startEmulator({ tls })` takes: `true` for a CA made at start, or PEM files. */
export type TlsOption = true | { certFile: string; keyFile: string; caFile?: string };

export interface TlsMaterial {
  cert: string;
  key: string;
  /** The CA that signed `cert`, PEM (absent when the caller brought a certificate without one). */
  ca: string | undefined;
  /** Where the CA's PEM is (absent when the caller brought a certificate without one). */
  caFile: string | undefined;
}

const DAY = 24 * 60 * 60 * 1000;

function rsaKeys(): forge.pki.rsa.KeyPair {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const priv = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  return { privateKey: priv, publicKey: forge.pki.rsa.setPublicKey(priv.n, priv.e) };
}

function certificate(
  subject: forge.pki.CertificateField[],
  keys: forge.pki.rsa.KeyPair,
  issuer: { name: forge.pki.CertificateField[]; key: forge.pki.rsa.PrivateKey },
  extensions: object[],
  now: number,
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  // A positive serial: the top bit cleared.
  cert.serialNumber = `0${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(now - DAY);
  cert.validity.notAfter = new Date(now + 30 * DAY);
  cert.setSubject(subject);
  cert.setIssuer(issuer.name);
  cert.setExtensions(extensions);
  cert.sign(issuer.key, forge.md.sha256.create());
  return cert;
}

/** A new CA and a server certificate it signs for 127.0.0.1, ::1 and localhost; the CA's PEM written to a temp file. */
export function makeTestCa(now = Date.now()): TlsMaterial {
  const caKeys = rsaKeys();
  const caName = [
    { name: 'commonName', value: 'dbss-emulator test CA' },
    { name: 'organizationName', value: 'dbss-obs' },
  ];
  const caCert = certificate(
    caName,
    caKeys,
    { name: caName, key: caKeys.privateKey },
    [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ],
    now,
  );
  const serverKeys = rsaKeys();
  const serverCert = certificate(
    [{ name: 'commonName', value: 'localhost' }],
    serverKeys,
    { name: caName, key: caKeys.privateKey },
    [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
      { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
    ],
    now,
  );
  const ca = forge.pki.certificateToPem(caCert);
  const caFile = join(mkdtempSync(join(tmpdir(), 'dbss-emulator-ca-')), 'ca.pem');
  writeFileSync(caFile, ca, { mode: 0o644 });
  return {
    cert: forge.pki.certificateToPem(serverCert),
    key: forge.pki.privateKeyToPem(serverKeys.privateKey),
    ca,
    caFile,
  };
}

/** The TLS material for `option`: made at start, or read from the caller's files (errors name the file). */
export function tlsMaterial(option: TlsOption): TlsMaterial {
  if (option === true) return makeTestCa();
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`cannot read the TLS ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  };
  const cert = read(option.certFile, 'certificate');
  const key = read(option.keyFile, 'key');
  const ca = option.caFile ? read(option.caFile, 'CA') : undefined;
  return { cert, key, ca, caFile: option.caFile };
}
