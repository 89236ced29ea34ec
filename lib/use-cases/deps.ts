import type { BroadcastRepository } from '../ports/broadcast-repository.js';
import type { ContactListRepository } from '../ports/contact-list-repository.js';
import type { ContactRepository } from '../ports/contact-repository.js';
import type { ExecutionRepository } from '../ports/execution-repository.js';
import type { Clock, EventRecorder, IdGenerator } from '../ports/runtime.js';

/** Everything a use case may depend on; each use case picks the few it needs. */
export interface UseCaseDeps {
  contacts: ContactRepository;
  contactLists: ContactListRepository;
  broadcasts: BroadcastRepository;
  executions: ExecutionRepository;
  events: EventRecorder;
  clock: Clock;
  ids: IdGenerator;
}

export function nowIso(deps: Pick<UseCaseDeps, 'clock'>): string {
  return deps.clock.now().toISOString();
}
