import { randomBytes, randomInt } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkToken } from '../support/app.ts';
import { createTestDatabase, onPostgres, type TestDatabase } from '../support/database.ts';
import { HttpClient } from '../support/http.ts';
import { startServerProcess, type ServerProcess } from '../support/process.ts';
import { SmtpSink, type ReceivedMessage } from '../support/smtp-sink.ts';
import { until } from '../support/wait.ts';

// Processes killed with SIGKILL while the outbox delivers e-mails to a real SMTP conversation.
// Delivery is at least once, and once only unless a kill lands in the instant between the server's
// acceptance of a message and the departure of the COMMIT of its mark, which was written before the
// hand-over (src/platform/messaging/outbox.ts): the bound asserted is at most one repeat per kill
// during delivery, what no protocol between an SMTP server and a database can shrink to none; the
// count of repeats is printed. A repeat carries the same Message-ID as its first copy.

// A message of a killed process waits for its sender's lease to run out (25 s), then at most one poll.
const LONGEST_WAIT_SECONDS = 30;
const USERS = 3_000;
const PASSWORD = 'a long and secret passphrase';
const token = randomBytes(24).toString('hex');
let database: TestDatabase;
let sink: SmtpSink;
let env: Record<string, string>;
let server: ServerProcess | null = null;

const rows = async <T>(query: ReturnType<typeof sql>) => (await database.handle.db.execute(query)) as unknown as { rows: T[] };

const start = async () => (server = await startServerProcess(env));
const kill = async () => {
  const exited = new Promise((resolve) => server!.process.once('exit', resolve));
  server!.process.kill('SIGKILL');
  await exited;
  server = null;
};

/** A licence whose admin has a password, signed in through the running server. */
async function licenceWithAdmin(code: string): Promise<{ id: string; admin: HttpClient }> {
  const operator = new HttpClient(server!.url).withBearer(token);
  const email = `admin@${code}.example`;
  const created = await operator.post('/operator/v1/licences', { code, name: code, seatLimit: USERS + 10, admin: { login: 'admin', firstName: 'Ada', lastName: 'Admin', email, language: 'en' } });
  expect(created.status).toBe(201);
  const welcome = await until('the welcome e-mail', () => sink.received.find((m) => m.to.includes(email)), 15_000);
  const body = welcome.data.replace(/=\r\n/g, '').replace(/=3D/g, '=');
  expect((await new HttpClient(server!.url).post('/api/v1/auth/password-reset/complete', { token: linkToken(body), password: PASSWORD })).status).toBe(204);
  return { id: created.body.licence.id, admin: await signInAdmin(code) };
}

/** The licence's admin signed in on the server running now. */
async function signInAdmin(code: string): Promise<HttpClient> {
  const admin = new HttpClient(server!.url);
  const login = await admin.post('/api/v1/auth/login', { licence: code, login: 'admin', password: PASSWORD });
  expect(login.status).toBe(200);
  admin.csrfToken = login.body.csrfToken;
  return admin;
}

/** Users made in bulk with SQL, all active, each with the admin's password (signing up thousands through the API is not the point). */
async function addUsers(licenceId: string, count: number, prefix: string): Promise<void> {
  await database.handle.db.execute(sql`
    INSERT INTO users (licence_id, id, login, first_name, last_name, email, language, status, configuration_id, entity_group_id, default_entity_id, password_hash)
    SELECT a.licence_id, gen_random_uuid(), ${prefix} || n, 'User', 'Number ' || n, ${prefix} || n || '@crash.example', 'en', 'active',
      a.configuration_id, a.entity_group_id, a.default_entity_id, a.password_hash
    FROM users a, generate_series(1, ${count}::int) AS n
    WHERE a.licence_id = ${licenceId}::uuid AND a.login = 'admin'`);
}

const passwordsCleared = async (licenceId: string) =>
  (await rows<{ cleared: number; total: number }>(sql`SELECT count(*) FILTER (WHERE password_hash IS NULL)::int AS cleared, count(*)::int AS total FROM users WHERE licence_id = ${licenceId}::uuid AND NOT internal`)).rows[0]!;

/** The longest any undelivered message still waits, in seconds (a dead process's lease included). */
const longestWait = async () => (await rows<{ seconds: number | null }>(sql`SELECT extract(epoch FROM max(next_attempt_at) - now())::float AS seconds FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL`)).rows[0]!.seconds ?? 0;

