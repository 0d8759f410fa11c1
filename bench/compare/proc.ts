// CPU time and memory of another process, read from Linux's /proc, so that every gateway of
// the comparison is measured the same way whatever it runs (our gateway, Apollo's, Hive's CLI).

import { readFileSync, writeFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** User + system CPU time of the process, all its threads (V8's GC threads included), in ms. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / TICKS_PER_SECOND;
}

/** A field of /proc/<pid>/status in KiB, or NaN when it cannot be read (not Linux, gone). */
function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
    return match ? Number(match[1]) : NaN;
  } catch {
    return NaN;
  }
}

export const rssMiB = (pid: number): number => statusKiB(pid, 'VmRSS') / 1024;

/** The resident set's high-water mark since the process started or since resetPeakRss. */
export const peakRssMiB = (pid: number): number => statusKiB(pid, 'VmHWM') / 1024;

/**
 * Resets the process's RSS high-water mark to its current RSS (`echo 5 > clear_refs`, Linux 4.0+).
 * Returns false where that is not allowed; the peak is then since the process started.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
