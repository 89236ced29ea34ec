import { createChannelBody, messageTemplate, updateChannelBody } from '../../../lib/http/schemas.js';

const issuesOf = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
  (result.error?.issues ?? []).map((issue) => issue.path.join('.')).sort();

describe('an email_ses channel body', () => {
  const body = {
    name: 'Newsletter',
    type: 'email_ses',
    config: {
      from_address: 'news@acme.example',
      from_name: 'Acme Store',
      reply_to: 'care@acme.example',
      configuration_set_name: 'acme-events_1',
    },
  };

  it('accepts the full config, and the from address alone', () => {
    expect(createChannelBody.parse(body)).toMatchObject(body);
    const minimal = { name: 'N', type: 'email_ses', config: { from_address: 'news@acme.example' } };
    expect(createChannelBody.parse(minimal).config).toEqual({
      from_address: 'news@acme.example',
      from_name: undefined,
      reply_to: undefined,
      configuration_set_name: undefined,
    });
    expect(updateChannelBody.safeParse(minimal).success).toBe(true);
  });

  it.each([
    ['no from address', { config: {} }, ['config.from_address']],
    ['a from address that is no address', { config: { from_address: 'news' } }, ['config.from_address']],
    ['a reply-to that is no address', { config: { ...body.config, reply_to: 'care at acme' } }, ['config.reply_to']],
    [
      'a display name on two lines',
      { config: { ...body.config, from_name: 'Acme\r\nBcc: x@y.z' } },
      ['config.from_name'],
    ],
    [
      'a configuration set name SES would refuse',
      { config: { ...body.config, configuration_set_name: 'a.b' } },
      ['config.configuration_set_name'],
    ],
    ['an unknown config field', { config: { ...body.config, region: 'eu-west-1' } }, ['config']],
    ['another address kind than email', { required_address: 'phone' }, ['required_address']],
  ])('refuses %s', (_what, change, fields) => {
    expect(issuesOf(createChannelBody.safeParse({ ...body, ...change }))).toEqual(fields);
  });

  it('takes required_address email, the only one an e-mail can use', () => {
    expect(createChannelBody.parse({ ...body, required_address: 'email' }).required_address).toBe('email');
  });
});

describe('messageTemplate: subject and html', () => {
  it('accepts a text message with a subject and an HTML part', () => {
    const template = { type: 'text', content: 'Hi {{ name }}', subject: 'Hello {{ name }}', html: '<p>Hi</p>' };
    expect(messageTemplate.parse(template)).toMatchObject(template);
  });

  it.each([
    ['a subject on a template message', { type: 'template', template_id: 'promo', subject: 'S' }, ['subject']],
    [
      'an html part on a media message',
      { type: 'media', media_url: 'https://cdn.example/a.png', html: '<p/>' },
      ['html'],
    ],
    ['a subject on two lines', { type: 'text', content: 'c', subject: 'a\nb' }, ['subject']],
    ['an empty subject', { type: 'text', content: 'c', subject: '  ' }, ['subject']],
    ['an empty html part', { type: 'text', content: 'c', html: '' }, ['html']],
    ['an html part over 100,000 characters', { type: 'text', content: 'c', html: 'x'.repeat(100_001) }, ['html']],
  ])('refuses %s', (_what, template, fields) => {
    expect(issuesOf(messageTemplate.safeParse(template))).toEqual(fields);
  });

  it('null means unset, as for the other optional fields', () => {
    const parsed = messageTemplate.parse({ type: 'text', content: 'c', subject: null, html: null });
    expect([parsed.subject, parsed.html]).toEqual([undefined, undefined]);
  });
});
