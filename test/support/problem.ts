/** What a problem assertion reads of an answer, whether it came over HTTP or from a handler's result. */
export interface ProblemAnswer {
  status: number;
  contentType: string | null | undefined;
  body: unknown;
}

/** Asserts an RFC 9457 problem: status, stable code, media type and the documented fields. */
export function expectProblemAnswer(answer: ProblemAnswer, status: number, code: string): void {
  const body = answer.body as { code?: unknown } | undefined;
  expect({ status: answer.status, code: body?.code }).toEqual({ status, code });
  expect(answer.contentType).toBe('application/problem+json');
  expect(answer.body).toEqual(
    expect.objectContaining({
      type: expect.any(String),
      title: expect.any(String),
      status,
      detail: expect.any(String),
      code,
    }),
  );
}
