import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/platform/crypto.ts';
import type { HttpAnswer, HttpClient } from '../support/http.ts';
import { configurationId, createLicence, newUser, smsCode, startTestApp, TEST_PASSWORD, type LicenceFixture, type TestApp } from '../support/app.ts';
import { aimedRequests, bodyFor, changedTables, fingerprint, operationsOf, pathFor, queryFor, type DataFingerprint, type FuzzBody, type IdPools, type Operation } from '../support/openapi-fuzz.ts';

// Walks every operation of /openapi.json with random and malformed requests (bodies derived from the
// operation's schema with one thing wrong, junk bodies, declared and junk query parameters, crafted
// cursors, ids of this licence, of another licence, random and malformed) as four callers: anonymous,
// a licence admin (cookie session + CSRF token), a Reviewer of the same licence and an operator
// (bearer), now and then with a wrong CSRF token or the headers of a cross-site request. Before the
// random requests, a few aimed ones per operation always try crafted cursors and a lone surrogate
// or a bidi control in a text field. It fails on
//   - any 5xx;
//   - any error answer that is not an RFC 9457 problem (application/problem+json with type, title,
//     status, code), except the OAuth endpoints, which answer RFC 6749 {error};
//   - any change to the data made by a refused (4xx) request (see RECORDS_REFUSALS for the few
//     columns a refusal may write: throttle counters and session activity).
// Valid requests that succeed (2xx) are fine, data changes included.
//
// The normal suite runs a fixed seed and a few runs per operation. A longer run, and a replay:
//   FUZZ_RUNS=2000 FUZZ_SEED=12345 npx vitest run test/api/fuzz.test.ts --maxWorkers=1
//   FUZZ_ONLY='PATCH /api/v1/users/{id}' FUZZ_SEED=<seed> FUZZ_PATH=<path> npx vitest run test/api/fuzz.test.ts
// A failure prints, per operation, the seed and path fast-check reports and the request that failed.
// Earlier operations change the data later ones meet, so a replay with FUZZ_ONLY may need the whole walk.

const RUNS = Number(process.env.FUZZ_RUNS ?? 6);
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_201);
const ONLY = process.env.FUZZ_ONLY;
const REPLAY_PATH = process.env.FUZZ_PATH;
const LONG_RUN = RUNS > 50;

/** Each operation walks its own sequence; a replay of one operation (FUZZ_ONLY) takes FUZZ_SEED as printed. */
function seedFor(operation: Operation): number {
  if (ONLY !== undefined) return SEED;
  let hash = SEED;
  for (const character of `${operation.method} ${operation.path}`) hash = (Math.imul(hash, 31) + (character.codePointAt(0) ?? 0)) | 0;
  return hash;
}

/** SCIM 2.0 endpoints answer SCIM error documents, not problems. */
const SCIM = /^\/scim\/v2\//;

/** RFC 6749 endpoints answer {error}, not a problem document. */
const OAUTH = /^\/api\/v1\/auth\/token$|oidc|\.well-known/;

type CallerName = 'anonymous' | 'admin' | 'reviewer' | 'operator';
const CALLERS: CallerName[] = ['anonymous', 'admin', 'reviewer', 'operator'];

interface Account {
  licence: string;
  login: string;
  email: string;
  mobile: string;
}

let test: TestApp;
let home: LicenceFixture;
let other: LicenceFixture;
let pools: IdPools;
const accounts: Record<'admin' | 'reviewer', Account> = {} as never;
const clients: Record<CallerName, HttpClient> = {} as never;

/** Signs an account in again after a request ended its session or reset its password. */
async function signInAgain(account: Account): Promise<HttpClient> {
  const exec = (text: string, params?: unknown[]) => test.database.handle.inScriptTransaction((run) => run(text, params));
  for (let attempt = 0; attempt < 2; attempt++) {
    const client = test.anonymous();
    const answer = await client.post('/api/v1/auth/login', { licence: account.licence, login: account.login, password: TEST_PASSWORD });
    if (answer.status === 200 && answer.body.status === 'ok') {
      client.csrfToken = answer.body.csrfToken;
      return client;
    }
    if (answer.status === 200 && answer.body.status === 'second_factor_required') {
      // The walk may have changed the account's mobile: the code goes to the one it has now.
      const [row] = (await exec(`SELECT u.mobile FROM users u JOIN licences l ON l.id = u.licence_id WHERE l.code = $1 AND lower(u.login) = lower($2)`, [account.licence, account.login])).rows;
      const sms = (await test.messagesTo(String(row?.mobile ?? account.mobile))).at(-1);
      const finished = await client.post('/api/v1/auth/second-factor', { challenge: answer.body.challenge, code: smsCode(sms?.text ?? '') });
      client.csrfToken = finished.body.csrfToken;
      return client;
    }
    // The walk may have reset the password (and changed the e-mail its link goes to), or locked the
    // account or the address with its own wrong passwords (all from 127.0.0.1): the harness puts the
    // password back and lifts the locks, as an operator's database session would.
    await exec('DELETE FROM throttles');
    await exec(`UPDATE users SET password_hash = $1 WHERE lower(login) = lower($2) AND licence_id = (SELECT id FROM licences WHERE code = $3)`, [await hashPassword(TEST_PASSWORD), account.login, account.licence]);
  }
  throw new Error(`cannot sign ${account.login} in again`);
}

