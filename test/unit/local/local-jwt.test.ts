import { SignJWT } from 'jose';
import {
  DEFAULT_LOCAL_JWT_AUDIENCE,
  DEFAULT_LOCAL_JWT_ISSUER,
  type LocalJwtTrust,
  signLocalToken,
  verifyLocalToken,
} from '../../../local/local-jwt.js';

// The local server's stand-in for API Gateway's JWT authorizer: what it accepts and how it hands claims over.

const TRUST: LocalJwtTrust = {
  secret: 'a-local-secret-for-these-tests',
  issuer: DEFAULT_LOCAL_JWT_ISSUER,
  audience: DEFAULT_LOCAL_JWT_AUDIENCE,
};
const now = () => Math.floor(Date.now() / 1000);

const sign = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(TRUST.secret));

const valid = () => ({ iss: TRUST.issuer, aud: TRUST.audience, exp: now() + 60, tenant_id: 'acme' });

describe('verifyLocalToken', () => {
  it('accepts what signLocalToken signs, with the roles as the authorizer flattens them', async () => {
    // Prepare
    const token = await signLocalToken({ secret: TRUST.secret, tenantId: 'acme', roles: ['viewer', 'operator'] });

    // Act
    const claims = await verifyLocalToken(token, TRUST);

    // Assess
    expect(claims).toMatchObject({
      tenant_id: 'acme',
      'cognito:groups': '[viewer operator]',
      iss: TRUST.issuer,
      aud: TRUST.audience,
      exp: expect.stringMatching(/^\d+$/),
    });
  });

  it('hands every claim over as a string, as API Gateway does', async () => {
    // Act
    const claims = await verifyLocalToken(await sign({ ...valid(), n: 123, b: true, z: null, o: { a: 1 } }), TRUST);

    // Assess
    expect(claims).toMatchObject({ n: '123', b: 'true', z: 'null', o: '{"a":1}' });
  });

  it.each([
    ['no exp', () => ({ ...valid(), exp: undefined })],
    ['an exp in the past', () => ({ ...valid(), exp: now() - 60 })],
    ['an exp that is not a number', () => ({ ...valid(), exp: 'tomorrow' })],
    ['no iss', () => ({ ...valid(), iss: undefined })],
    ['another iss', () => ({ ...valid(), iss: 'https://cognito-idp.us-east-1.amazonaws.com/other' })],
    ['no aud', () => ({ ...valid(), aud: undefined })],
    ['another aud', () => ({ ...valid(), aud: 'another-client' })],
  ])('refuses a token with %s', async (_what, claims) => {
    // Act
    const verified = await verifyLocalToken(await sign(JSON.parse(JSON.stringify(claims()))), TRUST);

    // Assess
    expect(verified).toBeUndefined();
  });

  it('accepts an audience list that holds its audience, as API Gateway does', async () => {
    // Act
    const verified = await verifyLocalToken(await sign({ ...valid(), aud: ['other', TRUST.audience] }), TRUST);

    // Assess
    expect(verified?.tenant_id).toBe('acme');
  });
});
