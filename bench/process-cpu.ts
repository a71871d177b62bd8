import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

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

/**
 * Pins a process, every thread of it (those it starts later too), on the CPUs of a taskset list
 * ("0", "0,1"); nothing when the list is empty.
 */
export function pinProcess(pid: number, cpuList: string): void {
  if (cpuList !== '') execFileSync('taskset', ['-a', '-p', '-c', cpuList, String(pid)], { stdio: 'ignore' });
}

/** The CPUs outside a taskset list, as a list: where a load generator keeps off a pinned server ("" for none left, or no list). */
export function otherCpus(cpuList: string): string {
  if (cpuList === '') return '';
  const pinned = cpuList.split(',').map(Number);
  return cpus()
    .map((_, i) => i)
    .filter((i) => !pinned.includes(i))
    .join(',');
}
