/**
 * COMPARISON BASELINE, NOT PART OF THE PRODUCT.
 *
 * The seed's own delivery algorithm (its "Workers (Planned)": BroadcastExecutionWorker and RateLimiter),
 * ported to TypeScript so `npm run bench` can measure it side by side with the product, against the same
 * DynamoDB Local and the same webhook sink. Nothing under lib/ or functions/ may import this file.
 *
 * Faithful to the seed: resolve ALL contacts into memory, SaveBatch every execution, then one contact at a
 * time: rate-limiter sleep, render, send, Save(execution), Save(broadcast); finally Complete + Save(broadcast).
 * Where the seed leaves a choice open, the choice favours the baseline: each execution is its own partition
 * (only the broadcast item is hot), templates are compiled once, and it reuses the product's renderer,
 * unsubscribe links and webhook adapter, so the two differ in their algorithm only.
 */
import { randomUUID } from 'node:crypto';
import { BatchWriteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Contact } from '../../../lib/domain/contact.js';
import {
  compileMessageTemplate,
  isMissing,
  renderContextFor,
  renderMessage,
} from '../../../lib/domain/template-rendering.js';
import type { ChannelSender, OutboundMessage } from '../../../lib/ports/channel-sender.js';
import type { UseCaseDeps } from '../../../lib/use-cases/deps.js';
import { allMemberIds } from '../support/list-members.js';

/** The seed's RateLimiter: a fixed sleep of one interval before every message; 0 = unlimited. */
export class SeedRateLimiter {
  private readonly intervalMs: number;

  constructor(msgsPerMinute: number) {
    this.intervalMs = msgsPerMinute === 0 ? 0 : 60_000 / msgsPerMinute;
  }

  async wait(): Promise<void> {
    if (this.intervalMs === 0) return;
    await new Promise((done) => setTimeout(done, this.intervalMs));
  }
}

interface SeedExecution {
  id: string;
  broadcastId: string;
  contactId: string;
  status: 'pending' | 'sent' | 'failed';
  messageId?: string;
  error?: string;
  sentAt?: string;
  createdAt: string;
}

interface SeedBroadcastState {
  id: string;
  tenantId: string;
  name: string;
  listId: string;
  status: 'running' | 'completed';
  totalContacts: number;
  sentCount: number;
  failedCount: number;
  pendingCount: number;
  rateLimit: number;
  messageTemplate: unknown;
  startedAt: string;
  completedAt?: string;
  updatedAt: string;
}

export interface SeedWorkerDeps {
  /** Reads the broadcast, the list and the contacts (the product's repositories on the same table). */
  repositories: Pick<UseCaseDeps, 'broadcasts' | 'contactLists' | 'contacts' | 'unsubscribeLinks'>;
  /** Writes the baseline's own items. */
  client: DynamoDBDocumentClient;
  tableName: string;
  sender: ChannelSender;
}

export interface SeedRunResult {
  contacts: number;
  sent: number;
  failed: number;
}

/** The seed's BroadcastExecutionWorker.ExecuteBroadcast. */
export class SeedBroadcastExecutionWorker {
  constructor(private readonly deps: SeedWorkerDeps) {}

