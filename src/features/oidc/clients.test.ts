import { describe, expect, it } from 'vitest';
import type { Database } from '../../platform/db/client.ts';
import { ClientDirectory, type ClientRecord } from './clients.ts';

// The directory keeps the clients it read; a change heard while one was being read must not leave
// the old answer in the cache (a deactivated API account still taking tokens for a minute).

const account = (secretHash: string): ClientRecord => ({
  kind: 'api-account',
  clientId: 'acme/robot',
  licenceId: 'l-acme',
  apiAccountId: 'a-robot',
  login: 'robot',
  secretHash,
  metadata: { client_id: 'acme/robot', client_secret: secretHash },
});

const secretOf = (record: ClientRecord | null) => (record?.kind === 'api-account' ? record.secretHash : null);

function directoryReading(answers: ClientRecord[]) {
  const pending: Array<() => void> = [];
  let reads = 0;
  const load = (clientId: string) =>
    new Promise<ClientRecord | null>((resolve) => {
      const answer = answers[reads++] ?? null;
      pending.push(() => resolve(answer?.clientId === clientId ? answer : null));
    });
  const directory = new ClientDirectory(null as unknown as Database, () => 0, load);
  return { directory, pending, reads: () => reads };
}

describe('the client directory', () => {
  it('keeps what it read, for the next request', async () => {
    const { directory, pending, reads } = directoryReading([account('old')]);
    const first = directory.find('acme/robot');
    pending.shift()?.();
    expect((await first)?.clientId).toBe('acme/robot');
    expect((await directory.find('acme/robot'))?.clientId).toBe('acme/robot');
    expect(reads()).toBe(1);
  });

  it('does not keep a read that was in flight when its API account, its licence or everything was forgotten', async () => {
    for (const forget of [
      (directory: ClientDirectory) => directory.forgetApiAccount('l-acme', 'a-robot'),
      (directory: ClientDirectory) => directory.forgetLicence('l-acme'),
      (directory: ClientDirectory) => directory.forgetClient('acme/robot'),
      (directory: ClientDirectory) => directory.clear(),
    ]) {
      const { directory, pending, reads } = directoryReading([account('old'), account('rotated')]);
      const inFlight = directory.find('acme/robot');
      // The secret is rotated and announced while the old row is on its way.
      forget(directory);
      pending.shift()?.();
      expect(secretOf(await inFlight)).toBe('old');
      const next = directory.find('acme/robot');
      pending.shift()?.();
      expect(secretOf(await next)).toBe('rotated');
      expect(reads()).toBe(2);
    }
  });

  it('keeps a read when only another client was forgotten', async () => {
    const { directory, pending, reads } = directoryReading([account('old')]);
    const inFlight = directory.find('acme/robot');
    directory.forgetApiAccount('l-acme', 'a-other');
    directory.forgetClient('another-application');
    pending.shift()?.();
    await inFlight;
    await directory.find('acme/robot');
    expect(reads()).toBe(1);
  });
});
