import { RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface UnsubscribeLinksProps {
  readonly retainData: boolean;
}

/**
 * The HMAC key of the unsubscribe links (issue 3), generated once per tenant stage and kept stable across deploys:
 * a new key would break every link already delivered. Retained with the data, for the same reason.
 */
export class UnsubscribeLinks extends Construct {
  readonly secret: Secret;

  constructor(scope: Construct, id: string, props: UnsubscribeLinksProps) {
    super(scope, id);
    this.secret = new Secret(this, 'SigningKey', {
      description: 'HMAC key of the unsubscribe links',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
  }

  /**
   * Gives a function what signing or verifying links takes: the right to read the key (secretsmanager:GetSecretValue
   * on this secret, nothing more), where it is (UNSUBSCRIBE_SECRET_ARN) and the public base URL links point to. The
   * function reads the key once per cold start (lib/composition-root.ts, Powertools Parameters): the key is never in
   * its configuration, where whoever may read function configurations would read it too (issue 11).
   */
  bind(fn: LambdaFunction, publicBaseUrl: string): void {
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.secret.secretArn] }),
    );
    fn.addEnvironment('UNSUBSCRIBE_SECRET_ARN', this.secret.secretArn);
    fn.addEnvironment('PUBLIC_BASE_URL', publicBaseUrl);
  }
}
