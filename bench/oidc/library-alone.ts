// oidc-provider alone, as its own examples run it: its Koa application on a plain Node HTTP server,
// an in-memory adapter (a Map: the library's own keeps 1,000 artefacts only), static clients, keys
// held in memory, no Gatehouse code, no database. The same two grants as bench/oidc/run.ts (client
// credentials with an ES256 JWT access token; a confidential client's code exchange with an ID token,
// a JWT access token and a refresh token), the same load (autocannon, 8 connections, this process)
// and the same measure: requests per CPU-second of the server process, every thread. What the
// library itself costs on this machine is the floor under what Gatehouse, built on it, can answer
// per core.
//   node --import tsx bench/oidc/library-alone.ts [--seconds 10] [--connections 8]
import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { generateDetachedKeyPair } from '../../src/platform/crypto.ts';
import { cpuMsOf } from '../process-cpu.ts';

const SECRET = 'library-alone-bench-secret';
const REDIRECT = 'http://localhost:5173/callback';
// The same in the server and the load generator (two processes): a constant, 43 characters or more.
const VERIFIER = 'library-alone-bench-verifier-of-forty-three-characters';
const RESOURCE = 'http://localhost/api';

/** Every artefact in a Map, by model and id; what a code exchange reads and writes, and no more. */
class MapAdapter implements Adapter {
  private static readonly stored = new Map<string, AdapterPayload>();
  constructor(private readonly model: string) {}
  private key = (id: string) => `${this.model}:${id}`;
  async upsert(id: string, payload: AdapterPayload): Promise<void> {
    MapAdapter.stored.set(this.key(id), payload);
  }
  async find(id: string): Promise<AdapterPayload | undefined> {
    return MapAdapter.stored.get(this.key(id));
  }
  async findByUid(): Promise<undefined> {
    return undefined;
  }
  async findByUserCode(): Promise<undefined> {
    return undefined;
  }
  async consume(id: string): Promise<void> {
    const payload = MapAdapter.stored.get(this.key(id));
    if (payload !== undefined) payload.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id: string): Promise<void> {
    MapAdapter.stored.delete(this.key(id));
  }
  async revokeByGrantId(): Promise<void> {}
}

async function serve(): Promise<void> {
  const { default: Provider } = await import('oidc-provider');
  const jwk = (kind: 'rsa' | 'ec', alg: string) => ({
    ...generateDetachedKeyPair(kind).privateKey.export({ format: 'jwk' }),
    alg,
    use: 'sig',
    kid: alg,
  });
  const provider = new Provider('http://localhost', {
    adapter: MapAdapter,
    jwks: { keys: [jwk('rsa', 'RS256'), jwk('ec', 'ES256')] },
    clients: [
      { client_id: 'service', client_secret: SECRET, grant_types: ['client_credentials'], response_types: [], redirect_uris: [], token_endpoint_auth_method: 'client_secret_post', scope: 'decisions:read' },
      { client_id: 'web-rs256', client_secret: SECRET, grant_types: ['authorization_code', 'refresh_token'], redirect_uris: [REDIRECT], token_endpoint_auth_method: 'client_secret_post', id_token_signed_response_alg: 'RS256' },
      { client_id: 'web-es256', client_secret: SECRET, grant_types: ['authorization_code', 'refresh_token'], redirect_uris: [REDIRECT], token_endpoint_auth_method: 'client_secret_post', id_token_signed_response_alg: 'ES256' },
    ],
    scopes: ['openid', 'offline_access', 'decisions:read'],
    clientAuthMethods: ['client_secret_post'],
    enabledJWA: { idTokenSigningAlgValues: ['RS256', 'ES256'] },
    rotateRefreshToken: true,
    issueRefreshToken: () => true,
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, _indicator, client) => ({
          audience: RESOURCE,
          scope: client.clientId === 'service' ? 'decisions:read' : 'api',
          accessTokenTTL: 300,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
  });

  /** Codes of one grant, each to be redeemed once, made the way the authorization endpoint makes them. */
  const codes = async (clientId: string, count: number): Promise<string[]> => {
    const grant = new provider.Grant({ accountId: 'bench-person', clientId });
    grant.addOIDCScope('openid offline_access');
    grant.addResourceScope(RESOURCE, 'api');
    const grantId = await grant.save();
    const challenge = createHash('sha256').update(VERIFIER).digest('base64url');
    const client = await provider.Client.find(clientId);
    if (client === undefined) throw new Error(`no client ${clientId}`);
    const made: string[] = [];
    for (let i = 0; i < count; i++) {
      const code = new provider.AuthorizationCode({
        accountId: 'bench-person',
        client,
        gty: 'authorization_code',
        grantId,
        scope: 'openid offline_access',
        redirectUri: REDIRECT,
        codeChallenge: challenge,
        codeChallengeMethod: 'S256',
        resource: RESOURCE,
        authTime: Math.floor(Date.now() / 1000),
      });
      made.push(await code.save());
    }
    return made;
  };

  const server = provider.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  process.on('message', async (message: { codes: string; count: number }) => {
    process.send!({ codes: await codes(message.codes, message.count) });
  });
  process.send!({ port: typeof address === 'object' && address !== null ? address.port : 0 });
}

async function measure(): Promise<void> {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '8' } } });
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['serve'], { execArgv: ['--import', 'tsx', '--max-semi-space-size=8'], stdio: 'inherit' });
  const ask = <T>(message?: object) =>
    new Promise<T>((resolve) => {
      child.once('message', (answer) => resolve(answer as T));
      if (message !== undefined) child.send(message);
    });
  const { port } = await ask<{ port: number }>();
  const url = `http://127.0.0.1:${port}/token`;
  const headers = { 'content-type': 'application/x-www-form-urlencoded', host: 'localhost' };
  const rows: Record<string, Record<string, number>> = {};
  const run = async (name: string, options: autocannon.Options) => {
    const before = cpuMsOf(child.pid!);
    const result = await autocannon(options);
    const cpuSeconds = (cpuMsOf(child.pid!) - before) / 1000;
    rows[name] = {
      'requests/s (mean)': Math.round(result.requests.average),
      'per server CPU-second': Math.round(result.requests.total / cpuSeconds),
      'latency p50 ms': result.latency.p50,
      'latency p99 ms': result.latency.p99,
      'non-2xx': result.non2xx,
      total: result.requests.total,
    };
  };

  await run('client credentials (JWT access token, ES256)', {
    url,
    method: 'POST',
    headers,
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'decisions:read', client_id: 'service', client_secret: SECRET }).toString(),
    connections,
    duration: seconds,
  });
  for (const [alg, clientId] of [['RS256', 'web-rs256'], ['ES256', 'web-es256']] as const) {
    // Each code is redeemed once: the run ends when they all are (about `seconds` at 2,000 a second).
    const { codes } = await ask<{ codes: string[] }>({ codes: clientId, count: 2000 * seconds });
    let next = 0;
    await run(`code exchange (${alg} ID token, JWT access token, refresh token)`, {
      url,
      method: 'POST',
      headers,
      connections,
      amount: codes.length,
      requests: [
        {
          setupRequest: (request) => ({
            ...request,
            body: new URLSearchParams({ grant_type: 'authorization_code', code: codes[next++]!, redirect_uri: REDIRECT, code_verifier: VERIFIER, client_id: clientId, client_secret: SECRET }).toString(),
          }),
        },
      ],
    });
  }
  child.kill();
  console.log(`oidc-provider alone over ${seconds} s, ${connections} connections, node ${process.version}, ${new Date().toISOString()}`);
  console.table(rows);
}

if (process.argv[2] === 'serve') await serve();
else await measure();
