import { sesRulePattern, smsRulePattern } from '../../../lib/adapters/provider-events/rule-patterns.js';
import { matchesPattern } from '../../../local/event-pattern.js';
import { eventFixture } from '../../support/lambda-events.js';

describe('matchesPattern (the local stand-in for EventBridge matching)', () => {
  it('matches the fixtures as AWS documents them with the stage rules they belong to, and not with the other', () => {
    // Prepare
    const ses = sesRulePattern('broadcast-acme-prod');
    const sms = smsRulePattern('acme');

    // Act
    const bounce = eventFixture('eventbridge-ses-bounce');
    const status = eventFixture('eventbridge-sms-status');

    // Assess
    expect([matchesPattern(ses, bounce), matchesPattern(sms, bounce)]).toEqual([true, false]);
    expect([matchesPattern(ses, status), matchesPattern(sms, status)]).toEqual([false, true]);
  });

  it("refuses another configuration set's, another tenant's, and unapplied event types", () => {
    // Prepare
    const bounce = eventFixture('eventbridge-ses-bounce');
    const opened = { ...eventFixture('eventbridge-ses-delivery'), 'detail-type': 'Email Opened' };
    const queued = eventFixture('eventbridge-sms-status');
    queued.detail.eventType = 'TEXT_QUEUED';

    // Act
    const otherSet = matchesPattern(sesRulePattern('broadcast-acme-dev'), bounce);
    const otherTenant = matchesPattern(smsRulePattern('globex'), eventFixture('eventbridge-sms-status'));
    const notApplied = [
      matchesPattern(sesRulePattern(undefined), opened),
      matchesPattern(smsRulePattern(undefined), queued),
    ];

    // Assess
    expect([otherSet, otherTenant, ...notApplied]).toEqual([false, false, false, false]);
  });

  it('matches a list value by any member, an object field by field, and nothing that is not an object', () => {
    // Prepare
    const pattern = { source: ['a', 'b'], detail: { tags: { t: ['x'] } } };

    // Act
    const results = [
      matchesPattern(pattern, { source: 'b', detail: { tags: { t: ['y', 'x'] } } }),
      matchesPattern(pattern, { source: 'c', detail: { tags: { t: ['x'] } } }),
      matchesPattern(pattern, { source: 'a', detail: { tags: {} } }),
      matchesPattern(pattern, { source: 'a', detail: 'x' }),
      matchesPattern(pattern, { source: 'a' }),
      matchesPattern(pattern, null),
      matchesPattern(pattern, ['a']),
      matchesPattern({ source: ['a'] }, Object.create({ source: 'a' })),
    ];

    // Assess
    expect(results).toEqual([true, false, false, false, false, false, false, false]);
  });
});
