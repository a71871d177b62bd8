import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

// What a process (every thread), or one of its threads, has spent on the CPU, from /proc (proc(5)):
// on a shared machine wall-clock rates swing with the neighbours' load, the CPU a request costs does not.

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** CPU milliseconds of a process or of one thread (`thread`: its id); user and system time, or one of them. */
export function cpuMsOf(pid: number, options: { thread?: number; only?: 'user' | 'system' } = {}): number {
  const file = options.thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${options.thread}/stat`;
  // utime and stime are fields 14 and 15, the 12th and 13th after the command name (which may hold spaces).
  const fields = readFileSync(file, 'utf8').split(') ')[1]!.split(' ');
  const [user, system] = [Number(fields[11]), Number(fields[12])];
  const ticks = options.only === 'user' ? user : options.only === 'system' ? system : user + system;
  return (ticks * 1000) / CLOCK_TICKS;
}
