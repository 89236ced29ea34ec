/** The most sends any window [a, a + widthMs) holds, over the send times (epoch ms, in any order). */
export function maxInWindow(times: readonly number[], widthMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] as number) - (sorted[start] as number) >= widthMs) start++;
    max = Math.max(max, end - start + 1);
  }
  return max;
}

/** The most sends any 60-second window holds: what a per-minute rate limit caps. */
export function maxInAnyMinute(times: readonly number[]): number {
  return maxInWindow(times, 60_000);
}
