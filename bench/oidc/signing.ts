// One JWT signature as the provider makes it, two ways: jose's CompactSign over WebCrypto (a job on
// the thread pool, and back) and node:crypto's sign in the calling thread (what src/features/oidc/signing.ts
// gives the provider). Prints wall time and the process's CPU time (every thread) per signature.
//   node --import tsx bench/oidc/signing.ts [--signatures 2000]
//   taskset -c 0 node --import tsx bench/oidc/signing.ts   # on one core, as a busy server's core
import { generateKeyPairSync, sign } from 'node:crypto';
import { parseArgs } from 'node:util';
import { CompactSign, importJWK } from 'jose';

const { values } = parseArgs({ options: { signatures: { type: 'string', default: '2000' } } });
const N = Number(values.signatures);
// An access token's claims, about the size the provider signs.
const payload = Buffer.from(JSON.stringify({ sub: crypto.randomUUID(), iss: 'http://localhost:3000', aud: 'http://localhost:3000/api/v1', exp: 1, iat: 1, jti: crypto.randomUUID(), scope: 'api', client_id: crypto.randomUUID() }));

const rows: Record<string, { 'wall µs': string; 'CPU µs (all threads)': string }> = {};
for (const alg of ['ES256', 'RS256'] as const) {
  const { privateKey } = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const webCryptoKey = await importJWK(privateKey.export({ format: 'jwk' }), alg);
  const nodeKey = alg === 'ES256' ? { key: privateKey, dsaEncoding: 'ieee-p1363' as const } : privateKey;
  const ways = {
    'jose, WebCrypto': () => new CompactSign(payload).setProtectedHeader({ alg }).sign(webCryptoKey),
    'node:crypto, same thread': async () => sign('sha256', payload, nodeKey),
  };
  for (const [way, once] of Object.entries(ways)) {
    for (let i = 0; i < 100; i++) await once(); // warm-up
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < N; i++) await once();
    const used = process.cpuUsage(cpu);
    rows[`${alg}, ${way}`] = { 'wall µs': (((performance.now() - started) * 1000) / N).toFixed(1), 'CPU µs (all threads)': ((used.user + used.system) / N).toFixed(1) };
  }
}
console.log(`${N} signatures each, node ${process.version}, ${new Date().toISOString()}`);
console.table(rows);
