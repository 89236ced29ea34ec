import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, StreamViewType, Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { SCHEDULED_DUE_INDEX, TABLE_KEYS, TTL_ATTRIBUTE } from '../../lib/adapters/dynamodb/table-definition.js';

/**
 * `read-update`: reads and UpdateItem only (also inside TransactWriteItems), for a function that changes attributes
 * of items others create and must never create or delete one (the receipts worker).
 */
export type TableAccess = 'read' | 'read-update' | 'read-write';

/**
 * The actions the repositories use. Deliberately not `grantReadWriteData`: that includes Scan, and docs/design.md
 * section 4 allows no Scan in any request or delivery path, so IAM refuses it too.
 */
const TABLE_ACTIONS: Record<TableAccess, readonly string[]> = {
  read: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
  'read-update': ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:UpdateItem'],
  'read-write': [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:ConditionCheckItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
  ],
};

export interface DataProps {
  readonly retainData: boolean;
}

/** The stage's single table, built from the same key constants the repositories and the local runtime use. */
export class Data extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: DataProps) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      // The outbox of domain events (functions/event-publisher.ts), as in table-definition.ts.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      deletionProtection: props.retainData,
      removalPolicy: props.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: SCHEDULED_DUE_INDEX.name,
      partitionKey: { name: SCHEDULED_DUE_INDEX.partitionKey, type: AttributeType.STRING },
      sortKey: { name: SCHEDULED_DUE_INDEX.sortKey, type: AttributeType.STRING },
    });
  }

  /** Grants the table (and its indexes) and tells the function where it is, in one call so the two never drift. */
  bind(fn: LambdaFunction, access: TableAccess): void {
    fn.addEnvironment('TABLE_NAME', this.table.tableName);
    this.grant(fn, access);
  }

  grant(grantee: IGrantable, access: TableAccess): void {
    this.table.grant(grantee, ...TABLE_ACTIONS[access]);
  }
}
