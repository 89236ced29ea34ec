import { RemovalPolicy } from 'aws-cdk-lib';
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
   * Gives a function what signing or verifying links takes: the key (UNSUBSCRIBE_SECRET) and the public base URL
   * links point to. lib/adapters/unsubscribe reads the key from the environment, so CloudFormation resolves it at
   * deploy time into the function's (KMS-encrypted) configuration; whoever may read function configurations may
   * read the key. Fetching it at run time instead would need only a grant here.
   */
  bind(fn: LambdaFunction, publicBaseUrl: string): void {
    fn.addEnvironment('UNSUBSCRIBE_SECRET', this.secret.secretValue.unsafeUnwrap());
    fn.addEnvironment('PUBLIC_BASE_URL', publicBaseUrl);
  }
}
