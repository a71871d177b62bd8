/** Whether a list and a set hold the same keys (a form's chosen keys against what was saved). */
export const sameSet = (a: readonly string[], b: ReadonlySet<string>): boolean => a.length === b.size && a.every((key) => b.has(key));
