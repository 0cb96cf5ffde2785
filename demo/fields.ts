// The page's elements by id, and the words of a field's label for messages about it.

export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
export const input = (id: string) => $<HTMLInputElement>(id);
/** The words of the label around field `id` ("Batch size"), for messages about it. */
export const label = (id: string) => input(id).closest('label')?.firstChild?.textContent?.trim() || id;
