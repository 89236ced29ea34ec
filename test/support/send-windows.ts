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

/**
 * The fewest sends any window [a, a + widthMs) holds among those lying wholly inside [from, to), exactly: a count can
 * only drop when a window's start passes a send, so the candidates are `from` and just after each send.
 */
export function minInWindow(times: readonly number[], widthMs: number, from: number, to: number): number | null {
  if (to - from < widthMs) return null;
  const sorted = [...times].sort((a, b) => a - b);
  // Sends in (after, after + widthMs]: the window starting just after `after`.
  const justAfter = (after: number) => upperBound(sorted, after + widthMs) - upperBound(sorted, after);
  let min = lowerBound(sorted, from + widthMs) - lowerBound(sorted, from);
  for (const t of sorted) {
    if (t < from) continue;
    if (t + widthMs >= to) break;
    min = Math.min(min, justAfter(t));
  }
  return min;
}

/** First index whose value is at least `value`. */
function lowerBound(sorted: readonly number[], value: number): number {
  return firstIndex(sorted, (at) => at >= value);
}

/** First index whose value is above `value`. */
function upperBound(sorted: readonly number[], value: number): number {
  return firstIndex(sorted, (at) => at > value);
}

/** Binary search: the first index where `reached` holds (it holds from there on in a sorted list). */
function firstIndex(sorted: readonly number[], reached: (value: number) => boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (reached(sorted[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