/** After a successful change, the signed-in callers may have lost their session: sign them in again. */
async function keepCallersSignedIn(): Promise<void> {
  for (const name of ['admin', 'reviewer'] as const) {
    if ((await clients[name].get('/api/v1/me')).status !== 200) clients[name] = await signInAgain(accounts[name]);
  }
}

interface FuzzRequest {
  caller: CallerName;
  path: string;
  body: FuzzBody;
  /** Sends a wrong CSRF token instead of the right one. */
  wrongCsrf: boolean;
  /** Says, as a browser would, that another site sent it. */
  crossSite: boolean;
}

function requestFor(operation: Operation): fc.Arbitrary<FuzzRequest> {
  return fc.record({
    // Mostly the callers the operation is meant for, so most requests get past authentication.
    caller: fc.constantFrom(...CALLERS).chain((anyone) =>
      fc.oneof(
        { weight: 1, arbitrary: fc.constant(anyone) },
        { weight: 3, arbitrary: operation.path.startsWith('/operator/') ? fc.constant<CallerName>('operator') : fc.constantFrom<CallerName>('admin', 'admin', 'reviewer') },
      ),
    ),
    path: fc.tuple(pathFor(operation, pools), queryFor(operation, pools)).map(([path, query]) => path + query),
    body: bodyFor(operation, pools),
    wrongCsrf: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    crossSite: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  });
}

async function send(operation: Operation, request: FuzzRequest): Promise<HttpAnswer> {
  const client = clients[request.caller];
  const headers: Record<string, string> = {
    ...(request.wrongCsrf ? { 'x-csrf-token': 'not-the-token' } : {}),
    ...(request.crossSite ? { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } : {}),
  };
  const { body } = request;
  if (body.kind === 'none') return client.request(operation.method, request.path, undefined, headers);
  if (body.kind === 'raw') return client.request(operation.method, request.path, body.text, { ...headers, 'content-type': body.contentType });
  // The OAuth token endpoint is sent forms, as its clients do (RFC 6749 §4.4.2).
  if (operation.body?.contentTypes.includes('application/x-www-form-urlencoded') && typeof body.value === 'object' && body.value !== null) {
    const form = new URLSearchParams(Object.entries(body.value).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : String(JSON.stringify(v))]));
    return client.request(operation.method, request.path, form.toString(), { ...headers, 'content-type': 'application/x-www-form-urlencoded' });
  }
  // JSON.stringify drops undefined at the top: a body of `undefined` is no body.
  return client.request(operation.method, request.path, body.value === undefined ? undefined : JSON.stringify(body.value), headers);
}

/** What is wrong with an answer's form, or null. */
function malformedAnswer(path: string, answer: HttpAnswer): string | null {
  if (answer.status >= 500) return `answered ${answer.status}`;
  if (answer.status < 400) return null;
  const contentType = answer.headers.get('content-type') ?? '';
  if (OAUTH.test(path.split('?')[0] ?? '')) {
    // RFC 6749 §5.2, except the problems every route shares (size, media type, throttle).
    if (contentType.startsWith('application/problem+json')) return problemShape(answer);
    return contentType.startsWith('application/json') && typeof answer.body?.error === 'string' ? null : `an OAuth error that is not {error}: ${contentType}`;
  }
  if (SCIM.test(path)) {
    // RFC 7644 §3.12: SCIM answers its own error documents, with the status as a string.
    const body = answer.body as { schemas?: unknown; status?: unknown } | null;
    const scimError = contentType.startsWith('application/scim+json') && Array.isArray(body?.schemas) && body.schemas[0] === 'urn:ietf:params:scim:api:messages:2.0:Error';
    return scimError && body?.status === String(answer.status) ? null : `a SCIM error that is not a SCIM error document: ${contentType}`;
  }
  if (!contentType.startsWith('application/problem+json')) return `an error answered as ${contentType || 'no content type'}, not application/problem+json`;
  return problemShape(answer);
}

