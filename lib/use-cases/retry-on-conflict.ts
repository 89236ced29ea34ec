import { ConflictError } from '../domain/errors.js';

const ATTEMPTS = 5;

/**
 * Runs a read-modify-write again when the write lost a race (ConflictError with one of `codes`): the
 * second attempt reads the winner's result and applies its change on top, so neither write is lost.
 */
export async function retryOnConflict<T>(codes: readonly string[], attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof ConflictError) || !codes.includes(error.code) || n >= ATTEMPTS) throw error;
    }
  }
}
