// argon2id verifications per second, one after another, at the parameters of src/platform/crypto.ts:
// the ceiling of password sign-ins on the CPU this process runs on (bench/login/run.ts starts it
// pinned to the server's CPUs). Prints, as JSON, verifications per second (wall clock) and the CPU
// time one verification costs (what no sign-in can go below).
//   node --import tsx bench/login/argon2-alone.ts [--seconds 5]
import { parseArgs } from 'node:util';
import { hash, verify } from '@node-rs/argon2';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' } } });
const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

const stored = await hash('benchmark passphrase', ARGON2);
const until = performance.now() + Number(values.seconds) * 1000;
const started = performance.now();
const cpuBefore = process.cpuUsage();
let rounds = 0;
// One at a time: a verification keeps one core busy.
while (performance.now() < until) {
  if (!(await verify(stored, 'benchmark passphrase'))) throw new Error('argon2id verification failed');
  rounds++;
}
const cpu = process.cpuUsage(cpuBefore);
console.log(JSON.stringify({ perSecond: rounds / ((performance.now() - started) / 1000), cpuMsPerVerification: (cpu.user + cpu.system) / 1000 / rounds }));
