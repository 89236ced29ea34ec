import type { Template } from 'aws-cdk-lib/assertions';
import { HANDLER_TAG } from '../../../infra/constructs/service-function.js';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation templates are untyped JSON.
export type Json = any;

export interface Resource {
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Json;
  readonly raw: Json;
}

export function resources(template: Template, type?: string): Resource[] {
  const all = (template.toJSON() as { Resources: Record<string, Json> }).Resources;
  return Object.entries(all)
    .filter(([, resource]) => type === undefined || resource.Type === type)
    .map(([logicalId, resource]) => ({
      logicalId,
      type: resource.Type,
      properties: resource.Properties ?? {},
      raw: resource,
    }));
}

export function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Every IAM-style statement anywhere in the template: role, inline, managed, queue, topic and bus policies. */
export function allStatements(template: Template): Json[] {
  const found: Json[] = [];
  const walk = (node: Json): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
    } else if (node !== null && typeof node === 'object') {
      if (Array.isArray(node.Statement)) found.push(...node.Statement);
      for (const value of Object.values(node)) walk(value);
    }
  };
  walk(template.toJSON());
  return found;
}

/** The statements of the identity policies attached to a role (by logical id). */
export function roleStatements(template: Template, roleLogicalId: string): Json[] {
  return resources(template, 'AWS::IAM::Policy')
    .filter((policy) => asArray(policy.properties.Roles).some((role: Json) => role.Ref === roleLogicalId))
    .flatMap((policy) => policy.properties.PolicyDocument.Statement);
}

export function tagValue(resource: Resource, key: string): string | undefined {
  const tags: Json[] = asArray(resource.properties.Tags);
  return tags.find((tag) => tag.Key === key)?.Value;
}

/** The Lambda function deployed from functions/<name>.ts, found by the tag every ServiceFunction carries. */
export function functionFor(template: Template, handlerName: string): Resource | undefined {
  return resources(template, 'AWS::Lambda::Function').find(
    (fn) => tagValue(fn, HANDLER_TAG) === `functions/${handlerName}.ts`,
  );
}

export function requiredFunction(template: Template, handlerName: string): Resource {
  const fn = functionFor(template, handlerName);
  if (fn === undefined) throw new Error(`functions/${handlerName}.ts is not deployed`);
  return fn;
}

/** Logical id behind `{ Ref }` or `{ Fn::GetAtt: [id, attr] }`. */
export function referencedId(value: Json): string | undefined {
  if (value?.Ref !== undefined) return value.Ref;
  if (Array.isArray(value?.['Fn::GetAtt'])) return value['Fn::GetAtt'][0];
  return undefined;
}

export function roleOf(fn: Resource): string {
  const id = referencedId(fn.properties.Role);
  if (id === undefined) throw new Error(`${fn.logicalId} has no role in this stack`);
  return id;
}

export function actionsOf(statements: Json[]): string[] {
  return statements.flatMap((statement) => asArray<string>(statement.Action));
}
