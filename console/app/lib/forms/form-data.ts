// Reading a posted form: what the browser sends without JavaScript is what the page sends with it,
// so one reader serves both. Fields that are absent (not rendered, unchecked) read as empty.
export function textOf(data: FormData, field: string): string {
  const value = data.get(field);
  return typeof value === 'string' ? value : '';
}

/** Every value of a repeated field (checkboxes of one name), in the order sent. */
export function textsOf(data: FormData, field: string): string[] {
  return data.getAll(field).filter((value): value is string => typeof value === 'string');
}

/** A checkbox: sent (with any value) when checked, absent when not. */
export function checkedOf(data: FormData, field: string): boolean {
  return data.has(field);
}

/** A field whose value must be one of `allowed`; anything else (or nothing) reads as `fallback`. */
export function choiceOf<T extends string>(
  data: FormData,
  field: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = textOf(data, field);
  return (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}
