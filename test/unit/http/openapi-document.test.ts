import { Validator } from '@seriousme/openapi-schema-validator';
import { ERROR_CODES } from '../../../lib/domain/error-codes.js';
import { openApiDocument } from '../../../lib/http/openapi/openapi-document.js';
import { ROUTE_DOCS } from '../../../lib/http/openapi/route-docs.js';
import { problemResource } from '../../../lib/http/response-schemas.js';
import { ROUTES, routeKey } from '../../../lib/http/routes.js';

type Operation = {
  security?: unknown[];
  requestBody?: { content: Record<string, { examples?: Record<string, { value: unknown }> }> };
  responses: Record<
    string,
    { content?: Record<string, { example?: unknown; examples?: Record<string, { value: unknown }> }> }
  >;
};
const METHODS = ['get', 'post', 'put', 'delete', 'patch', 'head', 'options'];

const document = openApiDocument() as { paths: Record<string, Record<string, Operation>>; components: object };
const operations = Object.entries(document.paths).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method]) => METHODS.includes(method))
    .map(([method, operation]) => ({ key: `${method.toUpperCase()} ${path}`, operation })),
);

describe('the OpenAPI document', () => {
  it('describes every route the router serves, and nothing else', () => {
    // Act
    const documented = operations.map((o) => o.key).sort();

    // Assess
    expect(documented).toEqual(ROUTES.map(routeKey).sort());
    expect(Object.keys(ROUTE_DOCS).sort()).toEqual(ROUTES.map(routeKey).sort());
    expect(documented).toEqual(
      expect.arrayContaining(['GET /api/v1/broadcasts/{id}/timeline', 'POST /api/v1/broadcasts/{id}/preflight']),
    );
  });

  it('is valid OpenAPI 3.1', async () => {
    // Act
    const result = await new Validator().validate(structuredClone(document) as never);

    // Assess
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect((document as { openapi?: string }).openapi).toBe('3.1.0');
  });

  it('asks for the bearer JWT on every route but the public ones, which need none', () => {
    // Assess
    expect(document.components).toMatchObject({
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    });
    for (const route of ROUTES) {
      const operation = operations.find((o) => o.key === routeKey(route))?.operation;
      if (route.public) expect(operation?.security).toEqual([]);
      else {
        expect(operation?.security).toBeUndefined();
        expect(Object.keys(operation?.responses ?? {})).toEqual(expect.arrayContaining(['401', '403']));
      }
    }
  });

  it.each(Object.entries(ROUTE_DOCS).filter(([, doc]) => doc.body !== undefined))(
    'the request examples of %s pass the schema its handler validates with',
    (_key, doc) => {
      // Prepare
      const examples = Object.entries(doc.bodyExamples ?? {});

      // Act
      const failures = examples.filter(([, example]) => !doc.body?.safeParse(example).success).map(([name]) => name);

      // Assess
      expect(examples.length).toBeGreaterThan(0);
      expect(failures).toEqual([]);
    },
  );

  it.each(Object.entries(ROUTE_DOCS))('the response examples of %s pass their response schemas', (_key, doc) => {
    // Act
    const failures = Object.entries(doc.responses)
      .filter(([, response]) => response.schema !== undefined)
      .map(([status, response]) => ({ status, result: response.schema?.safeParse(response.example) }))
      .filter(({ result }) => !result?.success)
      .map(({ status, result }) => `${status}: ${result?.error?.message}`);

    // Assess
    expect(failures).toEqual([]);
  });

  it('shows each problem example with a catalogued code, under the status it is answered with', () => {
    // Prepare
    const problems = operations.flatMap(({ operation }) =>
      Object.entries(operation.responses)
        .filter(([status]) => Number(status) >= 400)
        .flatMap(([status, response]) =>
          Object.values(response.content?.['application/problem+json']?.examples ?? {}).map((e) => ({
            status,
            value: e.value,
          })),
        ),
    );

    // Assess
    expect(problems.length).toBeGreaterThan(ROUTES.length);
    for (const { status, value } of problems) {
      expect(problemResource.parse(value).status).toBe(Number(status));
      expect(Object.keys(ERROR_CODES)).toContain((value as { code: string }).code);
    }
  });

  it('documents the embedded examples in the generated document as written', () => {
    // Act
    const contact = operations.find((o) => o.key === 'POST /api/v1/contacts')?.operation;

    // Assess
    expect(contact?.requestBody?.content['application/json']?.examples?.contact?.value).toEqual(
      ROUTE_DOCS['POST /api/v1/contacts']?.bodyExamples?.contact,
    );
    expect(contact?.responses['201']?.content?.['application/json']?.example).toEqual(
      ROUTE_DOCS['POST /api/v1/contacts']?.responses[201]?.example,
    );
  });
});