function problemShape(answer: HttpAnswer): string | null {
  const body = answer.body as Record<string, unknown> | null;
  if (typeof body !== 'object' || body === null) return 'a problem that is not an object';
  for (const field of ['type', 'title', 'code'] as const) if (typeof body[field] !== 'string') return `a problem without a string ${field}`;
  return body.status === answer.status ? null : `a problem whose status ${String(body.status)} is not the answer's ${answer.status}`;
}

const shorten = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text);

function describeRequest(operation: Operation, request: FuzzRequest): string {
  const body = request.body.kind === 'none' ? '' : request.body.kind === 'raw' ? ` ${request.body.contentType} ${shorten(JSON.stringify(request.body.text))}` : ` ${shorten(JSON.stringify(request.body.value) ?? 'undefined')}`;
  return `${request.caller}${request.wrongCsrf ? ' (wrong CSRF token)' : ''}${request.crossSite ? ' (cross-site)' : ''}: ${operation.method} ${shorten(request.path, 400)}${body}`;
}

/** The data as it stands, known valid until the next request that may have changed it. */
let known: DataFingerprint | null = null;
/** How the answers fell, so the walk proves it reached both refusals and accepted requests. */
const tally = { refused: 0, accepted: 0 };

// The scheduled purge deletes expired rows on its own clock (every few minutes): a long walk would
// see it as a refused request changing the data. It waits while a request is being checked, and a
// request waits while it runs; the checks and the flags they set share a tick, so they never overlap.
let checking: { closed: Promise<void> } | null = null;
let purging: Promise<unknown> | null = null;

function holdPurgeOutsideChecks(app: TestApp['app']): void {
  const run = app.purge.run.bind(app.purge);
  app.purge.run = async () => {
    while (checking !== null) await checking.closed;
    purging = run().finally(() => {
      purging = null;
      known = null;
    });
    return (await purging) as Awaited<ReturnType<typeof run>>;
  };
}

async function exercise(operation: Operation, request: FuzzRequest): Promise<void> {
  while (purging !== null) await purging;
  let close = () => {};
  checking = { closed: new Promise<void>((resolve) => (close = resolve)) };
  try {
    await check(operation, request);
  } finally {
    checking = null;
    close();
  }
}

async function check(operation: Operation, request: FuzzRequest): Promise<void> {
  const before = known ?? (await fingerprint(test.database.handle));
  const answer = await send(operation, request);
  const wrong = malformedAnswer(request.path, answer);
  const answered = `${answer.status} ${shorten(JSON.stringify(answer.body) ?? '')}`;
  if (wrong !== null) throw new Error(`${wrong}\n  request: ${describeRequest(operation, request)}\n  answer: ${answered}`);
  if (answer.status >= 400) {
    const after = await fingerprint(test.database.handle);
    const changed = changedTables(before, after);
    known = after;
    tally.refused += 1;
    if (changed.length > 0) throw new Error(`a refused request changed ${changed.join(', ')}\n  request: ${describeRequest(operation, request)}\n  answer: ${answered}`);
    return;
  }
  known = null;
  tally.accepted += 1;
  if (operation.method !== 'GET') await keepCallersSignedIn();
}

