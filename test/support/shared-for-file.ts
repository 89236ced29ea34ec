/**
 * Something a test file's tests share: started before the first of them and stopped after the last. Call this at
 * the top of the file, before the hooks that use it. What it returns stands for the started one (each property is
 * read from it when used), so use it inside the tests and their hooks only.
 */
export function sharedForFile<T extends object>(start: () => Promise<T>, stop: (started: T) => Promise<unknown>): T {
  let started: T | undefined;
  beforeAll(async () => {
    started = await start();
  });
  afterAll(async () => {
    if (started) await stop(started);
  });
  return new Proxy({} as T, {
    get(_, property) {
      if (!started) throw new Error(`${String(property)}: read outside the tests of the file, before anything started`);
      const value: unknown = Reflect.get(started, property);
      return typeof value === 'function' ? value.bind(started) : value;
    },
  });
}
