/**
 * The start of a text for an error message: whitespace runs collapsed to one space (so an HTML page
 * stays on one line), cut at `max` characters with `…`, and `(empty body)` for nothing.
 */
export function excerpt(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return '(empty body)';
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