  async executeBroadcast(tenantId: string, broadcastId: string): Promise<SeedRunResult> {
    const { repositories } = this.deps;
    const found = await repositories.broadcasts.findById(tenantId, broadcastId);
    if (!found) throw new Error(`baseline: no broadcast ${broadcastId}`);
    const now = new Date().toISOString();
    const broadcast: SeedBroadcastState = {
      id: found.id,
      tenantId,
      name: found.name,
      listId: found.listId,
      status: 'running',
      totalContacts: 0,
      sentCount: 0,
      failedCount: 0,
      pendingCount: 0,
      rateLimit: found.rateLimit,
      messageTemplate: found.messageTemplate,
      startedAt: now,
      updatedAt: now,
    };

    // 1. Resolve contacts from list (all of them, in memory).
    const list = await repositories.contactLists.findById(tenantId, found.listId);
    if (!list) throw new Error(`baseline: no list ${found.listId}`);
    const contactIds = await allMemberIds(repositories.contactLists, list);
    const contacts = new Map<string, Contact>();
    for (const contact of await repositories.contacts.findByIds(tenantId, contactIds))
      contacts.set(contact.id, contact);
    broadcast.totalContacts = contacts.size;
    broadcast.pendingCount = contacts.size;

    // 2. Create executions.
    const executions: SeedExecution[] = [...contacts.keys()].map((contactId) => ({
      id: randomUUID(),
      broadcastId,
      contactId,
      status: 'pending',
      createdAt: now,
    }));
    await this.saveBatch(tenantId, executions);

    // 3. Execute with rate limiting.
    const rateLimiter = new SeedRateLimiter(broadcast.rateLimit);
    const compiled = compileMessageTemplate(found.messageTemplate);
    for (const execution of executions) {
      await rateLimiter.wait();
      const contact = contacts.get(execution.contactId) as Contact;
      const at = new Date();
      const link = repositories.unsubscribeLinks.linkFor({ tenantId, contactId: contact.id, broadcastId });
      const rendered = renderMessage(compiled, renderContextFor(contact, found, at, link));
      let error: string | undefined;
      let messageId: string | undefined;
      if (isMissing(rendered)) error = rendered.reason;
      else {
        const outcome = await this.deps.sender.send(outbound(tenantId, broadcastId, execution, contact, rendered));
        if (outcome.kind === 'accepted') messageId = outcome.providerMessageId ?? randomUUID();
        else error = outcome.reason;
      }
      if (error === undefined) {
        execution.status = 'sent';
        execution.messageId = messageId;
        execution.sentAt = new Date().toISOString();
        broadcast.sentCount++;
      } else {
        execution.status = 'failed';
        execution.error = error;
        broadcast.failedCount++;
      }
      broadcast.pendingCount--;
      broadcast.updatedAt = new Date().toISOString();
      await this.saveExecution(tenantId, execution);
      await this.saveBroadcast(broadcast);
    }

    // 4. Complete.
    broadcast.status = 'completed';
    broadcast.completedAt = new Date().toISOString();
    await this.saveBroadcast(broadcast);
    return { contacts: executions.length, sent: broadcast.sentCount, failed: broadcast.failedCount };
  }

  /** BroadcastExecutionRepository.SaveBatch: BatchWriteItem, 25 at a time. */
  private async saveBatch(tenantId: string, executions: readonly SeedExecution[]): Promise<void> {
    for (let i = 0; i < executions.length; i += 25) {
      let pending: Record<string, unknown>[] = executions
        .slice(i, i + 25)
        .map((e) => ({ PutRequest: { Item: executionItem(tenantId, e) } }));
      while (pending.length > 0) {
        const result = await this.deps.client.send(
          new BatchWriteCommand({ RequestItems: { [this.deps.tableName]: pending as never } }),
        );
        pending = (result.UnprocessedItems?.[this.deps.tableName] ?? []) as Record<string, unknown>[];
      }
    }
  }

  /** BroadcastExecutionRepository.Save. */
  private async saveExecution(tenantId: string, execution: SeedExecution): Promise<void> {
    await this.deps.client.send(
      new PutCommand({ TableName: this.deps.tableName, Item: executionItem(tenantId, execution) }),
    );
  }

  /** BroadcastRepository.Save: the whole aggregate, counters included. */
  private async saveBroadcast(broadcast: SeedBroadcastState): Promise<void> {
    await this.deps.client.send(
      new PutCommand({
        TableName: this.deps.tableName,
        Item: { pk: `BASELINE#T#${broadcast.tenantId}#BROADCAST#${broadcast.id}`, sk: 'BROADCAST', ...broadcast },
      }),
    );
  }
}

function executionItem(tenantId: string, execution: SeedExecution): Record<string, unknown> {
  return { pk: `BASELINE#T#${tenantId}#EXECUTION#${execution.id}`, sk: 'EXECUTION', ...stripUndefined(execution) };
}

function outbound(
  tenantId: string,
  broadcastId: string,
  execution: SeedExecution,
  contact: Contact,
  rendered: { content?: string; variables?: Record<string, string> },
): OutboundMessage {
  return {
    idempotencyKey: `seed-${execution.id}`,
    tenantId,
    broadcastId,
    executionId: execution.id,
    executionReference: execution.id,
    contact: {
      id: contact.id,
      ...(contact.name ? { name: contact.name } : {}),
      ...(contact.phone ? { phone: contact.phone } : {}),
      ...(contact.email ? { email: contact.email } : {}),
    },
    message: {
      type: 'text',
      ...(rendered.content !== undefined ? { content: rendered.content } : {}),
      ...(rendered.variables ? { variables: rendered.variables } : {}),
    },
  };
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
