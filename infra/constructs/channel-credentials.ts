import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { Naming } from '../naming.js';

/** What a function does with channel credentials: `seal` those it is given (write), `open` stored ones (read). */
export type ChannelCredentialsUse = 'seal' | 'open';

/** The encryption context every credential is sealed under (lib/adapters/dynamodb/channel-credentials.ts). */
const CONTEXT_KEYS = ['tenant_id', 'channel_id', 'credential'];

export interface ChannelCredentialsProps {
  readonly naming: Naming;
  /** The stage's tenant: the only one whose credentials the functions may seal or open. */
  readonly tenant: string;
  readonly retainData: boolean;
}

/**
 * The stage's KMS key for channel credentials (issue 11): a symmetric customer managed key, rotated every year by KMS
 * (old versions keep opening what they sealed), retained with the data (without it the stored credentials are lost).
 * The key policy is CDK's default (the account, delegating to IAM); each function gets an identity statement for the
 * one operation it needs, on this key, and only under an encryption context naming the stage's tenant and made of the
 * context's keys alone. A function that seals cannot open, and the reverse.
 */
export class ChannelCredentials extends Construct {
  readonly key: Key;
  private readonly tenant: string;

  constructor(scope: Construct, id: string, props: ChannelCredentialsProps) {
    super(scope, id);
    this.tenant = props.tenant;
    this.key = new Key(this, 'Key', {
      description: `Seals the channel credentials of ${props.naming.physicalName()}`,
      alias: props.naming.physicalName('channel-credentials'),
      keySpec: KeySpec.SYMMETRIC_DEFAULT,
      keyUsage: KeyUsage.ENCRYPT_DECRYPT,
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(props.retainData ? 30 : 7),
    });
  }

  /** Lets `fn` seal or open credentials of the stage's tenant, and names the key to it (CHANNEL_SECRETS_KEY_ARN). */
  bind(fn: LambdaFunction, use: ChannelCredentialsUse): void {
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: [use === 'seal' ? 'kms:Encrypt' : 'kms:Decrypt'],
        resources: [this.key.keyArn],
        conditions: {
          StringEquals: { 'kms:EncryptionContext:tenant_id': this.tenant },
          'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': CONTEXT_KEYS },
        },
      }),
    );
    fn.addEnvironment('CHANNEL_SECRETS_KEY_ARN', this.key.keyArn);
  }
}
