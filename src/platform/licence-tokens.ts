import { randomToken } from './crypto.ts';

// Tokens that name their licence. When the tenant tables are sharded by licence (docs/scaling.md),
// a lookup by token hash alone would ask every shard; a token that starts with its licence's id
// lets the lookup be `WHERE licence_id = $1 AND token_hash = $2`, one shard. The id is not a secret
// (the secret is the 256 random bits after it) and the whole token is what is hashed and stored.
//
// Layout: [prefix] + licence id (16 bytes, 22 base64url characters) + 256 random bits (43 characters).
// Tokens issued before migration 0013 are the prefix and 43 characters, with no licence.

const LICENCE_PART = 22;
const SECRET_PART = 43;

export function licenceToken(licenceId: string, prefix = ''): string {
  return randomToken(prefix + Buffer.from(licenceId.replaceAll('-', ''), 'hex').toString('base64url'));
}

/**
 * The licence a token names, or null when it names none: a token from before 0013 (`legacy`), or
 * anything malformed (`invalid`: no row can match it).
 */
export function licenceOfToken(token: string, prefix = ''): { licenceId: string } | { legacy: true } | null {
  if (!token.startsWith(prefix)) return null;
  const body = token.slice(prefix.length);
  if (body.length === SECRET_PART) return { legacy: true };
  if (body.length !== LICENCE_PART + SECRET_PART) return null;
  const part = body.slice(0, LICENCE_PART);
  const bytes = Buffer.from(part, 'base64url');
  // Re-encoding refuses characters base64url would skip and non-canonical trailing bits.
  if (bytes.length !== 16 || bytes.toString('base64url') !== part) return null;
  const hex = bytes.toString('hex');
  return { licenceId: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}` };
}
