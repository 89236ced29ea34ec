import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer, HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { FeaturePlan, StringAttribute, UserPool, type UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import type { Naming } from '../naming.js';
import type { StageConfig } from '../stages.js';

export interface ApiAuthProps {
  readonly naming: Naming;
  readonly config: StageConfig;
}

/**
 * Who may call the API: the JWT authorizer every non-public route uses (docs/design.md section 12). Either a Cognito
 * user pool created here, whose ID tokens carry the tenant as an immutable custom attribute (nobody can move a user to
 * another tenant after creation), or an external OIDC issuer from the stage config.
 */
export class ApiAuth extends Construct {
  readonly authorizer: IHttpRouteAuthorizer;
  readonly issuer: string;
  readonly userPool: UserPool | undefined;
  readonly userPoolClient: UserPoolClient | undefined;

  constructor(scope: Construct, id: string, props: ApiAuthProps) {
    super(scope, id);
    const { auth, tenantClaim, retainData } = props.config;
    if (auth.kind === 'oidc') {
      this.issuer = auth.issuer;
      this.userPool = undefined;
      this.userPoolClient = undefined;
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
      // Lite covers password sign-in and JWTs, which is all the API needs, at the lowest price per user.
      featurePlan: FeaturePlan.LITE,
      deletionProtection: retainData,
      removalPolicy: retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.userPoolClient = this.userPool.addClient('ApiClient', {
      // ADMIN_USER_PASSWORD_AUTH lets an operator fetch a token with the AWS CLI; SRP is for browser clients.
      authFlows: { adminUserPassword: true, userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
    });
    this.issuer = `https://cognito-idp.${Aws.REGION}.amazonaws.com/${this.userPool.userPoolId}`;
    this.authorizer = new HttpUserPoolAuthorizer('CognitoAuthorizer', this.userPool, {
      userPoolClients: [this.userPoolClient],
    });
  }
}
