/** Sets the variables (undefined: unsets it); the function returned puts back what was there before. */
export function setEnv(values: Readonly<Record<string, string | undefined>>): () => void {
  const previous = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  const apply = (next: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(next)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(values);
  return () => apply(previous);
}

/**
 * Sets the variables now, so that the modules the test file imports afterwards read them, and puts back what was
 * there once the file's tests are over.
 */
export function envForFile(values: Readonly<Record<string, string | undefined>>): void {
  afterAll(setEnv(values));
}
