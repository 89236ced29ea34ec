import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { z } from 'zod';
import type { HttpEvent } from './middlewares.js';
import { HttpProblem, ValidationProblem } from './problem.js';
import { id } from './schemas.js';

/** Validates a value against a schema; every issue becomes one entry of the 400's `errors`. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown, where = 'body'): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationProblem(
    result.error.issues.flatMap((issue) => {
      // zod reports all unknown keys of an object as one issue; name each one as its own field.
      const unknown = issue.code === 'unrecognized_keys';
      const paths = unknown ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
      // A record key that fails its schema: the key schema's own words say why.
      const message = unknown
        ? 'unknown field'
        : issue.code === 'invalid_key'
          ? (issue.issues[0]?.message ?? issue.message)
          : issue.message;
      return paths.map((path) => ({ field: path.length > 0 ? path.join('.') : where, message }));
    }),
  );
}

export function requireBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  if (body === undefined) throw new HttpProblem(400, 'request.validation_failed', 'this request needs a JSON body');
  return parseWith(schema, body);
}

export function pathId(event: HttpEvent, name = 'id'): string {
  return parseWith(id, event.pathParameters?.[name], name);
}

export function queryOf<T extends z.ZodType>(event: HttpEvent, schema: T): z.output<T> {
  return parseWith(schema, event.queryStringParameters ?? {}, 'query');
}

/**
 * The exact bytes of a request's body, for a signature over them: API Gateway hands a body over as a string,
 * base64-encoded when it says `isBase64Encoded`.
 */
export function rawBodyOf(event: Pick<HttpEvent, 'body' | 'isBase64Encoded'>): Buffer {
  if (event.body === undefined || event.body === null) return Buffer.alloc(0);
  return Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
}

export function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

export function noContent(): APIGatewayProxyStructuredResultV2 {
  return { statusCode: 204 };
}