describe.skipIf(!onPostgres)('the outbox across SIGKILL', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    database = await createTestDatabase();
    sink = await SmtpSink.start();
    // A pooled SMTP transport (nodemailer's ?pool=true), as an operator sending thousands would use: one
    // connection per message would make the test wait on handshakes, not on what it proves.
    env = { DATABASE_URL: database.url!, GATEHOUSE_BOOTSTRAP_OPERATOR_TOKEN: token, GATEHOUSE_SECRET_KEY: randomBytes(32).toString('hex'), GATEHOUSE_SMTP_URL: `${sink.url}/?pool=true`, LOG_LEVEL: 'warn' };
    await start();
  });

  afterAll(async () => {
    if (server) await kill();
    await sink?.stop();
    await database?.drop();
  });

  it('resets every password of a licence of 3,000 users or none, and delivers every reset e-mail, repeating at most the one in flight per kill', async () => {
    const { id: licenceId, admin: firstAdmin } = await licenceWithAdmin('crash');
    let admin = firstAdmin;
    await addUsers(licenceId, USERS, 'user');
    const total = USERS + 1;
    const firstNew = sink.received.length;
    const kills: { afterMs: number; reset: boolean; delivered: number }[] = [];

    // Kill at random moments: during the reset's transaction until it has committed, then during
    // delivery, until at least one kill caught the delivery half done.
    let reset = false;
    // On a busy machine the reset takes longer: each kill that came before its commit widens the window.
    let resetWindowMs = 4_000;
    while (!reset || !kills.some((kill) => kill.reset && kill.delivered > 0 && kill.delivered < total)) {
      expect(kills.length, JSON.stringify(kills)).toBeLessThan(8);
      if (!reset) void admin.post('/api/v1/users/password-reset', { currentPassword: PASSWORD }).catch(() => undefined);
      const afterMs = reset ? randomInt(200, 2_500) : randomInt(300, resetWindowMs);
      if (!reset) resetWindowMs = Math.round(resetWindowMs * 1.5);
      await new Promise((resolve) => setTimeout(resolve, afterMs));
      await kill();
      const { cleared } = await passwordsCleared(licenceId);
      // The reset is one transaction: all of the licence's passwords or none.
      expect([0, total]).toContain(cleared);
      reset = cleared === total;
      kills.push({ afterMs, reset, delivered: sink.received.length - firstNew });
      // What the dead process had claimed waits its short lease, not minutes: under 30 s, a poll included.
      expect(await longestWait()).toBeLessThanOrEqual(LONGEST_WAIT_SECONDS - 1);
      await start();
      // Nothing was reset: the admin still has their password, and asks again on the new process.
      if (!reset) admin = await signInAdmin('crash');
    }
    const lastRestart = Date.now();

    // One reset e-mail for each user of the licence, after the admin's welcome.
    const recipients = new Set((await rows<{ email: string }>(sql`SELECT email FROM users WHERE licence_id = ${licenceId}::uuid AND NOT internal`)).rows.map((row) => row.email));
    expect(recipients.size).toBe(total);
    expect((await rows<{ messages: number }>(sql`SELECT count(*)::int AS messages FROM outbox WHERE licence_id = ${licenceId}::uuid`)).rows[0]!.messages).toBe(1 + total);
    const resetMails = (m: ReceivedMessage) => m.to.some((to) => recipients.has(to)) && sink.received.indexOf(m) >= firstNew;
    // Promptly: the dead processes' leases run out within 25 s while the new process delivers the rest.
    await until('every reset e-mail', () => sink.countsByRecipient(resetMails).size === total || null, LONGEST_WAIT_SECONDS * 1000 + 30_000);
    const deliveredWithinMs = Date.now() - lastRestart;

    const counts = sink.countsByRecipient(resetMails);
    const repeated = [...counts].filter(([, count]) => count > 1);
    const killsDuringDelivery = kills.filter((kill) => kill.reset).length;
    expect(repeated.length, `kills: ${JSON.stringify(kills)}`).toBeLessThanOrEqual(killsDuringDelivery);
    expect(repeated.every(([, count]) => count === 2)).toBe(true);
    // A repeat is the same message to the receiver: the same Message-ID.
    for (const [to] of repeated) {
      const copies = sink.received.filter((m) => resetMails(m) && m.to.includes(to));
      expect(new Set(copies.map((m) => m.messageId)).size).toBe(1);
    }
    // The server has the last message a moment before the sender marks it: every row ends marked.
    const unsent = async () => (await rows(sql`SELECT id FROM outbox WHERE licence_id = ${licenceId}::uuid AND sent_at IS NULL`)).rows.length;
    await until('every message marked sent', async () => (await unsent()) === 0, 10_000);
    console.info(`reset-all crash: ${kills.length} kills ${JSON.stringify(kills)}, ${repeated.length} repeated, all delivered ${deliveredWithinMs} ms after the last restart`);
  });

  it('delivers once, after a restart, the messages queued while the SMTP server was down', async () => {
    if (server === null) await start();
    const { id: licenceId, admin } = await licenceWithAdmin('smtp-down');
    await addUsers(licenceId, 30, 'down');
    await sink.stop();
    const answer = await admin.post('/api/v1/users/password-reset', { currentPassword: PASSWORD });
    expect(answer.status).toBe(202);
    // Every message tried and refused once, then the process dies with all of them queued.
    await until('the failed attempts', async () => (await rows<{ waiting: number }>(sql`SELECT count(*)::int AS waiting FROM outbox WHERE licence_id = ${licenceId}::uuid AND sent_at IS NULL AND last_error IS NOT NULL`)).rows[0]!.waiting === 31, 15_000);
    await kill();
    const recipients = (await rows<{ recipient: string }>(sql`SELECT recipient FROM outbox WHERE licence_id = ${licenceId}::uuid AND sent_at IS NULL`)).rows.map((row) => row.recipient);
    expect(recipients).toHaveLength(31);
    await sink.resume();
    const resumedFrom = sink.received.length;
    await start();

    const afterResume = (m: ReceivedMessage) => sink.received.indexOf(m) >= resumedFrom;
    // A refused attempt is retried after 5 s: waiting for it is waiting for the retry.
    await until('every queued message', () => recipients.every((to) => sink.countsByRecipient(afterResume).get(to) === 1) || null, 30_000);
    expect([...sink.countsByRecipient(afterResume)].filter(([to]) => recipients.includes(to)).every(([, count]) => count === 1)).toBe(true);
  });
});
