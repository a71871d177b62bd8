import { hash, verify } from '@node-rs/argon2';
import { createHash, createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';

/** A random 256-bit secret, URL-safe: session tokens, reset links, operator tokens. */
export function randomToken(prefix = ''): string {
  return prefix + randomBytes(32).toString('base64url');
}

/** Tokens are stored as their SHA-256: a leaked table gives no usable token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A value derived from a secret that the holder of the secret can recompute, e.g. a session's CSRF token. */
export function deriveToken(secret: string, purpose: string): string {
  return createHmac('sha256', secret).update(purpose).digest('base64url');
}

export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

// argon2id with OWASP's recommended parameters: 19 MiB of memory, 2 iterations, 1 lane.
const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

// At most as many argon2id computations at once as the process has CPUs (its affinity, read at each
// call): more would only take turns on the same cores, each evicting the others' 19 MiB from the
// caches (a sign-in then costs more CPU than the hash alone), and hold 19 MiB each while they wait.
// The others wait their turn in order; nothing is skipped, so the cost and the timing stay the same.
let hashing = 0;
const waitingToHash: (() => void)[] = [];

async function inHashSlot<T>(work: () => Promise<T>): Promise<T> {
  if (hashing < availableParallelism()) hashing++;
  else await new Promise<void>((resolve) => waitingToHash.push(resolve));
  try {
    return await work();
  } finally {
    // The slot passes to the next in line, or is given back.
    const next = waitingToHash.shift();
    if (next) next();
    else hashing--;
  }
}

export function hashPassword(password: string): Promise<string> {
  return inHashSlot(() => hash(password, ARGON2_OPTIONS));
}

export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  // An account without a password still costs a hash, so timing does not tell it apart.
  if (passwordHash === null) {
    await hashPassword(password);
    return false;
  }
  try {
    return await inHashSlot(() => verify(passwordHash, password));
  } catch {
    return false;
  }
}

/**
 * A new key pair (RSA 2048 or EC P-256), as keys with no tie to the job that generated them. Node 20
 * can deadlock when a key made by generateKeyPairSync is exported (as a JWK, say) while the garbage
 * collector frees that generation job: the export holds the key's lock while it allocates, the
 * allocation runs the collector, and the job's destructor waits for the same lock, for ever (seen
 * as a process idle on a futex with its timers stopped). So the pair comes out of the generation as
 * DER bytes and is imported again; only the imported keys are handed out.
 */
export function generateDetachedKeyPair(kind: 'rsa' | 'ec'): { privateKey: KeyObject; publicKey: KeyObject } {
  const pair =
    kind === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'der' }, publicKeyEncoding: { type: 'spki', format: 'der' } })
      : generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'der' }, publicKeyEncoding: { type: 'spki', format: 'der' } });
  return {
    privateKey: createPrivateKey({ key: pair.privateKey, format: 'der', type: 'pkcs8' }),
    publicKey: createPublicKey({ key: pair.publicKey, format: 'der', type: 'spki' }),
  };
}
