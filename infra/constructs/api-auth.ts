import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer, HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  OAuthScope,
  StringAttribute,
  UserPool,
  type UserPoolClient,
  type UserPoolClientOptions,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { ROLES, type Role } from '../../lib/http/roles.js';
import type { Naming } from '../naming.js';
import type { StageConfig } from '../stages.js';

/** A group per role: the role claim (`cognito:groups`) lists the groups a user is in (lib/http/roles.ts). */
const ROLE_GROUPS: Readonly<Record<Role, string>> = {
  viewer: 'Reads contacts, lists, broadcasts, their results and channels',
  operator: 'Viewer, and changes contacts, lists and broadcasts and runs them',
  admin: 'Operator, and manages channels',
};

type CognitoAuth = Extract<StageConfig['auth'], { kind: 'cognito' }>;

export interface ApiAuthProps {
  readonly naming: Naming;
  readonly config: StageConfig;
  /** The dashboard's URL (`https://<distribution>/`), when the stack hosts it: a callback and logout URL of the client. */
  readonly dashboardUrl?: string;
}

/**
 * Who may call the API: the JWT authorizer every non-public route uses (docs/design.md section 12). Either a Cognito user
 * pool created here, whose ID tokens carry the tenant as an immutable custom attribute (nobody can move a user to
 * another tenant after creation) and the user's role groups in `cognito:groups`, or an external OIDC issuer from the
 * stage config. Which roles may call which route is the service's own check (lib/http/routes.ts), not the authorizer's.
 */
export class ApiAuth extends Construct {
  readonly authorizer: IHttpRouteAuthorizer;
  readonly issuer: string;
  readonly userPool: UserPool | undefined;
  readonly userPoolClient: UserPoolClient | undefined;
  /** The hosted UI's base URL (`https://<prefix>.auth.<region>.amazoncognito.com`), when the pool has a domain. */
  readonly hostedUiUrl: string | undefined;

  constructor(scope: Construct, id: string, props: ApiAuthProps) {
    super(scope, id);
    const { auth, tenantClaim, retainData } = props.config;
    if (auth.kind === 'oidc') {
      this.issuer = auth.issuer;
      this.userPool = undefined;
      this.userPoolClient = undefined;
      this.hostedUiUrl = undefined;
      this.authorizer = new HttpJwtAuthorizer('JwtAuthorizer', auth.issuer, { jwtAudience: auth.audience });
      return;
    }
    const tenantAttribute = tenantClaim.slice('custom:'.length);
    this.userPool = new UserPool(this, 'UserPool', {
      userPoolName: props.naming.physicalName(),
      // Users are provisioned by an operator with their tenant, never by themselves.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      customAttributes: { [tenantAttribute]: new StringAttribute({ minLen: 1, maxLen: 64, mutable: false }) },
      // An authenticator app (TOTP) as second factor; SMS would need an SNS origination number and is phishable.
      mfa: auth.mfa === 'required' ? Mfa.REQUIRED : Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Lite covers password sign-in, TOTP and JWTs, which is all the API needs, at the lowest price per user.
      featurePlan: FeaturePlan.LITE,
      deletionProtection: retainData,
      removalPolicy: retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    for (const role of ROLES) {
      this.userPool.addGroup(`${role}Group`, { groupName: role, description: ROLE_GROUPS[role] });
    }
    this.userPoolClient = this.userPool.addClient('ApiClient', {
      // ADMIN_USER_PASSWORD_AUTH lets an operator fetch a token with the AWS CLI; SRP is for browser clients.
      authFlows: { adminUserPassword: true, userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      ...oAuthOf(auth, props.dashboardUrl),
    });
    const domainPrefix = auth.hostedUi?.domainPrefix ?? props.config.dashboard?.domainPrefix;
    this.hostedUiUrl = undefined;
    if (domainPrefix !== undefined) {
      const domain = this.userPool.addDomain('HostedUi', { cognitoDomain: { domainPrefix } });
      this.hostedUiUrl = domain.baseUrl();
    }
    this.issuer = `https://cognito-idp.${Aws.REGION}.amazonaws.com/${this.userPool.userPoolId}`;
    this.authorizer = new HttpUserPoolAuthorizer('CognitoAuthorizer', this.userPool, {
      userPoolClients: [this.userPoolClient],
    });
  }
}

/**
 * The client's OAuth settings. Left to CDK's defaults a client gets the implicit flow (tokens in the URL fragment,
 * where browser history and referrers leak them) and `https://example.com` as callback: so a stage without a hosted UI
 * gets no OAuth flow at all, and one with it (or with the dashboard) gets the authorization code flow only, back to
 * its own URLs and the dashboard's.
 */
function oAuthOf(
  auth: CognitoAuth,
  dashboardUrl: string | undefined,
): Pick<UserPoolClientOptions, 'oAuth' | 'disableOAuth'> {
  if (auth.hostedUi === undefined && dashboardUrl === undefined) return { disableOAuth: true };
  const dashboard = dashboardUrl === undefined ? [] : [dashboardUrl];
  return {
    oAuth: {
      flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
      scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
      callbackUrls: [...(auth.hostedUi?.callbackUrls ?? []), ...dashboard],
      logoutUrls: [...(auth.hostedUi?.logoutUrls ?? []), ...dashboard],
    },
  };
}
