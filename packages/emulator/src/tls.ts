// HTTPS for the emulator: a throw-away CA (basicConstraints CA:TRUE) and a server certificate it signs
// for 127.0.0.1, ::1 and localhost, made at start: node-forge builds the X.509 structures, Node's own
// crypto makes the RSA keys (both at once, off the main thread) and the signatures (forge's pure-JS
// signing took ~0.7 s per certificate). Or a certificate and key the caller brings. The CA goes to a file so clients can trust it
// (NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE, SSL_CERT_FILE).
import { generateKeyPair, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
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

interface Keys {
  /** PEM (PKCS #8), for Node's signing and the server. */
  pem: string;
  publicKey: forge.pki.rsa.PublicKey;
}

async function rsaKeys(): Promise<Keys> {
  const { privateKey } = await promisify(generateKeyPair)('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const priv = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  return { pem: privateKey, publicKey: forge.pki.rsa.setPublicKey(priv.n, priv.e) };
}

function certificate(
  subject: forge.pki.CertificateField[],
  keys: Keys,
  issuer: { name: forge.pki.CertificateField[]; key: Keys },
  extensions: object[],
  now: number,
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = positiveSerial();
  cert.validity.notBefore = new Date(now - DAY);
  cert.validity.notAfter = new Date(now + 30 * DAY);
  cert.setSubject(subject);
  cert.setIssuer(issuer.name);
  cert.setExtensions(extensions);
  // What forge's cert.sign() does, with Node's RSA: sign the DER of the TBSCertificate.
  const sha256WithRSA = forge.pki.oids.sha256WithRSAEncryption as string;
  cert.siginfo.algorithmOid = sha256WithRSA;
  cert.signatureOid = sha256WithRSA;
  const pki = forge.pki as typeof forge.pki & { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 };
  const tbs = Buffer.from(forge.asn1.toDer(pki.getTBSCertificate(cert)).getBytes(), 'binary');
  cert.signature = sign('sha256', tbs, issuer.key.pem).toString('binary');
  return cert;
}

/**
 * A random certificate serial as forge takes it (hex), positive and in minimal DER: the first byte in
 * 0x40–0x7f (top bit clear, never a leading zero byte). A leading 0x00 before a byte below 0x80 is
 * non-minimal DER, which OpenSSL 3.5 (Node 24) refuses to load from NODE_EXTRA_CA_CERTS ("ASN1 lib").
 */
export function positiveSerial(bytes: Buffer = randomBytes(16)): string {
  const serial = Buffer.from(bytes);
  serial[0] = ((serial[0] as number) & 0x3f) | 0x40;
  return serial.toString('hex');
}

/** A new CA and a server certificate it signs for 127.0.0.1, ::1 and localhost; the CA's PEM written to a temp file. */
export async function makeTestCa(now = Date.now()): Promise<TlsMaterial> {
  const [caKeys, serverKeys] = await Promise.all([rsaKeys(), rsaKeys()]);
  const caName = [
    { name: 'commonName', value: 'dbss-emulator test CA' },
    { name: 'organizationName', value: 'dbss-obs' },
  ];
  const caCert = certificate(
    caName,
    caKeys,
    { name: caName, key: caKeys },
    [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ],
    now,
  );
  const serverCert = certificate(
    [{ name: 'commonName', value: 'localhost' }],
    serverKeys,
    { name: caName, key: caKeys },
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
    key: serverKeys.pem,
    ca,
    caFile,
  };
}

/** The TLS material for `option`: made at start, or read from the caller's files (errors name the file). */
export async function tlsMaterial(option: TlsOption): Promise<TlsMaterial> {
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
