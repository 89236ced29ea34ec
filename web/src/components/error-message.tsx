import type { ApiError } from '../api.js';

/** An API error as the operator reads it: the problem's detail and the fields it names; never blank. */
export function ErrorMessage({ error }: { error: ApiError | undefined }) {
  if (!error) return null;
  return (
    <div class="error" role="alert">
      <p>{error.message || `The request failed (${error.status}).`}</p>
      {error.fieldErrors.length > 0 && (
        <ul>
          {error.fieldErrors.map((e) => (
            <li key={`${e.field}:${e.message}`}>
              <code>{e.field}</code>: {e.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
