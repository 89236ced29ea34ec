export interface Clock {
  now(): Date;
  /** Waits `ms` by this clock. Absent: timers (wall time); a test's clock moves itself on instead. */
  sleep?(ms: number): Promise<void>;
}

export interface IdGenerator {
  newId(): string;
}
