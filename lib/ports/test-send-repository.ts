import type { TestSend, TestSendOutcome } from '../domain/test-send.js';
import type { Page, PageRequest } from './pagination.js';

/** The times of a broadcast's recent test sends (epoch ms, oldest first) and the version they were read at. */
export interface TestSendWindowState {
  times: number[];
  /** 0 when the broadcast has no window yet. */
  version: number;
}

/** A broadcast's test sends: the limiter's window and the history, kept apart from its executions and counters. */
export interface TestSendRepository {
  /** The window as it stands now (a consistent read). */
  readWindow(tenantId: string, broadcastId: string): Promise<TestSendWindowState>;
  /**
   * Admits a test send: the window's new `times` replace the ones read at `readVersion`, and the test send is
   * recorded as `sending`, both in one write. False, with nothing written, when the window changed since it was
   * read (another test send got in first): read it again and decide again.
   */
  admit(testSend: TestSend, window: { readVersion: number; times: number[] }): Promise<boolean>;
  /** Records the channel's answer for a test send admitted before. */
  complete(testSend: TestSend, outcome: TestSendOutcome, updatedAt: string): Promise<TestSend>;
  /** The broadcast's test sends, newest first. */
  list(tenantId: string, broadcastId: string, page: PageRequest): Promise<Page<TestSend>>;
}
