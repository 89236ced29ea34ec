import { afterEach, beforeEach, jest } from '@jest/globals';

/**
 * Collects the JSON lines the process writes to standard output and error (Powertools' logger writes warnings and
 * errors to the latter, everything else and the metrics to the former) until restored; anything else is dropped.
 */
export function captureJsonOutput(): { lines: () => Record<string, unknown>[]; restore: () => void } {
  const written: string[] = [];
  const collect = (chunk: unknown) => {
    written.push(String(chunk));
    return true;
  };
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(collect),
    jest.spyOn(process.stderr, 'write').mockImplementation(collect),
  ];
  return {
    lines: () =>
      written
        .join('')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}

/** The JSON lines written during the current test: captureJsonOutput around each test of the file. */
export function jsonOutputOfEachTest(): { lines: () => Record<string, unknown>[] } {
  let output: ReturnType<typeof captureJsonOutput> | undefined;
  beforeEach(() => {
    output = captureJsonOutput();
  });
  afterEach(() => {
    output?.restore();
  });
  return { lines: () => output?.lines() ?? [] };
}
