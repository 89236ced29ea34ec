import { sharedForFile } from '../../support/shared-for-file.js';

const events: string[] = [];

class Counter {
  count = 0;
  increment(): number {
    this.count++;
    return this.count;
  }
}

const counter = sharedForFile(
  async () => {
    events.push('started');
    return new Counter();
  },
  async () => {
    events.push('stopped');
  },
);

describe('sharedForFile', () => {
  it('starts the resource once before the tests of the file', () => {
    // Assess
    expect(events).toEqual(['started']);
  });

  it('reads each property from the started resource, with methods bound to it', () => {
    // Act
    const { increment } = counter;
    increment();
    counter.increment();

    // Assess
    expect(counter.count).toBe(2);
    expect(events).toEqual(['started']);
  });
});
