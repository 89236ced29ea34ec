/**
 * A view of `target` whose method `name` stops on its first call until `release()` is called (later calls go straight
 * through); `reached` resolves once that first call has got there. For tests that hold one party mid-way while a
 * competitor runs.
 */
export function heldAtFirstCall<T extends object>(
  target: T,
  name: keyof T,
): { view: T; reached: Promise<void>; release: () => void } {
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let arrive = () => {};
  const reached = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  const original = target[name] as (...args: unknown[]) => Promise<unknown>;
  let held = false;
  const view: T = Object.create(target);
  (view as Record<keyof T, unknown>)[name] = async (...args: unknown[]) => {
    if (!held) {
      held = true;
      arrive();
      await gate;
    }
    return original.apply(target, args);
  };
  return { view, reached, release };
}
