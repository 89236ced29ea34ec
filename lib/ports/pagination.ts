/** Opaque-cursor pagination shared by every collection. */
export interface PageRequest {
  limit: number;
  /** As returned in a previous page's `nextCursor`; undefined for the first page. */
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Undefined when there is nothing more. */
  nextCursor?: string;
}