beforeAll(async () => {
  test = await startTestApp();
  holdPurgeOutsideChecks(test.app);
  home = await createLicence(test);
  other = await createLicence(test);
  clients.anonymous = test.anonymous();
  clients.operator = test.operator;
  clients.admin = home.adminClient;
  accounts.admin = { licence: home.code, login: home.admin.login, email: home.admin.email, mobile: home.admin.mobile };

  const reviewer = await home.adminClient.post('/api/v1/users', newUser(home, { configurationId: configurationId(home, 'reviewer'), mobile: '+33611111111' }));
  accounts.reviewer = { licence: home.code, login: reviewer.body.login, email: reviewer.body.email, mobile: reviewer.body.mobile };
  clients.reviewer = await signInAgain(accounts.reviewer);

  // Something of every kind for ids to name, in both licences: users, configurations, groups,
  // entities, API account requests (one pending, one fulfilled into an API account), a Transfer Box item.
  const idsOf = async (fixture: LicenceFixture): Promise<IdPools['own']> => {
    const victim = await fixture.adminClient.post('/api/v1/users', newUser(fixture));
    const request = (login: string, email: string) => fixture.adminClient.post('/api/v1/api-account-requests', { login, holder: { firstName: 'Api', lastName: 'Holder', email, mobile: '+33622222222' } });
    const pending = await request(`ws-${fixture.code}`, `api@${fixture.code}.example`);
    const fulfilled = await request(`ws2-${fixture.code}`, `api2@${fixture.code}.example`);
    const account = await test.operator.post(`/operator/v1/api-account-requests/${fulfilled.body.id}/fulfil`, { configurationId: configurationId(fixture, 'reviewer'), entityGroupId: fixture.groups[0].id });
    const item = await test.operator.post(`/operator/v1/licences/${fixture.code}/transfer-box`, { recipientId: fixture.admin.id, from: 'Support', name: 'notes.txt', content: Buffer.from('hello').toString('base64') });
    const present = (...ids: unknown[]) => ids.filter((id): id is string => typeof id === 'string');
    return {
      // The Reviewer's own id is left out: deleting it would end the walk's Reviewer caller.
      users: present(victim.body.id, fixture.admin.id),
      // Those an admin may grant first: aimed requests take the first of each kind.
      configurations: [...fixture.configurations].sort((a: { assignable: boolean }, b: { assignable: boolean }) => Number(b.assignable) - Number(a.assignable)).map((c: { id: string }) => c.id),
      groups: fixture.groups.map((g: { id: string }) => g.id),
      entities: fixture.groups.flatMap((g: { entities: { id: string }[] }) => g.entities.map((e) => e.id)),
      requests: present(pending.body.id, fulfilled.body.id),
      apiAccounts: present(account.body.apiAccount?.id),
      transferBox: present(item.body.id),
    };
  };
  const token = await test.operator.post('/operator/v1/operator-tokens', { name: 'fuzz' });
  pools = { own: { ...(await idsOf(home)), operatorTokens: [token.body.id] }, other: await idsOf(other), licenceCodes: [home.code, other.code] };
}, 120_000);
afterAll(() => test?.close());

describe('the data fingerprint', () => {
  it('sees a changed row, and ignores the activity a refusal may record', async () => {
    const exec = (text: string) => test.database.handle.inScriptTransaction((run) => run(text));
    const before = await fingerprint(test.database.handle);
    await exec(`UPDATE sessions SET last_seen_at = last_seen_at - interval '1 second'`);
    await exec(`INSERT INTO throttles (key, scope, failures, updated_at, expires_at) VALUES ('fuzz-self-test', 'sign-in-client', 1, now(), now() + interval '1 hour')`);
    expect(changedTables(before, await fingerprint(test.database.handle))).toEqual([]);
    await exec(`UPDATE users SET first_name = first_name || '!' WHERE login = '${accounts.reviewer.login}'`);
    expect(changedTables(before, await fingerprint(test.database.handle))).toEqual(['users']);
    await exec(`UPDATE users SET first_name = left(first_name, -1) WHERE login = '${accounts.reviewer.login}'`);
    await exec(`DELETE FROM throttles WHERE key = 'fuzz-self-test'`);
    expect(changedTables(before, await fingerprint(test.database.handle))).toEqual([]);
  });
});

describe('every operation of the OpenAPI document, fuzzed', () => {
  it('answers random and malformed requests to every operation without a 5xx, with problems only, and refusals change nothing', async () => {
    const document = (await test.anonymous().get('/openapi.json')).body;
    const operations = operationsOf(document).filter((op) => ONLY === undefined || `${op.method} ${op.path}` === ONLY);
    expect(operations.length).toBeGreaterThan(ONLY === undefined ? 40 : 0);

    const failures: string[] = [];
    for (const operation of operations) {
      const seed = seedFor(operation);
      const intended: CallerName = operation.path.startsWith('/operator/') ? 'operator' : 'admin';
      const examples = aimedRequests(operation, pools, seed).map(({ path, body }): [FuzzRequest] => [{ caller: intended, path, body, wrongCsrf: false, crossSite: false }]);
      const details = await fc.check(
        fc.asyncProperty(requestFor(operation), (request) => exercise(operation, request)),
        { seed, numRuns: RUNS + examples.length, examples, endOnFailure: !LONG_RUN, ...(REPLAY_PATH === undefined ? {} : { path: REPLAY_PATH }) },
      );
      if (details.failed) {
        const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
        failures.push(`${operation.method} ${operation.path} (FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath ?? ''}): ${error}`);
        known = null;
        await keepCallersSignedIn().catch((error: unknown) => failures.push(`the walk could not sign its callers in again: ${String(error)}`));
      }
    }
    expect(failures, `${failures.length} operations failed:\n\n${failures.join('\n\n')}`).toEqual([]);
    // The walk got past authentication and validation often enough to mean something.
    expect(tally.refused).toBeGreaterThan(operations.length);
    expect(tally.accepted).toBeGreaterThan(ONLY === undefined ? 20 : 0);
  }, LONG_RUN ? 3_600_000 : 240_000);
});
